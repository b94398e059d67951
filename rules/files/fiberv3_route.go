// Added to package github.com/gofiber/fiber/v3 by autotel (rules/fiberv3.yaml,
// file rule of the route group).
//
// It hands autotel's fiber v3 hooks (autotel.dev/go/hooks/fiberv3) the route
// a request has matched, which fiber keeps in the unexported field
// DefaultCtx.route (a custom Ctx answers it through Route()), unless it is a
// middleware's (Route.use: app.Use, a group's handlers), whose path is a
// prefix, not the request's route. It only reads; it changes nothing
// (DefaultCtx.Route() would make a Route when none matched yet).

package fiber

import _ "unsafe" // for go:linkname

// autotelRegisterRouteAccessor is pulled from the hook package, where it has a
// body.
//
//go:linkname autotelRegisterRouteAccessor autotel.dev/go/hooks/fiberv3.registerRouteAccessor
func autotelRegisterRouteAccessor(func(c Ctx) *Route)

func init() {
	autotelRegisterRouteAccessor(autotelMatchedRoute)
}

// autotelMatchedRoute returns the last route c matched, or nil when none has
// or the last one is a middleware's.
func autotelMatchedRoute(c Ctx) *Route {
	var route *Route
	switch c := c.(type) {
	case nil:
		return nil
	case *DefaultCtx:
		route = c.route
	default:
		route = c.Route()
	}
	if route == nil || route.use {
		return nil
	}
	return route
}
