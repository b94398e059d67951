package sdk

import (
	"context"
	"strings"
	"testing"

	"autotel.dev/go/api"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// TestQuietOnlyWhereTheSamplerDrops: for every sampler the runtime builds, api's Quiet (which
// hooks use to skip a span before building it) is true only where the SDK itself would start a
// non-recording span, and true for every not-sampled parent under the samplers that follow it.
func TestQuietOnlyWhereTheSamplerDrops(t *testing.T) {
	prev := otel.GetTracerProvider()
	t.Cleanup(func() { otel.SetTracerProvider(prev) })
	inst := api.NewInstrumentation("quiettest")
	ids := trace.SpanContextConfig{TraceID: trace.TraceID{1}, SpanID: trace.SpanID{2}}
	sampled, unsampled := ids, ids
	sampled.TraceFlags = trace.FlagsSampled
	parents := map[string]context.Context{
		"none":               context.Background(),
		"sampled":            trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(sampled)),
		"unsampled":          trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(unsampled)),
		"unsampled (remote)": trace.ContextWithRemoteSpanContext(context.Background(), trace.NewSpanContext(unsampled)),
	}
	for _, name := range []string{"always_on", "always_off", "traceidratio", "parentbased_always_on",
		"parentbased_always_off", "parentbased_traceidratio"} {
		rec := tracetest.NewSpanRecorder()
		tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec),
			sdktrace.WithSampler(buildSampler(samplerConfig{name: name, arg: 0.5})))
		otel.SetTracerProvider(tp)
		api.SetSampler(tp, name)
		follows := name == "always_off" || strings.HasPrefix(name, "parentbased_")
		for pname, ctx := range parents {
			quiet := inst.Quiet(ctx)
			_, span := inst.Tracer().Start(ctx, "op")
			if quiet && span.IsRecording() {
				t.Errorf("%s, parent %s: Quiet, but the SDK records the span", name, pname)
			}
			if want := follows && strings.HasPrefix(pname, "unsampled"); quiet != want {
				t.Errorf("%s, parent %s: Quiet %v, want %v", name, pname, quiet, want)
			}
			span.End()
		}
		// Another provider installed after the runtime's: its sampler is unknown.
		other := sdktrace.NewTracerProvider(sdktrace.WithSampler(buildSampler(samplerConfig{name: name, arg: 0.5})))
		otel.SetTracerProvider(other)
		if inst.Quiet(parents["unsampled"]) {
			t.Errorf("%s: Quiet under a provider the runtime did not install", name)
		}
		tp.Shutdown(context.Background())
		other.Shutdown(context.Background())
	}
}
