// Package echov5 is autotel's instrumentation of echo v5
// (github.com/labstack/echo/v5; instrumentation name "echo", rules in
// rules/echov5.yaml, versions >=5.3.1). echo serves through net/http, whose
// server hook already made the request's SERVER span: these hooks make no
// second span, they enrich that one (autotel.dev/go/internal/httpframework):
//
//   - routeEnter/routeExit on (*DefaultRouter).Route, which routes every
//     request: the span is named after the matched route template ("GET
//     /users/:id", c.Path()) with http.route, also on the request duration
//     metric; the handler Route returns is wrapped so that an error it
//     returns is recorded (status Error for a 5xx, an event only for a 4xx),
//     then returned unchanged;
//   - serveEnter/serveExit on (*Echo).ServeHTTP: a panic that leaves echo (no
//     Recover middleware) is recorded and raised again with the same value.
//     With middleware.Recover the panic becomes a 500 response, which marks
//     the span as an error.
//
// autotel.dev/go/hooks/echo and …/echov3 do the same for echo v4 and v3.
package echov5
