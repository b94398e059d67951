// Package gin is autotel's instrumentation of github.com/gin-gonic/gin
// (instrumentation name "gin", rules in rules/gin.yaml, versions >=1.7.0).
// gin serves through net/http, whose server hook already made the request's
// SERVER span: these hooks make no second span, they enrich that one
// (autotel.dev/go/internal/httpframework):
//
//   - handleEnter/handleExit on (*Engine).handleHTTPRequest, the one place
//     every request passes after gin has a Context: the span is named after
//     the matched route template ("GET /users/:id", c.FullPath()) with
//     http.route; errors the handlers attached (c.Error) are recorded; a
//     panic that leaves gin (no Recovery middleware) is recorded and raised
//     again with the same value, so net/http sees exactly what it would
//     without autotel;
//   - recoveryEnter on defaultHandleRecovery, what gin.Recovery() calls with
//     a recovered panic: the panic is recorded before gin answers 500.
//     Custom recovery handlers (gin.CustomRecovery) are not seen; their 500
//     still marks the span as an error.
//
// Not done: the http.route of net/http's duration metric stays unset (the
// metric belongs to the net/http hook, which only knows ServeMux patterns).
package gin
