package fiberv3

import (
	"context"
	"unsafe"

	"autotel.dev/go/api"
	"autotel.dev/go/gls"
	"go.opentelemetry.io/otel/trace"
)

// executeEnter is the enter hook of (*core).execute(ctx context.Context,
// client *Client, req *Request) (*Response, error) in fiber v3's client,
// which every request of it goes through with the context the program gave
// (Request.SetContext; context.Background() when none). The request is sent
// by fasthttp's client from a goroutine execute starts, and fasthttp's client
// hook parents its CLIENT span on that goroutine's span, inherited from this
// one: when ctx carries a span other than this goroutine's, it is made
// current here until execute returns, so the CLIENT span is its child. The
// fiber types are unexported or need no reading: unsafe.Pointer stands in
// for them, and this package does not import the client.
func executeEnter(_ unsafe.Pointer, ctx *context.Context, _, _ unsafe.Pointer) (*gls.Scope, bool) {
	defer api.Guard("fiberv3.executeEnter")
	if !inst.Enabled() || *ctx == nil {
		return nil, false
	}
	sc := trace.SpanContextFromContext(*ctx)
	if !sc.IsValid() || sc.Equal(api.CurrentSpanContext()) {
		return nil, false
	}
	return api.MakeCurrent(*ctx), false
}

// executeExit is the exit hook of (*core).execute: the goroutine's span is
// its own again.
func executeExit(scope *gls.Scope, _ unsafe.Pointer, _ *error) {
	defer api.Guard("fiberv3.executeExit")
	scope.Exit()
}
