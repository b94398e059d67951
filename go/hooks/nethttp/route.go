package nethttp

import (
	"net/http"
	"strings"

	"autotel.dev/go/api"
	"autotel.dev/go/internal/httpframework"
)

// muxEnter is the enter hook of (*net/http.ServeMux).ServeHTTP(w, r). It
// returns the request itself as the state: ServeHTTP stores the matched
// pattern in r.Pattern (Go 1.23+), which muxExit reads. No exit call when the
// request has no server span or its route is already known.
func muxEnter(_ **http.ServeMux, _ *http.ResponseWriter, r **http.Request) (*http.Request, bool) {
	defer api.Guard("nethttp.muxEnter")
	if !inst.Enabled() {
		return nil, false
	}
	req := *r
	if req == nil {
		return nil, false
	}
	st := serverStateOf(req)
	if st == nil || st.served.Route() != "" {
		return nil, false
	}
	st.mux.Store(req) // the innermost mux so far, for a hijack (muxRoute)
	return req, false
}

// muxExit is the exit hook of (*ServeMux).ServeHTTP. Nested muxes exit inner
// first, so the innermost mux that matched a pattern names the route, unless
// a framework's router (gin, echo, chi, gorilla/mux) inside it named it.
func muxExit(r *http.Request) {
	defer api.Guard("nethttp.muxExit")
	if r == nil || r.Pattern == "" {
		return
	}
	httpframework.SetRouteOnce(r.Context(), r.Method, routeOf(r.Pattern))
}

// muxRoute names the route of st from the innermost ServeMux that routed the
// request, when nothing named it yet: for a span that ends when the handler
// hijacks the connection, before the muxes' exits. ServeMux has put the
// matched pattern in r.Pattern before calling the handler.
func (st *serverState) muxRoute() {
	if r := st.mux.Load(); r != nil && r.Pattern != "" {
		httpframework.SetRouteOnce(r.Context(), r.Method, routeOf(r.Pattern))
	}
}

// routeOf turns a ServeMux pattern, "[METHOD ][HOST]/[PATH]", into http.route:
// the path part, with the "{$}" end anchor dropped ("GET example.com/items/{id}"
// → "/items/{id}", "/{$}" → "/").
func routeOf(pattern string) string {
	p := strings.TrimSpace(pattern)
	if i := strings.IndexAny(p, " \t"); i >= 0 {
		p = strings.TrimLeft(p[i:], " \t") // drop the method
	}
	if i := strings.IndexByte(p, '/'); i > 0 {
		p = p[i:] // drop the host
	}
	return strings.TrimSuffix(p, "{$}")
}
