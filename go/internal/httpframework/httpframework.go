// Package httpframework is what the hooks of web frameworks built on net/http
// (autotel.dev/go/hooks/gin, …/echo, …/echov3) share. Such a framework serves
// requests that net/http's server hook has already given a SERVER span (it is
// in the request's context); the framework hooks make no second span, they
// enrich that one: the route template as name and http.route, the handler's
// errors and panics. It must not start spans.
package httpframework

import (
	"context"
	"fmt"

	"autotel.dev/go/internal/semconv"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// ServerSpan returns the recording span in ctx (the server span of the
// request), or nil when there is none: then the hooks do nothing.
func ServerSpan(ctx context.Context) trace.Span {
	if ctx == nil {
		return nil
	}
	span := trace.SpanFromContext(ctx)
	if !span.IsRecording() {
		return nil
	}
	return span
}

// SetRoute names span after the route template ("GET /users/:id") and sets
// http.route. An empty route changes nothing.
func SetRoute(span trace.Span, method, route string) {
	if span == nil || route == "" {
		return
	}
	span.SetName(semconv.ServerSpanName(method, route))
	span.SetAttributes(semconv.RouteAttribute(route))
}

// RecordHandlerError records an error a handler returned: an exception event
// and, when the response is a server error (status >= 500, or 0 when not
// known yet and the framework will answer 500), status Error with the
// error's message. A 4xx is the client's fault: event only, status unset, as
// the HTTP conventions ask of server spans.
func RecordHandlerError(span trace.Span, err error, status int) {
	if span == nil || err == nil {
		return
	}
	span.RecordError(err)
	if status >= 500 || status == 0 {
		span.SetStatus(codes.Error, err.Error())
	}
}

// RecordPanic records a panic of the handler: an exception event (type and
// message of the panic value) and status Error. The caller re-panics or
// lets the framework recover, as the application would without autotel.
func RecordPanic(span trace.Span, value any) {
	if span == nil {
		return
	}
	msg := fmt.Sprint(value)
	span.AddEvent("exception", trace.WithAttributes(
		attribute.String("exception.type", fmt.Sprintf("%T", value)),
		attribute.String("exception.message", msg),
	))
	span.SetStatus(codes.Error, "panic: "+msg)
}
