// Added to package github.com/valyala/fasthttp by autotel (rules/fasthttp.yaml,
// file rule of the server groups).
//
// fasthttp's server calls the program's handler in one place, s.Handler(ctx)
// in serveConn (serveConnCounted from v1.72.0); the call rule of the same
// group makes it call autotelServeRequest instead, which runs the handler
// between autotel's server hooks (autotel.dev/go/hooks/fasthttp). While the
// handler runs, the request's *RequestCtx, a context.Context, also answers
// Value for the keys of autotel's context (the SERVER span, its baggage, the
// route record) when its own user values have nothing for the key: the raw
// rule on (*RequestCtx).Value calls autotelValue. Nothing is stored among the
// program's user values.

package fasthttp

import (
	"context"
	"sync/atomic"
	"unsafe"
)

// autotelServerEnter and autotelServerExit are pulled from the hook package,
// where they have bodies. Enter returns the request's state (nil: no span),
// whose first field is the span's context.Context.
//
//go:linkname autotelServerEnter autotel.dev/go/hooks/fasthttp.serverEnter
func autotelServerEnter(ctx *RequestCtx) unsafe.Pointer

//go:linkname autotelServerExit autotel.dev/go/hooks/fasthttp.serverExit
func autotelServerExit(state unsafe.Pointer, status int)

// autotelServeRequest is what the server calls in place of s.Handler(ctx).
func (s *Server) autotelServeRequest(ctx *RequestCtx) {
	state := autotelServerEnter(ctx)
	if state == nil {
		s.Handler(ctx)
		return
	}
	atomic.StorePointer(&ctx.autotel_server, state)
	defer ctx.autotelServed(state)
	s.Handler(ctx)
}

// autotelServed ends the request's span with the status the server will send:
// the timeout response's when TimeoutHandler answered (the handler may still
// be writing ctx.Response on its own goroutine), else ctx.Response's.
func (ctx *RequestCtx) autotelServed(state unsafe.Pointer) {
	atomic.StorePointer(&ctx.autotel_server, nil)
	status := 0
	if r := ctx.timeoutResponse; r != nil {
		status = r.StatusCode()
	} else {
		status = ctx.Response.StatusCode()
	}
	autotelServerExit(state, status)
}

// autotelValue is (*RequestCtx).Value while autotel's span is current for the
// request: the program's user value for key, else the span context's value.
func (ctx *RequestCtx) autotelValue(key any) any {
	if v := ctx.UserValue(key); v != nil {
		return v
	}
	if p := atomic.LoadPointer(&ctx.autotel_server); p != nil {
		return (*(*context.Context)(p)).Value(key)
	}
	return nil
}
