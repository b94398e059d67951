// Package fiber is autotel's instrumentation of gofiber/fiber v2
// (github.com/gofiber/fiber/v2; instrumentation name "fiber", rules in
// rules/fiber.yaml, v2.52.15). fiber serves through fasthttp, whose server
// hook (autotel.dev/go/hooks/fasthttp) already made the request's SERVER span
// and made the request's *fasthttp.RequestCtx answer for its context: these
// hooks make no span of their own, they enrich that one
// (autotel.dev/go/internal/httpframework):
//
//   - nextEnter/nextExit on (*App).next, which matches the request against
//     the routes (again at every c.Next()): once a route that is not a
//     middleware's (Use) has matched, the span is named after its template
//     ("GET /users/:id") with http.route, also on the duration metric; the
//     matched route is read through registerRouteAccessor, which the file
//     rules/files/fiber_route.go adds to fiber calls;
//   - errorHandlerEnter/errorHandlerExit on (*App).ErrorHandler, which every
//     error a handler returns goes through: the error is recorded with the
//     status the error handler answered (status Error for a 5xx, an event only
//     for a 4xx);
//   - handlerEnter/handlerExit on (*App).handler, fiber's fasthttp handler: a
//     panic that leaves fiber (no recover middleware) is recorded and raised
//     again with the same value. With the recover middleware it becomes an
//     error, recorded by the error handler's hooks.
//
// autotel.dev/go/hooks/fiberv3 does the same for fiber v3.
package fiber

import (
	"autotel.dev/go/api"
	"autotel.dev/go/internal/httpframework"
	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

var inst = api.NewInstrumentation("fiber")

// routeState carries one routing from nextEnter to nextExit.
type routeState struct {
	*httpframework.Routing
	c *fiber.Ctx
}

// nextEnter is the enter hook of (*App).next(c *Ctx) (bool, error).
func nextEnter(_ **fiber.App, c **fiber.Ctx) (*routeState, bool) {
	defer api.Guard("fiber.nextEnter")
	if !inst.Enabled() || *c == nil || (*c).Context() == nil {
		return nil, false
	}
	if r := httpframework.StartRouting((*c).Context(), (*c).Method()); r != nil {
		return &routeState{r, *c}, false
	}
	return nil, false
}

// nextExit is the exit hook of (*App).next: once a route has matched, the
// last one matched names the request, unless it is a middleware's (its path
// is only a prefix).
func nextExit(st *routeState, match *bool, _ *error) {
	defer api.Guard("fiber.nextExit")
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
var matchedRoute func(c *fiber.Ctx) *fiber.Route

// registerRouteAccessor is the setter that the file added to fiber
// (rules/files/fiber_route.go) pulls with //go:linkname.
func registerRouteAccessor(f func(c *fiber.Ctx) *fiber.Route) {
	matchedRoute = f
}

// errorHandlerEnter is the enter hook of (*App).ErrorHandler(ctx *Ctx, err
// error) error.
func errorHandlerEnter(_ **fiber.App, c **fiber.Ctx, err *error) (*httpframework.HandledError, bool) {
	defer api.Guard("fiber.errorHandlerEnter")
	if !inst.Enabled() || *c == nil || (*c).Context() == nil {
		return nil, false
	}
	rctx := (*c).Context()
	return httpframework.StartHandledError(rctx, &rctx.Response, *err), false
}

// errorHandlerExit is the exit hook of (*App).ErrorHandler: the status the
// error handler answered is the response's now (fiber answers 500 itself when
// the error handler fails).
func errorHandlerExit(st *httpframework.HandledError, failed *error) {
	defer api.Guard("fiber.errorHandlerExit")
	st.End(*failed != nil)
}

// handlerEnter is the enter hook of (*App).handler(rctx
// *fasthttp.RequestCtx): an exit call only when the request has a span.
func handlerEnter(_ **fiber.App, rctx **fasthttp.RequestCtx) (*httpframework.Routing, bool) {
	defer api.Guard("fiber.handlerEnter")
	if !inst.Enabled() || *rctx == nil {
		return nil, false
	}
	return httpframework.StartRouting(*rctx, string((*rctx).Method())), false
}

// handlerExit is the exit hook of (*App).handler. It recovers a panic only to
// record it, then panics again with the same value; so it does not defer
// api.Guard (which would swallow that panic).
func handlerExit(st *httpframework.Routing) {
	if r := recover(); r != nil {
		st.Panicked("fiber.handlerExit", r)
		panic(r)
	}
}
