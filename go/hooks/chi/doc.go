// Package chi is autotel's instrumentation of chi v5
// (github.com/go-chi/chi/v5; instrumentation name "chi", rules in
// rules/chi.yaml, versions >=5.0.0). chi serves through net/http, whose
// server hook already made the request's SERVER span: these hooks make no
// second span, they enrich that one (autotel.dev/go/internal/httpframework).
//
// routeEnter/routeExit on (*Mux).routeHTTP, which routes every request in
// every router it passes (mounted sub-routers inside their parents): the
// span is named after the route pattern of the routing context, mounts
// included ("GET /api/users/{id}", RoutePattern()) with http.route, also on
// the request duration metric; a panic of a handler is recorded and raised
// again with the same value (with middleware.Recoverer, which is outside
// routeHTTP, the panic never reaches it: the 500 it writes marks the span
// as an error). chi handlers return no error.
package chi
