package api

// This file owns the check a hook makes before it builds anything for a span:
// whether a span started now would record nothing ([Instrumentation.Quiet]),
// from what the runtime says of the sampler of the provider it installed
// ([SetSampler]).

import (
	"context"
	"reflect"
	"strings"
	"sync/atomic"

	"autotel.dev/go/gls"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace"
)

// samplerInfo is what [SetSampler] registered: the provider autotel's runtime
// installed, and whether its sampler drops every span whose parent is valid
// and not sampled.
type samplerInfo struct {
	provider trace.TracerProvider
	// comparable: provider's dynamic type is comparable (== cannot panic).
	comparable bool
	// followsUnsampled: parentbased_* (whose delegates for a not-sampled
	// parent are the SDK's defaults, never sample) or always_off.
	followsUnsampled bool
	// neverSamples: always_off. rootsUnsampled: always_off or
	// parentbased_always_off, which drop every span without a parent.
	neverSamples, rootsUnsampled bool
}

var sampler atomic.Pointer[samplerInfo]

// SetSampler tells the hooks which sampler (an OTEL_TRACES_SAMPLER name, as
// the runtime resolved it) the tracer provider tp, installed as the global
// provider by autotel's runtime, was built with. Only while tp is the global
// provider does [Instrumentation.Quiet] use it.
func SetSampler(tp trace.TracerProvider, name string) {
	name = strings.ToLower(name)
	sampler.Store(&samplerInfo{
		provider:         tp,
		comparable:       tp != nil && reflect.TypeOf(tp).Comparable(),
		followsUnsampled: strings.HasPrefix(name, "parentbased_") || name == "always_off",
		neverSamples:     name == "always_off",
		rootsUnsampled:   name == "always_off" || name == "parentbased_always_off",
	})
}

// Quiet reports whether a span this instrumentation starts now, as the child
// of the span in ctx or, when ctx carries no valid span (ctx may be nil), of
// the span current on this goroutine, would record nothing: the
// instrumentation is disabled ([Instrumentation.Enabled] is false), or the
// global tracer provider is the one autotel's runtime installed, its sampler
// follows a parent that is not sampled ([SetSampler]), and that parent is
// valid and not sampled. Without a tracer provider it is false: OpenTelemetry's
// global default hands spans to the Go auto-instrumentation SDK when that is
// attached, so only starting the span tells.
//
// A hook that propagates nothing itself may return at once when Quiet is
// true, before it builds attributes or options: it then costs no allocation.
// The only difference from starting the span is the span context later code
// sees: the parent's (same trace id, not sampled) instead of a non-recording
// child with a span id of its own. A hook that injects trace context into an
// outgoing request must still inject the parent's context.
func (i *Instrumentation) Quiet(ctx context.Context) bool {
	if !i.Enabled() {
		return true
	}
	info := sampler.Load()
	if info == nil || !info.followsUnsampled || !info.comparable {
		return false
	}
	var sc trace.SpanContext
	if ctx != nil {
		sc = trace.SpanContextFromContext(ctx)
	}
	if !sc.IsValid() {
		if !gls.Available() || !glsInst.Enabled() {
			return false
		}
		cur, tag := gls.CurrentTag()
		switch {
		case cur == nil || tag == tagSampled:
			return false
		case tag != tagUnsampled: // not entered by Begin
			sc = trace.SpanContextFromContext(cur)
			if !sc.IsValid() || sc.IsSampled() {
				return false
			}
		}
	} else if sc.IsSampled() {
		return false
	}
	return info.comparable && info.provider == otel.GetTracerProvider()
}
