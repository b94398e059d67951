package echov5

import (
	"context"
	"errors"
	"net/http"

	"autotel.dev/go/api"
	"autotel.dev/go/internal/httpframework"
	"github.com/labstack/echo/v5"
)

var inst = api.NewInstrumentation("echo")

// routeState carries one routing from routeEnter to routeExit.
type routeState struct {
	*httpframework.Routing
	c *echo.Context
}

// routeEnter is the enter hook of (*DefaultRouter).Route(c *Context)
// HandlerFunc, which routes every request.
func routeEnter(_ **echo.DefaultRouter, c **echo.Context) (*routeState, bool) {
	defer api.Guard("echov5.routeEnter")
	if !inst.Enabled() || *c == nil || (*c).Request() == nil {
		return nil, false
	}
	if r := httpframework.StartRouting((*c).Request().Context(), (*c).Request().Method); r != nil {
		return &routeState{r, *c}, false
	}
	return nil, false
}

// routeExit is the exit hook of (*DefaultRouter).Route: c.Path() is the
// route, and the handler it returns is wrapped to record the error the
// handler returns (echo v5's error handler is a closure no rule can reach);
// the wrapper returns that error unchanged.
func routeExit(st *routeState, h *echo.HandlerFunc) {
	defer api.Guard("echov5.routeExit")
	st.Done(st.c.Path())
	if *h == nil {
		return
	}
	handler, ctx := *h, st.Context()
	*h = func(c *echo.Context) error {
		err := handler(c)
		if err != nil {
			recordError(ctx, err)
		}
		return err
	}
}

// recordError records an error a handler returned, with the status echo's
// default error handler answers it with (500 unless it has a status code).
func recordError(ctx context.Context, err error) {
	defer api.Guard("echov5.recordError")
	status := http.StatusInternalServerError
	var sc echo.HTTPStatusCoder
	if errors.As(err, &sc) && sc.StatusCode() != 0 {
		status = sc.StatusCode()
	}
	httpframework.RecordHandlerError(httpframework.ServerSpan(ctx), err, status)
}

// serveEnter is the enter hook of (*Echo).ServeHTTP(w, r): an exit call only
// when the request has a server span.
func serveEnter(_ **echo.Echo, _ *http.ResponseWriter, r **http.Request) (*httpframework.Routing, bool) {
	defer api.Guard("echov5.serveEnter")
	return httpframework.StartServing(inst, *r), false
}

// serveExit is the exit hook of (*Echo).ServeHTTP. It recovers a panic only
// to record it, then panics again with the same value; so it does not defer
// api.Guard (which would swallow that panic).
func serveExit(st *httpframework.Routing) {
	if r := recover(); r != nil {
		st.Panicked("echov5.serveExit", r)
		panic(r)
	}
}
