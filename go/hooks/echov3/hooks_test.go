package echov3

import (
	ft "autotel.dev/go/internal/httpframework/frameworktest"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo"
	"github.com/labstack/echo/middleware"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// The shared helpers of the router hooks' tests.
var (
	setup = ft.Record
	attrs = ft.Attrs
	only  = ft.Only
)

// serve sends req through a new Echo with routes as an instrumented build
// does: a server span in the request's context (what net/http's server hook
// makes), and the hooks called as the trampolines of ServeHTTP, Router.Find
// (here from a middleware, which runs right after Find) and
// DefaultHTTPErrorHandler call them. It returns the response and what
// panicked out of echo.
func serve(routes func(*echo.Echo), req *http.Request) (w *httptest.ResponseRecorder, panicked any) {
	ctx, span := otel.Tracer("nethttp").Start(req.Context(), req.Method, trace.WithSpanKind(trace.SpanKindServer))
	defer span.End()
	e := echo.New()
	e.HTTPErrorHandler = func(err error, c echo.Context) {
		errorEnter(&e, &err, &c)
		e.DefaultHTTPErrorHandler(err, c)
	}
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			method, path := c.Request().Method, c.Request().URL.Path
			if st, _ := findEnter(nil, &method, &path, &c); st != nil {
				findExit(st)
			}
			return next(c)
		}
	})
	routes(e)
	w = httptest.NewRecorder()
	r := req.WithContext(ctx)
	var rw http.ResponseWriter = w
	func() {
		defer func() { panicked = recover() }()
		if st, _ := serveEnter(&e, &rw, &r); st != nil {
			defer serveExit(st)
		}
		e.ServeHTTP(rw, r)
	}()
	return w, panicked
}

func TestRouteNamesTheServerSpan(t *testing.T) {
	rec := setup(t)
	w, _ := serve(func(e *echo.Echo) {
		e.GET("/users/:id", func(c echo.Context) error { return c.String(200, "user "+c.Param("id")) })
	}, httptest.NewRequest("GET", "/users/42", nil))
	if w.Code != 200 || w.Body.String() != "user 42" {
		t.Fatalf("response %d %q", w.Code, w.Body)
	}
	s := only(t, rec)
	if s.Name() != "GET /users/:id" || attrs(s)["http.route"].AsString() != "/users/:id" || s.Status().Code != codes.Unset {
		t.Fatalf("span %q %v %v", s.Name(), attrs(s), s.Status())
	}
}

func TestReturnedErrorsAreRecorded(t *testing.T) {
	rec := setup(t)
	routes := func(e *echo.Echo) {
		e.GET("/fail", func(c echo.Context) error { return errors.New("database is down") })
		e.GET("/missing", func(c echo.Context) error { return echo.NewHTTPError(404, "no such item") })
	}
	w, _ := serve(routes, httptest.NewRequest("GET", "/fail", nil))
	if w.Code != 500 {
		t.Fatalf("status %d, want echo's own 500", w.Code)
	}
	serve(routes, httptest.NewRequest("GET", "/missing", nil))
	spans := rec.Ended()
	if spans[0].Status().Code != codes.Error || spans[0].Status().Description != "database is down" || len(spans[0].Events()) != 1 {
		t.Errorf("500: status %v events %v", spans[0].Status(), spans[0].Events())
	}
	if spans[1].Status().Code != codes.Unset || len(spans[1].Events()) != 1 || spans[1].Name() != "GET /missing" {
		t.Errorf("404 from a handler: %q status %v events %v (event only)", spans[1].Name(), spans[1].Status(), spans[1].Events())
	}
}

func TestPanicIsRecordedAndRaisedAgain(t *testing.T) {
	rec := setup(t)
	_, panicked := serve(func(e *echo.Echo) {
		e.GET("/panic", func(c echo.Context) error { panic(http.ErrAbortHandler) })
	}, httptest.NewRequest("GET", "/panic", nil))
	if panicked != http.ErrAbortHandler {
		t.Fatalf("panicked with %v, want the handler's own value", panicked)
	}
	s := only(t, rec)
	if s.Status().Code != codes.Error || len(s.Events()) != 1 {
		t.Fatalf("span status %v events %v", s.Status(), s.Events())
	}
}

func TestPanicRecoveredByMiddlewareIsAnError(t *testing.T) {
	rec := setup(t)
	w, panicked := serve(func(e *echo.Echo) {
		e.Use(middleware.Recover())
		e.GET("/panic", func(c echo.Context) error { panic("boom") })
	}, httptest.NewRequest("GET", "/panic", nil))
	if panicked != nil || w.Code != 500 {
		t.Fatalf("panicked %v, status %d", panicked, w.Code)
	}
	s := only(t, rec)
	if s.Status().Code != codes.Error || len(s.Events()) != 1 {
		t.Fatalf("span status %v events %v", s.Status(), s.Events())
	}
}
