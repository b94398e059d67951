package fiberv3

import (
	"context"
	"net/http/httptest"
	"testing"

	"autotel.dev/go/internal/httpframework"
	ft "autotel.dev/go/internal/httpframework/frameworktest"
	"github.com/gofiber/fiber/v3"
	"github.com/valyala/fasthttp"
)

// The hooks are called here as their trampolines call them, with the
// request's context made as fasthttp's server hook makes it (a SERVER span
// and an httpframework.Served); in an instrumented build that context is what
// the request's *fasthttp.RequestCtx answers for, which an uninstrumented
// fasthttp cannot do. The end-to-end tests (build_mode fiberv3) run them in
// real fiber v3, the file rule's route accessor included.

// withRoute makes route the one the file added to fiber would report.
func withRoute(t *testing.T, route *fiber.Route) {
	prev := matchedRoute
	registerRouteAccessor(func(fiber.Ctx) *fiber.Route { return route })
	t.Cleanup(func() { matchedRoute = prev })
}

// realCtx is a fiber v3 DefaultCtx of a GET request, as fiber's
// requestHandler acquires it.
func realCtx(t *testing.T) fiber.Ctx {
	app := fiber.New()
	var rctx fasthttp.RequestCtx
	rctx.Request.Header.SetMethod("GET")
	rctx.Request.SetRequestURI("/users/42")
	c := app.AcquireCtx(&rctx)
	t.Cleanup(func() { app.ReleaseCtx(c) })
	return c
}

func TestOnlyAMatchedRouteThatIsNotAMiddlewaresNamesTheRequest(t *testing.T) {
	rec := ft.Record(t)
	c := realCtx(t)
	for _, tc := range []struct {
		route *fiber.Route // what the accessor reports: nil for a middleware's
		match bool
		want  string
	}{{&fiber.Route{Path: "/users/:id"}, true, "/users/:id"}, {&fiber.Route{Path: "/users/:id"}, false, ""}, {nil, true, ""}} {
		req, end := ft.Serve(httptest.NewRequest("GET", "/users/42", nil))
		withRoute(t, tc.route)
		nextExit(&routeState{Routing: httpframework.StartRouting(req.Context(), c.Method()), c: c}, &tc.match, new(error))
		if route := end(); route != tc.want {
			t.Errorf("%+v: metric route %q", tc, route)
		}
	}
	spans := rec.Ended()
	if len(spans) != 3 || spans[0].Name() != "GET /users/:id" || ft.Attrs(spans[0])["http.route"].AsString() != "/users/:id" {
		t.Fatalf("spans %v", spans)
	}
	for _, s := range spans[1:] {
		if s.Name() != "GET" {
			t.Errorf("span named %q", s.Name())
		}
	}
}

func TestARequestWithoutASpanHasNoExitCall(t *testing.T) {
	ft.Record(t)
	c := realCtx(t)
	if st, skip := nextEnter(nil, new(*fiber.DefaultCtx)); st != nil || skip {
		t.Errorf("nil ctx: %v %v", st, skip)
	}
	custom := c.(fiber.CustomCtx)
	if st, _ := nextCustomEnter(nil, &custom); st != nil {
		t.Errorf("a request fasthttp's hook gave no span: %v", st)
	}
	if st, _ := errorHandlerEnter(nil, &c, new(error)); st != nil {
		t.Errorf("no error: %v", st)
	}
}

func TestErrorsAreRecordedWithTheStatusAnswered(t *testing.T) {
	ft.CheckHandledErrors(t, func(h *httpframework.HandledError, failed error) { errorHandlerExit(h, &failed) })
}

func TestAPanicIsRecordedAndRaisedAgain(t *testing.T) {
	ft.CheckPanicRaisedAgain(t, requestHandlerExit)
}

func TestAClientContextWithoutItsOwnSpanChangesNothing(t *testing.T) {
	for _, ctx := range []context.Context{nil, context.Background()} {
		if scope, skip := executeEnter(nil, &ctx, nil, nil); scope != nil || skip {
			t.Errorf("%v: scope %v skip %v", ctx, scope, skip)
		}
	}
}
