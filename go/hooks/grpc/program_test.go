package grpc

import (
	"context"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// TestTracedByProgramKnowsOtelgrpcAndGrpcsOwnPlugin: a call whose ctx holds
// a span of otelgrpc's (of the call's kind) or of grpc's own OpenTelemetry
// plugin (its client leaves its INTERNAL attempt span in ctx) is the
// program's to trace; anything else is autotel's.
func TestTracedByProgramKnowsOtelgrpcAndGrpcsOwnPlugin(t *testing.T) {
	tp := sdktrace.NewTracerProvider()
	span := func(tracer string, kind trace.SpanKind) context.Context {
		ctx, _ := tp.Tracer(tracer).Start(context.Background(), "s", trace.WithSpanKind(kind))
		return ctx
	}
	cases := []struct {
		name string
		ctx  context.Context
		kind trace.SpanKind
		want bool
	}{
		{"grpc plugin's attempt span, client", span(pluginScope, trace.SpanKindInternal), trace.SpanKindClient, true},
		{"grpc plugin's server span", span(pluginScope, trace.SpanKindServer), trace.SpanKindServer, true},
		{"grpc plugin's attempt span, server", span(pluginScope, trace.SpanKindInternal), trace.SpanKindServer, false},
		{"otelgrpc's client span", span("go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc", trace.SpanKindClient), trace.SpanKindClient, true},
		{"an application span", span("app", trace.SpanKindInternal), trace.SpanKindClient, false},
		{"no span", context.Background(), trace.SpanKindClient, false},
	}
	for _, c := range cases {
		if got := tracedByProgram(c.ctx, c.kind); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
