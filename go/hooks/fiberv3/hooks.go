// Package fiberv3 is autotel's instrumentation of gofiber/fiber v3
// (github.com/gofiber/fiber/v3; instrumentation name "fiber", as v2's, rules
// in rules/fiberv3.yaml, v3.0.0 and later). fiber serves through fasthttp,
// whose server hook (autotel.dev/go/hooks/fasthttp) already made the
// request's SERVER span and made the request's *fasthttp.RequestCtx answer
// for its context: these hooks make no span of their own, they enrich that
// one (autotel.dev/go/internal/httpframework), as autotel.dev/go/hooks/fiber
// does for v2:
//
//   - nextEnter/nextExit on (*App).next (the default Ctx) and
//     nextCustomEnter/nextExit on (*App).nextCustom (an app's custom Ctx),
//     which match the request against the routes (again at every c.Next()):
//     once a route that is not a middleware's (Use) has matched, the span is
//     named after its template ("GET /users/:id") with http.route, also on
//     the duration metric; the matched route is read through
//     registerRouteAccessor, which the file rules/files/fiberv3_route.go adds
//     to fiber calls;
//   - errorHandlerEnter/errorHandlerExit on (*App).ErrorHandler, which every
//     error a handler returns goes through: the error is recorded with the
//     status the error handler answered (status Error for a 5xx, an event only
//     for a 4xx);
//   - requestHandlerEnter/requestHandlerExit on (*App).requestHandler,
//     fiber's fasthttp handler: a panic that leaves fiber (no recover
//     middleware) is recorded and raised again with the same value. With the
//     recover middleware it becomes an error, recorded by the error handler's
//     hooks.
//
// A raw rule makes (*DefaultCtx).Value, fiber v3's fiber.Ctx as a
// context.Context, answer as its *fasthttp.RequestCtx does, so the handler's
// c carries the span too.
//
// fiber v3's client sends through fasthttp's client (HostClient.Do, whose
// hook makes the CLIENT span) from a goroutine it starts per request, which
// inherits the caller's goroutine-local span; executeEnter/executeExit
// (client.go) on its (*core).execute make a span in the request's context
// current for the call.
package fiberv3

import (
	"autotel.dev/go/api"
	"autotel.dev/go/internal/httpframework"
	"github.com/gofiber/fiber/v3"
	"github.com/valyala/fasthttp"
)

var inst = api.NewInstrumentation("fiber")

// routeState carries one routing from nextEnter or nextCustomEnter to
// nextExit.
type routeState struct {
	*httpframework.Routing
	c fiber.Ctx
}

// nextEnter is the enter hook of (*App).next(c *DefaultCtx) (bool, error).
func nextEnter(_ **fiber.App, c **fiber.DefaultCtx) (*routeState, bool) {
	defer api.Guard("fiberv3.nextEnter")
	if *c == nil {
		return nil, false
	}
	return startRouting(*c), false
}

// nextCustomEnter is the enter hook of (*App).nextCustom(c CustomCtx) (bool,
// error).
func nextCustomEnter(_ **fiber.App, c *fiber.CustomCtx) (*routeState, bool) {
	defer api.Guard("fiberv3.nextCustomEnter")
	if *c == nil {
		return nil, false
	}
	return startRouting(*c), false
}

// startRouting begins the routing of c's request; nil when it has no server
// span (or the instrumentation is off).
func startRouting(c fiber.Ctx) *routeState {
	if !inst.Enabled() || c.RequestCtx() == nil {
		return nil
	}
	if r := httpframework.StartRouting(c.RequestCtx(), c.Method()); r != nil {
		return &routeState{r, c}
	}
	return nil
}

// nextExit is the exit hook of (*App).next and (*App).nextCustom: once a
// route has matched, the last one matched names the request, unless it is a
// middleware's (its path is only a prefix).
func nextExit(st *routeState, match *bool, _ *error) {
	defer api.Guard("fiberv3.nextExit")
	if !*match || matchedRoute == nil {
		return
	}
	if route := matchedRoute(st.c); route != nil {
		st.Done(route.Path)
	}
}

// matchedRoute returns the last route a request matched, nil when none has or
// it is a middleware's. It is registered from fiber's init by
// registerRouteAccessor, so this variable must have no initializer (fiber is
// initialized before this package).
var matchedRoute func(c fiber.Ctx) *fiber.Route

// registerRouteAccessor is the setter that the file added to fiber
// (rules/files/fiberv3_route.go) pulls with //go:linkname.
func registerRouteAccessor(f func(c fiber.Ctx) *fiber.Route) {
	matchedRoute = f
}

// errorHandlerEnter is the enter hook of (*App).ErrorHandler(ctx Ctx, err
// error) error.
func errorHandlerEnter(_ **fiber.App, c *fiber.Ctx, err *error) (*httpframework.HandledError, bool) {
	defer api.Guard("fiberv3.errorHandlerEnter")
	if !inst.Enabled() || *c == nil || (*c).RequestCtx() == nil {
		return nil, false
	}
	rctx := (*c).RequestCtx()
	return httpframework.StartHandledError(rctx, &rctx.Response, *err), false
}

// errorHandlerExit is the exit hook of (*App).ErrorHandler: the status the
// error handler answered is the response's now (fiber answers 500 itself when
// the error handler fails).
func errorHandlerExit(st *httpframework.HandledError, failed *error) {
	defer api.Guard("fiberv3.errorHandlerExit")
	st.End(*failed != nil)
}

// requestHandlerEnter is the enter hook of (*App).requestHandler(rctx
// *fasthttp.RequestCtx): an exit call only when the request has a span.
func requestHandlerEnter(_ **fiber.App, rctx **fasthttp.RequestCtx) (*httpframework.Routing, bool) {
	defer api.Guard("fiberv3.requestHandlerEnter")
	if !inst.Enabled() || *rctx == nil {
		return nil, false
	}
	return httpframework.StartRouting(*rctx, string((*rctx).Method())), false
}

// requestHandlerExit is the exit hook of (*App).requestHandler. It recovers a
// panic only to record it, then panics again with the same value; so it does
// not defer api.Guard (which would swallow that panic).
func requestHandlerExit(st *httpframework.Routing) {
	if r := recover(); r != nil {
		st.Panicked("fiberv3.requestHandlerExit", r)
		panic(r)
	}
}
