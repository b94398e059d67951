// Added to package github.com/gofiber/fiber/v2 by autotel (rules/fiber.yaml,
// file rule of the route group).
//
// It hands autotel's fiber hooks (autotel.dev/go/hooks/fiber) the route a
// request has matched, which fiber keeps in the unexported field Ctx.route,
// unless it is a middleware's (Route.use: app.Use, a group's handlers), whose
// path is a prefix, not the request's route. It only reads; it changes
// nothing (Ctx.Route() would make a Route when none matched yet).

package fiber

import _ "unsafe" // for go:linkname

// autotelRegisterRouteAccessor is pulled from the hook package, where it has a
// body.
//
//go:linkname autotelRegisterRouteAccessor autotel.dev/go/hooks/fiber.registerRouteAccessor
func autotelRegisterRouteAccessor(func(c *Ctx) *Route)

func init() {
	autotelRegisterRouteAccessor(autotelMatchedRoute)
}

// autotelMatchedRoute returns the last route c matched, or nil when none has
// or the last one is a middleware's.
func autotelMatchedRoute(c *Ctx) *Route {
	if c == nil || c.route == nil || c.route.use {
		return nil
	}
	return c.route
}
