package chi

import (
	"net/http"
	"net/http/httptest"
	"testing"

	ft "autotel.dev/go/internal/httpframework/frameworktest"
	"github.com/go-chi/chi/v5"
	"go.opentelemetry.io/otel/codes"
)

// serve sends req through a router made by routes, whose routeHTTP is
// wrapped in routeEnter/routeExit as its trampoline does: chi's middleware
// of a router wraps exactly its routeHTTP, so the hooks run from one. It
// returns the response, what panicked out, and the route the metric gets.
func serve(routes func(chi.Router), req *http.Request) (w *httptest.ResponseRecorder, panicked any, route string) {
	r := chi.NewRouter()
	r.Use(hooked)
	routes(r)
	req, end := ft.Serve(req)
	w = httptest.NewRecorder()
	func() {
		defer func() { panicked = recover() }()
		r.ServeHTTP(w, req)
	}()
	return w, panicked, end()
}

func hooked(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if st, _ := routeEnter(nil, &w, &r); st != nil {
			defer routeExit(st)
		}
		next.ServeHTTP(w, r)
	})
}

func TestRoutePatternOfMountsNamesTheSpanAndTheMetric(t *testing.T) {
	rec := ft.Record(t)
	w, _, route := serve(func(r chi.Router) {
		api := chi.NewRouter()
		api.Use(hooked)
		api.Get("/users/{id}", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("user " + chi.URLParam(r, "id"))) })
		r.Mount("/api", api)
	}, httptest.NewRequest("GET", "/api/users/42", nil))
	if w.Code != 200 || w.Body.String() != "user 42" {
		t.Fatalf("response %d %q", w.Code, w.Body)
	}
	s := ft.Only(t, rec)
	if s.Name() != "GET /api/users/{id}" || ft.Attrs(s)["http.route"].AsString() != "/api/users/{id}" || route != "/api/users/{id}" {
		t.Fatalf("span %q %v, metric route %q", s.Name(), ft.Attrs(s), route)
	}
}

func TestPanicIsRecordedOnceAndRaisedAgain(t *testing.T) {
	rec := ft.Record(t)
	_, panicked, route := serve(func(r chi.Router) {
		api := chi.NewRouter()
		api.Use(hooked)
		api.Get("/panic", func(w http.ResponseWriter, r *http.Request) { panic(http.ErrAbortHandler) })
		r.Mount("/api", api)
	}, httptest.NewRequest("GET", "/api/panic", nil))
	if panicked != http.ErrAbortHandler {
		t.Fatalf("panicked with %v, want the handler's own value", panicked)
	}
	s := ft.Only(t, rec)
	if s.Status().Code != codes.Error || ft.Exceptions(s) != 1 || route != "/api/panic" {
		t.Fatalf("span status %v events %v route %q: one exception though two routers saw the panic", s.Status(), s.Events(), route)
	}
}

func TestNoRouteLeavesTheSpan(t *testing.T) {
	rec := ft.Record(t)
	w, _, route := serve(func(r chi.Router) {
		r.Get("/a", func(w http.ResponseWriter, r *http.Request) {})
	}, httptest.NewRequest("GET", "/b", nil))
	if s := ft.Only(t, rec); w.Code != 404 || s.Name() != "GET" || route != "" {
		t.Fatalf("status %d span %q route %q", w.Code, s.Name(), route)
	}
}
