// Package echo is autotel's instrumentation of echo v4
// (github.com/labstack/echo/v4; instrumentation name "echo", rules in
// rules/echo.yaml, versions >=4.1.16). echo serves through net/http, whose
// server hook already made the request's SERVER span: these hooks make no
// second span, they enrich that one (autotel.dev/go/internal/httpframework):
//
//   - findEnter/findExit on (*Router).Find, which routes every request: the
//     span is named after the matched route template ("GET /users/:id",
//     c.Path()) with http.route;
//   - errorEnter on (*Echo).DefaultHTTPErrorHandler: an error a handler
//     returned is recorded (status Error for a 5xx, an event only for a 4xx).
//     A custom Echo.HTTPErrorHandler is not seen; a 5xx it writes still marks
//     the span as an error;
//   - serveEnter/serveExit on (*Echo).ServeHTTP: a panic that leaves echo (no
//     Recover middleware) is recorded and raised again with the same value.
//     With middleware.Recover the panic becomes an error that reaches the
//     error handler.
//
// autotel.dev/go/hooks/echov3 does the same for echo v3.
package echo
