package gorillamux

import (
	"net/http"

	"autotel.dev/go/api"
	"autotel.dev/go/internal/httpframework"
	"github.com/gorilla/mux"
)

var inst = api.NewInstrumentation("gorillamux")

// matchState carries one matching from matchEnter to matchExit.
type matchState struct {
	*httpframework.Routing
	match *mux.RouteMatch
}

// matchEnter is the enter hook of (*Router).Match(req *http.Request, match
// *RouteMatch) bool, which ServeHTTP calls to route every request (and a
// router calls on its sub-routers, inner first).
func matchEnter(_ **mux.Router, req **http.Request, match **mux.RouteMatch) (*matchState, bool) {
	defer api.Guard("gorillamux.matchEnter")
	if !inst.Enabled() || *req == nil || *match == nil {
		return nil, false
	}
	if r := httpframework.StartRouting((*req).Context(), (*req).Method); r != nil {
		return &matchState{r, *match}, false
	}
	return nil, false
}

// matchExit is the exit hook of (*Router).Match: when a route matched, its
// path template (the sub-routers' prefixes included) is the route.
func matchExit(st *matchState, ok *bool) {
	defer api.Guard("gorillamux.matchExit")
	if !*ok || st.match.MatchErr != nil || st.match.Route == nil {
		return
	}
	if tpl, err := st.match.Route.GetPathTemplate(); err == nil {
		st.Done(tpl)
	}
}

// serveEnter is the enter hook of (*Router).ServeHTTP(w, r): an exit call
// only when the request has a server span.
func serveEnter(_ **mux.Router, _ *http.ResponseWriter, r **http.Request) (*httpframework.Routing, bool) {
	defer api.Guard("gorillamux.serveEnter")
	return httpframework.StartServing(inst, *r), false
}

// serveExit is the exit hook of (*Router).ServeHTTP. It recovers a panic only
// to record it, then panics again with the same value; so it does not defer
// api.Guard (which would swallow that panic).
func serveExit(st *httpframework.Routing) {
	if r := recover(); r != nil {
		st.Panicked("gorillamux.serveExit", r)
		panic(r)
	}
}
