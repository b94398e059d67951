package api

import (
	"context"
	"testing"

	"autotel.dev/go/gls"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// alwaysOff installs a global SDK provider that samples nothing, registered with SetSampler as
// the runtime does; both are undone at the end of the test.
func alwaysOff(t *testing.T) *sdktrace.TracerProvider {
	t.Helper()
	prev := otel.GetTracerProvider()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.NeverSample()))
	otel.SetTracerProvider(tp)
	SetSampler(tp, "always_off")
	t.Cleanup(func() {
		otel.SetTracerProvider(prev)
		sampler.Store(nil)
		tp.Shutdown(context.Background())
	})
	return tp
}

func TestQuietUnderTheGoroutinesUnsampledSpan(t *testing.T) {
	defer gls.InstallFakeForTests()()
	tp := alwaysOff(t)
	inst := NewInstrumentation("quiet")
	if inst.Quiet(nil) {
		t.Fatal("Quiet without any parent: the SDK still starts a span with ids of its own")
	}
	_, root := Begin(nil, tp.Tracer("t"), "root")
	if root.Span().IsRecording() || !root.Span().SpanContext().IsValid() {
		t.Fatal("always_off root is not a valid non-recording span")
	}
	if !inst.Quiet(nil) || !inst.Quiet(context.TODO()) {
		t.Fatal("not Quiet under the goroutine's unsampled span")
	}
	// The fake runtime's accessor allocates (it parses runtime.Stack); Quiet adds nothing.
	lookup := testing.AllocsPerRun(100, func() { gls.Current() })
	if n := testing.AllocsPerRun(100, func() { inst.Quiet(nil) }); n > lookup {
		t.Fatalf("Quiet allocates %v times, the goroutine-local lookup %v", n, lookup)
	}
	root.End()
	if inst.Quiet(nil) {
		t.Fatal("Quiet after the parent ended: there is no parent any more")
	}
	// Scopes not entered by Begin (no tag): Quiet reads the span context itself.
	ids := trace.SpanContextConfig{TraceID: trace.TraceID{1}, SpanID: trace.SpanID{2}}
	unsampled := gls.Enter(trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(ids)))
	if !inst.Quiet(nil) {
		t.Fatal("not Quiet under an unsampled span made current by gls.Enter")
	}
	ids.TraceFlags = trace.FlagsSampled
	sampled := gls.Enter(trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(ids)))
	if inst.Quiet(nil) {
		t.Fatal("Quiet under a sampled span made current by gls.Enter")
	}
	sampled.Exit()
	unsampled.Exit()
}

func TestQuietUnderTheGoroutinesSampledSpan(t *testing.T) {
	defer gls.InstallFakeForTests()()
	prev := otel.GetTracerProvider()
	tp := sdktrace.NewTracerProvider()
	otel.SetTracerProvider(tp)
	SetSampler(tp, "parentbased_always_on")
	t.Cleanup(func() { otel.SetTracerProvider(prev); sampler.Store(nil); tp.Shutdown(context.Background()) })
	_, root := Begin(nil, tp.Tracer("t"), "root")
	defer root.End()
	if !root.Span().IsRecording() {
		t.Fatal("root not sampled")
	}
	if NewInstrumentation("quiet").Quiet(nil) {
		t.Fatal("Quiet under the goroutine's sampled span")
	}
}

func TestQuietWhenDisabledOrUnknown(t *testing.T) {
	unsampled := trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{1}, SpanID: trace.SpanID{2}}))
	inst := NewInstrumentation("quiet")
	if inst.Quiet(unsampled) {
		t.Fatal("Quiet with no sampler registered")
	}
	alwaysOff(t)
	if !inst.Quiet(unsampled) {
		t.Fatal("not Quiet under always_off with an unsampled parent")
	}
	t.Cleanup(ReloadEnvironment) // runs after Setenv's restore
	t.Setenv(EnvSDKDisabled, "true")
	ReloadEnvironment()
	if !inst.Quiet(nil) {
		t.Fatal("not Quiet with OTEL_SDK_DISABLED=true")
	}
}

// TestBeginAllocatesOneObject: Begin and End add one allocation (the Active, which holds the
// goroutine-local scope) to what the tracer's Start costs and the goroutine-local lookups.
func TestBeginAllocatesOneObject(t *testing.T) {
	defer gls.InstallFakeForTests()()
	tracer := alwaysOff(t).Tracer("t")
	start := testing.AllocsPerRun(100, func() {
		_, span := tracer.Start(context.Background(), "op")
		span.End()
	})
	begin := testing.AllocsPerRun(100, func() {
		_, a := Begin(nil, tracer, "op")
		if a.scope == nil {
			t.Fatal("the span did not become current")
		}
		a.End()
	})
	// The fake runtime's accessor allocates its stack buffer; Begin and End look the slot up
	// three times (Parent, Enter, Exit).
	lookup := testing.AllocsPerRun(100, func() { gls.Current() })
	if begin > start+1+3*lookup {
		t.Fatalf("Begin+End allocates %v times, the tracer's Start+End %v, a slot lookup %v", begin, start, lookup)
	}
}
