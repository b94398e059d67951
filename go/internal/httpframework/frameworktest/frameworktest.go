// Package frameworktest is what the tests of the router hooks (chi,
// gorillamux, echov5, fiber, fiberv3) share: a span recorder as the global
// tracer provider, requests served as net/http's server hook serves them (a
// SERVER span and an httpframework.Served in the context), and the checks of
// the hooks fiber v2 and v3 have alike (fiber.go).
package frameworktest

import (
	"autotel.dev/go/internal/spantest"
	"net/http"
	"testing"

	"autotel.dev/go/internal/httpframework"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// Record makes a span recorder the global tracer provider for the test.
func Record(t *testing.T) *tracetest.SpanRecorder {
	t.Helper()
	return spantest.Record(t)
}

// Serve returns req with a server span and a Served in its context, and the
// function that ends the span and returns the route the Served kept (what
// the server hook puts on the duration metric).
func Serve(req *http.Request) (*http.Request, func() string) {
	ctx, span := otel.Tracer("nethttp").Start(req.Context(), req.Method, trace.WithSpanKind(trace.SpanKindServer))
	ctx, served := httpframework.WithServed(ctx, span)
	return req.WithContext(ctx), func() string {
		span.End()
		return served.Route()
	}
}

// Only returns the one span rec ended, failing the test otherwise.
func Only(t *testing.T, rec *tracetest.SpanRecorder) sdktrace.ReadOnlySpan {
	t.Helper()
	spans := rec.Ended()
	if len(spans) != 1 {
		t.Fatalf("%d spans, want exactly the server span (no second one)", len(spans))
	}
	return spans[0]
}

// Attrs returns the attributes of s by key.
func Attrs(s sdktrace.ReadOnlySpan) map[string]attribute.Value {
	m := map[string]attribute.Value{}
	for _, kv := range s.Attributes() {
		m[string(kv.Key)] = kv.Value
	}
	return m
}

// Exceptions counts the exception events of s.
func Exceptions(s sdktrace.ReadOnlySpan) int {
	n := 0
	for _, e := range s.Events() {
		if e.Name == "exception" {
			n++
		}
	}
	return n
}
