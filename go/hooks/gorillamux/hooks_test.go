package gorillamux

import (
	"net/http"
	"net/http/httptest"
	"testing"

	ft "autotel.dev/go/internal/httpframework/frameworktest"
	"github.com/gorilla/mux"
	"go.opentelemetry.io/otel/codes"
)

// serve sends req through a router made by routes as an instrumented build
// does: the hooks called as the trampolines of ServeHTTP and Match call them
// (Match through a matcher route added first, which runs the router's own
// Match under the hooks). It returns the response, what panicked out of mux,
// and the route the metric gets.
func serve(routes func(*mux.Router), req *http.Request) (w *httptest.ResponseRecorder, panicked any, route string) {
	r := mux.NewRouter()
	routes(r)
	req, end := ft.Serve(req)
	w = httptest.NewRecorder()
	var rw http.ResponseWriter = w
	func() {
		defer func() { panicked = recover() }()
		if st, _ := serveEnter(&r, &rw, &req); st != nil {
			defer serveExit(st)
		}
		var match mux.RouteMatch
		m := &match
		st, _ := matchEnter(&r, &req, &m)
		ok := r.Match(req, &match)
		if st != nil {
			matchExit(st, &ok)
		}
		if ok {
			req = mux.SetURLVars(req, match.Vars)
			match.Handler.ServeHTTP(rw, req)
		}
	}()
	return w, panicked, end()
}

func TestPathTemplateOfSubrouterNamesTheSpanAndTheMetric(t *testing.T) {
	rec := ft.Record(t)
	w, _, route := serve(func(r *mux.Router) {
		r.PathPrefix("/api").Subrouter().HandleFunc("/users/{id}", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte("user " + mux.Vars(r)["id"]))
		}).Methods("GET")
	}, httptest.NewRequest("GET", "/api/users/42", nil))
	if w.Code != 200 || w.Body.String() != "user 42" {
		t.Fatalf("response %d %q", w.Code, w.Body)
	}
	s := ft.Only(t, rec)
	if s.Name() != "GET /api/users/{id}" || ft.Attrs(s)["http.route"].AsString() != "/api/users/{id}" || route != "/api/users/{id}" {
		t.Fatalf("span %q %v, metric route %q", s.Name(), ft.Attrs(s), route)
	}
}

func TestMethodMismatchLeavesTheSpan(t *testing.T) {
	rec := ft.Record(t)
	_, _, route := serve(func(r *mux.Router) {
		r.HandleFunc("/a", func(w http.ResponseWriter, r *http.Request) {}).Methods("POST")
	}, httptest.NewRequest("GET", "/a", nil))
	if s := ft.Only(t, rec); s.Name() != "GET" || route != "" {
		t.Fatalf("span %q route %q", s.Name(), route)
	}
}

func TestPanicIsRecordedAndRaisedAgain(t *testing.T) {
	rec := ft.Record(t)
	_, panicked, _ := serve(func(r *mux.Router) {
		r.HandleFunc("/panic", func(w http.ResponseWriter, r *http.Request) { panic(http.ErrAbortHandler) })
	}, httptest.NewRequest("GET", "/panic", nil))
	if panicked != http.ErrAbortHandler {
		t.Fatalf("panicked with %v, want the handler's own value", panicked)
	}
	s := ft.Only(t, rec)
	if s.Status().Code != codes.Error || ft.Exceptions(s) != 1 || s.Name() != "GET /panic" {
		t.Fatalf("span %q status %v events %v", s.Name(), s.Status(), s.Events())
	}
}
