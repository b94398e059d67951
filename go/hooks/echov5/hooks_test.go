package echov5

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	ft "autotel.dev/go/internal/httpframework/frameworktest"
	"github.com/labstack/echo/v5"
	"go.opentelemetry.io/otel/codes"
)

// serve sends req through a new Echo with routes as an instrumented build
// does: the hooks called as the trampolines of ServeHTTP and
// DefaultRouter.Route call them (here around a Route call of our own, whose
// handler then runs as echo would run it). It returns the response, what
// panicked out, and the route the metric gets.
func serve(routes func(*echo.Echo), req *http.Request) (w *httptest.ResponseRecorder, panicked any, route string) {
	e := echo.New()
	routes(e)
	req, end := ft.Serve(req)
	w = httptest.NewRecorder()
	var rw http.ResponseWriter = w
	func() {
		defer func() { panicked = recover() }()
		if st, _ := serveEnter(&e, &rw, &req); st != nil {
			defer serveExit(st)
		}
		c := e.NewContext(req, rw)
		router := e.Router().(*echo.DefaultRouter)
		st, _ := routeEnter(&router, &c)
		h := router.Route(c)
		if st != nil {
			routeExit(st, &h)
		}
		if err := h(c); err != nil {
			e.HTTPErrorHandler(c, err)
		}
	}()
	return w, panicked, end()
}

func TestRouteNamesTheSpanAndTheMetric(t *testing.T) {
	rec := ft.Record(t)
	w, _, route := serve(func(e *echo.Echo) {
		e.Group("/api").GET("/users/:id", func(c *echo.Context) error { return c.String(200, "user "+c.Param("id")) })
	}, httptest.NewRequest("GET", "/api/users/42", nil))
	if w.Code != 200 || w.Body.String() != "user 42" {
		t.Fatalf("response %d %q", w.Code, w.Body)
	}
	s := ft.Only(t, rec)
	if s.Name() != "GET /api/users/:id" || ft.Attrs(s)["http.route"].AsString() != "/api/users/:id" || route != "/api/users/:id" || s.Status().Code != codes.Unset {
		t.Fatalf("span %q %v %v, metric route %q", s.Name(), ft.Attrs(s), s.Status(), route)
	}
}

func TestReturnedErrorsAreRecordedAndReturnedUnchanged(t *testing.T) {
	rec := ft.Record(t)
	errDown := errors.New("database is down")
	routes := func(e *echo.Echo) {
		e.GET("/fail", func(c *echo.Context) error { return errDown })
		e.GET("/missing", func(c *echo.Context) error { return echo.NewHTTPError(404, "no such item") })
	}
	if w, _, _ := serve(routes, httptest.NewRequest("GET", "/fail", nil)); w.Code != 500 {
		t.Fatalf("status %d, want echo's own 500", w.Code)
	}
	if w, _, _ := serve(routes, httptest.NewRequest("GET", "/missing", nil)); w.Code != 404 {
		t.Fatalf("status %d, want the handler's 404", w.Code)
	}
	spans := rec.Ended()
	if spans[0].Status().Code != codes.Error || spans[0].Status().Description != "database is down" || ft.Exceptions(spans[0]) != 1 {
		t.Errorf("500: status %v events %v", spans[0].Status(), spans[0].Events())
	}
	if spans[1].Status().Code != codes.Unset || ft.Exceptions(spans[1]) != 1 || spans[1].Name() != "GET /missing" {
		t.Errorf("404 from a handler: %q status %v events %v (event only)", spans[1].Name(), spans[1].Status(), spans[1].Events())
	}
}

func TestPanicIsRecordedAndRaisedAgain(t *testing.T) {
	rec := ft.Record(t)
	_, panicked, _ := serve(func(e *echo.Echo) {
		e.GET("/panic", func(c *echo.Context) error { panic(http.ErrAbortHandler) })
	}, httptest.NewRequest("GET", "/panic", nil))
	if panicked != http.ErrAbortHandler {
		t.Fatalf("panicked with %v, want the handler's own value", panicked)
	}
	s := ft.Only(t, rec)
	if s.Status().Code != codes.Error || ft.Exceptions(s) != 1 {
		t.Fatalf("span status %v events %v", s.Status(), s.Events())
	}
}
