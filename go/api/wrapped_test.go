package api

import (
	"context"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// TracedByApp: the span in ctx counts when its kind is the call's and its
// scope is the named library's package (the last path element), nothing else.
func TestTracedByApp(t *testing.T) {
	tp := sdktrace.NewTracerProvider()
	defer tp.Shutdown(context.Background())
	const otelhttp = "go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	cases := []struct {
		scope string
		kind  trace.SpanKind
		want  bool
	}{
		{otelhttp, trace.SpanKindClient, true},
		{otelhttp, trace.SpanKindServer, false}, // a call made in a handler the program traces
		{"example.com/myotelhttp", trace.SpanKindClient, false},
		{"otelhttp", trace.SpanKindClient, false},
		{otelhttp + "/x", trace.SpanKindClient, false},
	}
	for _, c := range cases {
		ctx, span := tp.Tracer(c.scope).Start(context.Background(), "call", trace.WithSpanKind(c.kind))
		if got := TracedByApp(ctx, trace.SpanKindClient, "otelhttp"); got != c.want {
			t.Errorf("scope %q kind %v: %v, want %v", c.scope, c.kind, got, c.want)
		}
		span.End()
	}
	if TracedByApp(context.Background(), trace.SpanKindClient, "otelhttp") {
		t.Error("a ctx without a span counts")
	}
	ctx, span := noop.NewTracerProvider().Tracer(otelhttp).Start(context.Background(), "call", trace.WithSpanKind(trace.SpanKindClient))
	defer span.End()
	if TracedByApp(ctx, trace.SpanKindClient, "otelhttp") {
		t.Error("a span of a provider that is not the SDK counts")
	}
}
