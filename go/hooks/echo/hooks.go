package echo

import (
	"errors"
	"net/http"

	"autotel.dev/go/api"
	"autotel.dev/go/internal/httpframework"
	"github.com/labstack/echo/v4"
	"go.opentelemetry.io/otel/trace"
)

var inst = api.NewInstrumentation("echo")

// findState carries one routing from findEnter to findExit.
type findState struct {
	span   trace.Span
	c      echo.Context
	method string
}

// findEnter is the enter hook of (*Router).Find(method, path string, c Context).
func findEnter(_ **echo.Router, method, _ *string, c *echo.Context) (*findState, bool) {
	defer api.Guard("echo.findEnter")
	if !inst.Enabled() || *c == nil || (*c).Request() == nil {
		return nil, false
	}
	span := httpframework.ServerSpan((*c).Request().Context())
	if span == nil {
		return nil, false
	}
	return &findState{span: span, c: *c, method: *method}, false
}

// findExit is the exit hook of (*Router).Find: c.Path() is the route.
func findExit(st *findState) {
	defer api.Guard("echo.findExit")
	httpframework.SetRoute(st.span, st.method, st.c.Path())
}

// errorEnter is the enter hook of (*Echo).DefaultHTTPErrorHandler(err, c).
func errorEnter(_ **echo.Echo, err *error, c *echo.Context) (*struct{}, bool) {
	defer api.Guard("echo.errorEnter")
	if !inst.Enabled() || *err == nil || *c == nil || (*c).Request() == nil {
		return nil, false
	}
	status := http.StatusInternalServerError
	var he *echo.HTTPError
	if errors.As(*err, &he) {
		status = he.Code
	}
	httpframework.RecordHandlerError(httpframework.ServerSpan((*c).Request().Context()), *err, status)
	return nil, false
}

// serveEnter is the enter hook of (*Echo).ServeHTTP(w, r): an exit call only
// when the request has a server span.
func serveEnter(_ **echo.Echo, _ *http.ResponseWriter, r **http.Request) (*serveState, bool) {
	defer api.Guard("echo.serveEnter")
	if !inst.Enabled() || *r == nil {
		return nil, false
	}
	span := httpframework.ServerSpan((*r).Context())
	if span == nil {
		return nil, false
	}
	return &serveState{span: span}, false
}

// serveState carries one request from serveEnter to serveExit.
type serveState struct{ span trace.Span }

// serveExit is the exit hook of (*Echo).ServeHTTP. It recovers a panic only
// to record it, then panics again with the same value; so it does not defer
// api.Guard (which would swallow that panic).
func serveExit(st *serveState) {
	r := recover()
	if r != nil {
		recordPanic(st.span, r)
		panic(r)
	}
}

func recordPanic(span trace.Span, value any) {
	defer api.Guard("echo.serveExit")
	httpframework.RecordPanic(span, value)
}
