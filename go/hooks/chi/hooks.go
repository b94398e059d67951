package chi

import (
	"net/http"

	"autotel.dev/go/api"
	"autotel.dev/go/internal/httpframework"
	"github.com/go-chi/chi/v5"
)

var inst = api.NewInstrumentation("chi")

// routeState carries one request from routeEnter to routeExit.
type routeState struct {
	*httpframework.Routing
	rctx *chi.Context
}

// routeEnter is the enter hook of (*Mux).routeHTTP(w, r), which finds the
// route and calls its handler, once a router the request passes through (a
// mounted sub-router's inside its parent's).
func routeEnter(_ **chi.Mux, _ *http.ResponseWriter, r **http.Request) (*routeState, bool) {
	defer api.Guard("chi.routeEnter")
	if !inst.Enabled() || *r == nil {
		return nil, false
	}
	rctx := chi.RouteContext((*r).Context())
	if rctx == nil {
		return nil, false
	}
	if st := httpframework.StartRouting((*r).Context(), (*r).Method); st != nil {
		return &routeState{st, rctx}, false
	}
	return nil, false
}

// routeExit is the exit hook of (*Mux).routeHTTP: the routing context's
// RoutePattern() is the route, the patterns of the mounts included (the
// inner router exits first; the outer ones find the same pattern). It runs
// before chi's ServeHTTP hands the routing context back to its pool. It
// recovers a panic only to record it (once a request), then panics again
// with the same value; so it does not defer api.Guard (which would swallow
// that panic).
func routeExit(st *routeState) {
	r := recover()
	finish(st)
	if r != nil {
		st.Panicked("chi.routeExit", r)
		panic(r)
	}
}

func finish(st *routeState) {
	defer api.Guard("chi.routeExit")
	st.Done(st.rctx.RoutePattern())
}
