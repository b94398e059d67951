package fiber

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"

	"autotel.dev/go/internal/httpframework"
	ft "autotel.dev/go/internal/httpframework/frameworktest"
	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
	"go.opentelemetry.io/otel/codes"
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
	rec := ft.Record(t)
	for _, tc := range []struct {
		status int
		failed error
	}{{500, nil}, {404, nil}, {200, errors.New("error handler failed")}} {
		req, end := ft.Serve(httptest.NewRequest("GET", "/x", nil))
		var resp fasthttp.Response
		resp.SetStatusCode(tc.status)
		failed := tc.failed
		errorHandlerExit(httpframework.StartHandledError(req.Context(), &resp, errors.New("database is down")), &failed)
		end()
	}
	spans := rec.Ended()
	if len(spans) != 3 {
		t.Fatalf("%d spans", len(spans))
	}
	for i, wantError := range []bool{true, false, true} {
		s := spans[i]
		if ft.Exceptions(s) != 1 || (s.Status().Code == codes.Error) != wantError {
			t.Errorf("case %d: status %v events %v", i, s.Status(), s.Events())
		}
	}
}

func TestAPanicIsRecordedAndRaisedAgain(t *testing.T) {
	rec := ft.Record(t)
	req, end := ft.Serve(httptest.NewRequest("GET", "/panic", nil))
	value := errors.New("handler panicked")
	var got any
	func() {
		defer func() { got = recover() }()
		st := httpframeworkRouting(req.Context())
		defer handlerExit(st)
		panic(value)
	}()
	end()
	if got != value {
		t.Fatalf("panicked with %v, want the handler's own value", got)
	}
	if s := ft.Only(t, rec); s.Status().Code != codes.Error || ft.Exceptions(s) != 1 {
		t.Fatalf("status %v events %v", s.Status(), s.Events())
	}
}

// httpframeworkRouting is nextEnter's and handlerEnter's routing of a request
// whose context is ctx.
func httpframeworkRouting(ctx context.Context) *httpframework.Routing {
	return httpframework.StartRouting(ctx, "GET")
}
