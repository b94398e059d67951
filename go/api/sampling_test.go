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
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.NeverSample()))
	install(t, tp, "always_off")
	return tp
}

// install makes tp the global provider, registered with SetSampler under name as the runtime
// does; both are undone at the end of the test.
func install(t *testing.T, tp *sdktrace.TracerProvider, name string) {
	t.Helper()
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(tp)
	SetSampler(tp, name)
	t.Cleanup(func() {
		otel.SetTracerProvider(prev)
		sampler.Store(nil)
		tp.Shutdown(context.Background())
	})
}

// TestQuietUnderTheGoroutinesUnsampledSpan: under a sampler that follows its parent, Quiet
// reads the parent from the goroutine when ctx has none: the tag of a scope Begin entered, or
// the span context of one gls.Enter entered.
func TestQuietUnderTheGoroutinesUnsampledSpan(t *testing.T) {
	defer gls.InstallFakeForTests()()
	install(t, sdktrace.NewTracerProvider(), "parentbased_always_on")
	inst := NewInstrumentation("quiet")
	if inst.Quiet(nil) {
		t.Fatal("Quiet for a root under parentbased_always_on, which samples it")
	}
	// A span another provider did not sample, made current by Begin.
	off := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.NeverSample()))
	defer off.Shutdown(context.Background())
	_, root := Begin(nil, off.Tracer("t"), "root")
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
		t.Fatal("Quiet after the parent ended: a root again, which the sampler samples")
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

// TestQuietForRootsTheSamplerDrops: a span without a parent is dropped by always_off and
// parentbased_always_off whatever its trace id, so Quiet is true for it; always_off drops a
// sampled parent's child too.
func TestQuietForRootsTheSamplerDrops(t *testing.T) {
	defer gls.InstallFakeForTests()()
	inst := NewInstrumentation("quiet")
	sampled := trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{1}, SpanID: trace.SpanID{2}, TraceFlags: trace.FlagsSampled}))
	install(t, sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.NeverSample()))), "parentbased_always_off")
	if !inst.Quiet(nil) {
		t.Fatal("not Quiet for a root under parentbased_always_off")
	}
	if inst.Quiet(sampled) {
		t.Fatal("Quiet below a sampled parent under parentbased_always_off, which samples the child")
	}
	alwaysOff(t)
	if !inst.Quiet(nil) || !inst.Quiet(sampled) {
		t.Fatal("not Quiet under always_off")
	}
	if n := testing.AllocsPerRun(100, func() { inst.Quiet(nil) }); n != 0 {
		t.Fatalf("Quiet under always_off allocates %v times", n)
	}
}

func TestQuietUnderTheGoroutinesSampledSpan(t *testing.T) {
	defer gls.InstallFakeForTests()()
	tp := sdktrace.NewTracerProvider()
	install(t, tp, "parentbased_always_on")
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
