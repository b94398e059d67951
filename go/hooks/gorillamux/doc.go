// Package gorillamux is autotel's instrumentation of gorilla/mux
// (github.com/gorilla/mux; instrumentation name "gorillamux", rules in
// rules/gorillamux.yaml, versions >=1.7.0). mux serves through net/http,
// whose server hook already made the request's SERVER span: these hooks make
// no second span, they enrich that one (autotel.dev/go/internal/httpframework):
//
//   - matchEnter/matchExit on (*Router).Match, which routes every request:
//     the span is named after the matched route's path template ("GET
//     /users/{id}", Route.GetPathTemplate, sub-routers' prefixes included)
//     with http.route, also on the request duration metric. A route without a
//     path template (host or header matchers only) leaves the span as it is;
//   - serveEnter/serveExit on (*Router).ServeHTTP: a panic of a handler is
//     recorded and raised again with the same value (mux recovers none).
//
// mux handlers return no error: a 5xx they write marks the span as an error
// (net/http's hook).
package gorillamux
