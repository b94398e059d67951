package sdk

import (
	"context"
	"strings"
	"testing"

	"autotel.dev/go/api"
	"autotel.dev/go/gls"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// TestQuietOnlyWhereTheSamplerDrops: for every sampler the runtime builds, api's Quiet (which
// hooks use to skip a span before building it) is true only where the SDK itself would start a
// non-recording span, and true wherever the sampler drops the span whatever its trace id: under
// always_off, below a not-sampled parent under the samplers that follow it, and for a root under
// parentbased_always_off.
func TestQuietOnlyWhereTheSamplerDrops(t *testing.T) {
	prev := otel.GetTracerProvider()
	t.Cleanup(func() { otel.SetTracerProvider(prev) })
	inst := api.NewInstrumentation("quiettest")
	parents := testParents("")
	for _, name := range runtimeSamplers {
		rec := tracetest.NewSpanRecorder()
		tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec),
			sdktrace.WithSampler(buildSampler(samplerConfig{name: name, arg: 0.5})))
		otel.SetTracerProvider(tp)
		api.SetSampler(tp, name)
		for pname, ctx := range parents {
			quiet := inst.Quiet(ctx)
			_, span := inst.Tracer().Start(ctx, "op")
			if quiet && span.IsRecording() {
				t.Errorf("%s, parent %s: Quiet, but the SDK records the span", name, pname)
			}
			if want := samplerDrops(name, pname); quiet != want {
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

// samplerDrops says where the sampler called name drops a span whatever its trace id, for the
// parents of testParents.
func samplerDrops(name, parent string) bool {
	return name == "always_off" ||
		strings.HasPrefix(name, "parentbased_") && strings.HasPrefix(parent, "unsampled") ||
		name == "parentbased_always_off" && parent == "none"
}

// TestBeginUnsampledOnlyWhereTheSamplerDrops: for every sampler the runtime builds, api's
// BeginUnsampled (the server hooks' span when the sampler drops it) begins a span only where the
// SDK would start a non-recording one (a parent's child, or a new root without a parent), and
// that span has what the SDK's would: a new span id, the parent's trace id (a new one for a
// root), the parent's flags without sampled and its trace state, not remote; it is current on
// the goroutine until End.
func TestBeginUnsampledOnlyWhereTheSamplerDrops(t *testing.T) {
	defer gls.InstallFakeForTests()()
	prev := otel.GetTracerProvider()
	t.Cleanup(func() { otel.SetTracerProvider(prev) })
	inst := api.NewInstrumentation("unsampledtest")
	parents := testParents("vendor=x")
	for _, name := range runtimeSamplers {
		tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(buildSampler(samplerConfig{name: name, arg: 0.5})))
		otel.SetTracerProvider(tp)
		api.SetSampler(tp, name)
		for pname, ctx := range parents {
			var a api.Active
			got, quiet := inst.BeginUnsampled(ctx, &a)
			if want := samplerDrops(name, pname); quiet != want {
				t.Errorf("%s, parent %s: BeginUnsampled %v, want %v", name, pname, quiet, !quiet)
			}
			// What the SDK starts there (a server hook passes WithNewRoot without a parent).
			_, sdkSpan := inst.Tracer().Start(ctx, "op", trace.WithNewRoot())
			if pname != "none" {
				_, sdkSpan = inst.Tracer().Start(ctx, "op")
			}
			sdkSpan.End()
			if !quiet {
				if got != ctx || a.Span() != nil {
					t.Errorf("%s, parent %s: not quiet, but ctx or the Active changed", name, pname)
				}
				continue
			}
			if sdkSpan.IsRecording() {
				t.Errorf("%s, parent %s: BeginUnsampled began a span the SDK records", name, pname)
			}
			span := trace.SpanFromContext(got)
			if span != a.Span() || span.IsRecording() || span.TracerProvider() != tp {
				t.Errorf("%s, parent %s: ctx's span %v (recording %v, provider %v), want the Active's, not recording, of the runtime's provider",
					name, pname, span, span.IsRecording(), span.TracerProvider())
			}
			sc, want2 := span.SpanContext(), sdkSpan.SpanContext()
			psc := trace.SpanContextFromContext(ctx)
			switch {
			case !sc.IsValid() || sc.IsRemote() || sc.IsSampled():
				t.Errorf("%s, parent %s: span context %+v, want valid, local, not sampled", name, pname, sc)
			case sc.TraceFlags() != want2.TraceFlags() || sc.TraceState().String() != want2.TraceState().String() ||
				(psc.IsValid() && sc.TraceID() != want2.TraceID()):
				t.Errorf("%s, parent %s: span context %+v, the SDK's %+v", name, pname, sc, want2)
			case sc.SpanID() == psc.SpanID() || (!psc.IsValid() && sc.TraceID() == want2.TraceID()):
				t.Errorf("%s, parent %s: span context %+v has no ids of its own", name, pname, sc)
			}
			if !api.CurrentSpanContext().Equal(sc) {
				t.Errorf("%s, parent %s: current on the goroutine %+v, want %+v", name, pname, api.CurrentSpanContext(), sc)
			}
			a.End()
			if api.CurrentSpanContext().IsValid() {
				t.Errorf("%s, parent %s: still current after End", name, pname)
			}
		}
		// Another provider installed after the runtime's: its sampler is unknown.
		other := sdktrace.NewTracerProvider(sdktrace.WithSampler(buildSampler(samplerConfig{name: name, arg: 0.5})))
		otel.SetTracerProvider(other)
		var a api.Active
		if _, quiet := inst.BeginUnsampled(parents["unsampled"], &a); quiet {
			t.Errorf("%s: BeginUnsampled under a provider the runtime did not install", name)
		}
		tp.Shutdown(context.Background())
		other.Shutdown(context.Background())
	}
}

// TestBeginUnsampledAllocatesOnlyTheContext: the span and its goroutine-local scope are in the
// caller's Active; the one allocation is ctx's value. (Without the instrumented runtime there is no
// goroutine-local slot; gls's fake for tests allocates itself.)
func TestBeginUnsampledAllocatesOnlyTheContext(t *testing.T) {
	prev := otel.GetTracerProvider()
	t.Cleanup(func() { otel.SetTracerProvider(prev) })
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(buildSampler(samplerConfig{name: "always_off"})))
	defer tp.Shutdown(context.Background())
	otel.SetTracerProvider(tp)
	api.SetSampler(tp, "always_off")
	inst := api.NewInstrumentation("unsampledtest")
	a := new(api.Active)
	allocs := testing.AllocsPerRun(200, func() {
		*a = api.Active{}
		if _, quiet := inst.BeginUnsampled(context.Background(), a); !quiet {
			t.Fatal("not quiet under always_off")
		}
		a.End()
	})
	if allocs != 1 {
		t.Errorf("%.1f allocations per unsampled root, want 1 (ctx's value)", allocs)
	}
}

// runtimeSamplers are the OTEL_TRACES_SAMPLER values the runtime builds.
var runtimeSamplers = []string{"always_on", "always_off", "traceidratio", "parentbased_always_on",
	"parentbased_always_off", "parentbased_traceidratio"}

// testParents are a span's possible parents: none, sampled, not sampled (local and remote),
// with trace state tracestate.
func testParents(tracestate string) map[string]context.Context {
	ts, _ := trace.ParseTraceState(tracestate)
	ids := trace.SpanContextConfig{TraceID: trace.TraceID{1}, SpanID: trace.SpanID{2}, TraceState: ts}
	sampled, unsampled := ids, ids
	sampled.TraceFlags = trace.FlagsSampled
	return map[string]context.Context{
		"none":               context.Background(),
		"sampled":            trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(sampled)),
		"unsampled":          trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(unsampled)),
		"unsampled (remote)": trace.ContextWithRemoteSpanContext(context.Background(), trace.NewSpanContext(unsampled)),
	}
}
