// Package echov3 is autotel's instrumentation of echo v3
// (github.com/labstack/echo, v3.3.10+incompatible; instrumentation name
// "echo", like v4; rules in rules/echov3.yaml). It does exactly what
// autotel.dev/go/hooks/echo does for echo v4, on the same functions, which
// have the same signatures in v3: the net/http server span is named after the
// route template with http.route, returned errors (default error handler) and
// panics are recorded, and a panic is raised again with its own value.
package echov3
