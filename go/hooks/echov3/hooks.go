package echov3

import (
	"errors"
	"net/http"

	"autotel.dev/go/api"
	"autotel.dev/go/internal/httpframework"
	"github.com/labstack/echo"
)

var inst = api.NewInstrumentation("echo")

// findState carries one routing from findEnter to findExit.
type findState struct {
	*httpframework.Routing
	c echo.Context
}

// findEnter is the enter hook of (*Router).Find(method, path string, c Context).
func findEnter(_ **echo.Router, method, _ *string, c *echo.Context) (*findState, bool) {
	defer api.Guard("echov3.findEnter")
	if !inst.Enabled() || *c == nil || (*c).Request() == nil {
		return nil, false
	}
	if r := httpframework.StartRouting((*c).Request().Context(), *method); r != nil {
		return &findState{r, *c}, false
	}
	return nil, false
}

// findExit is the exit hook of (*Router).Find: c.Path() is the route.
func findExit(st *findState) {
	defer api.Guard("echov3.findExit")
	st.Done(st.c.Path())
}

// errorEnter is the enter hook of (*Echo).DefaultHTTPErrorHandler(err, c).
func errorEnter(_ **echo.Echo, err *error, c *echo.Context) (*struct{}, bool) {
	defer api.Guard("echov3.errorEnter")
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
func serveEnter(_ **echo.Echo, _ *http.ResponseWriter, r **http.Request) (*httpframework.Routing, bool) {
	defer api.Guard("echov3.serveEnter")
	return httpframework.StartServing(inst, *r), false
}

// serveExit is the exit hook of (*Echo).ServeHTTP. It recovers a panic only
// to record it, then panics again with the same value; so it does not defer
// api.Guard (which would swallow that panic).
func serveExit(st *httpframework.Routing) {
	if r := recover(); r != nil {
		st.Panicked("echov3.serveExit", r)
		panic(r)
	}
}
