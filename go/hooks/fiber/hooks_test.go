package fiber

import (
	"context"
	"net/http/httptest"
	"testing"

	"autotel.dev/go/internal/httpframework"
	ft "autotel.dev/go/internal/httpframework/frameworktest"
	"github.com/gofiber/fiber/v2"
)

// The hooks are called here as their trampolines call them, with the
// request's context made as fasthttp's server hook makes it (a SERVER span
// and an httpframework.Served); in an instrumented build that context is what
// the request's *fasthttp.RequestCtx answers for, which an uninstrumented
// fasthttp cannot do. The end-to-end tests (build_mode fasthttp) run them in
// real fiber.

// withRoute makes route the one the file added to fiber would report.
func withRoute(t *testing.T, route *fiber.Route) {
	prev := matchedRoute
	registerRouteAccessor(func(*fiber.Ctx) *fiber.Route { return route })
	t.Cleanup(func() { matchedRoute = prev })
}

func TestTheMatchedRouteNamesTheSpanAndTheMetric(t *testing.T) {
	rec := ft.Record(t)
	req, end := ft.Serve(httptest.NewRequest("GET", "/api/users/42", nil))
	withRoute(t, &fiber.Route{Method: "GET", Path: "/api/users/:id"})
	st := &routeState{Routing: httpframeworkRouting(req.Context()), c: nil}
	match := true
	nextExit(st, &match, new(error))
	route := end()
	s := ft.Only(t, rec)
	if s.Name() != "GET /api/users/:id" || ft.Attrs(s)["http.route"].AsString() != "/api/users/:id" || route != "/api/users/:id" {
		t.Fatalf("span %q attrs %v, metric route %q", s.Name(), ft.Attrs(s), route)
	}
}

func TestNoMatchOrAMiddlewaresRouteNamesNothing(t *testing.T) {
	rec := ft.Record(t)
	req, end := ft.Serve(httptest.NewRequest("GET", "/nope", nil))
	withRoute(t, &fiber.Route{Method: "GET", Path: "/api/users/:id"})
	no := false
	nextExit(&routeState{Routing: httpframeworkRouting(req.Context())}, &no, new(error))
	withRoute(t, nil) // the last route matched is a middleware's
	yes := true
	nextExit(&routeState{Routing: httpframeworkRouting(req.Context())}, &yes, new(error))
	if route := end(); route != "" {
		t.Errorf("metric route %q", route)
	}
	if s := ft.Only(t, rec); s.Name() != "GET" {
		t.Errorf("span named %q", s.Name())
	}
}

func TestErrorsAreRecordedWithTheStatusAnswered(t *testing.T) {
	ft.CheckHandledErrors(t, func(h *httpframework.HandledError, failed error) { errorHandlerExit(h, &failed) })
}

func TestAPanicIsRecordedAndRaisedAgain(t *testing.T) {
	ft.CheckPanicRaisedAgain(t, handlerExit)
}

// httpframeworkRouting is nextEnter's and handlerEnter's routing of a request
// whose context is ctx.
func httpframeworkRouting(ctx context.Context) *httpframework.Routing {
	return httpframework.StartRouting(ctx, "GET")
}
