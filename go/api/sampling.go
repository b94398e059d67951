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
// installed, and which parents its sampler drops every span under.
type samplerInfo struct {
	provider trace.TracerProvider
	// comparable: provider's dynamic type is comparable (== cannot panic).
	comparable bool
	// followsUnsampled: parentbased_* (whose delegates for a not-sampled
	// parent are the SDK's defaults, never sample) or always_off.
	followsUnsampled bool
	// neverSamples: always_off. rootsUnsampled: always_off or
	// parentbased_always_off, which drop every span without a parent
	// ([samplerInfo.drops] has the whole rule).
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
// the span current on this goroutine (a new root when neither has one), would
// record nothing: the instrumentation is disabled ([Instrumentation.Enabled]
// is false), or the global tracer provider is the one autotel's runtime
// installed and its sampler ([SetSampler]) drops that span: always_off, a
// parentbased_* sampler under a parent that is not sampled, and
// parentbased_always_off for a root. Without a tracer provider it is false:
// OpenTelemetry's global default hands spans to the Go auto-instrumentation
// SDK when that is attached, so only starting the span tells.
//
// A hook that propagates nothing itself may return at once when Quiet is
// true, before it builds attributes or options: it then costs no allocation.
// The only difference from starting the span is the span context later code
// sees: the parent's (same trace id, not sampled), or none for a root,
// instead of a non-recording span with ids of its own. A hook that injects
// trace context into an outgoing request must still inject the parent's
// context, and begin a span of its own for a root.
func (i *Instrumentation) Quiet(ctx context.Context) bool {
	if !i.Enabled() {
		return true
	}
	info := sampler.Load()
	if info == nil || !info.comparable {
		return false
	}
	// drops answers always_off without a parent; testing it first spares
	// always_off the parent's lookup.
	if !info.neverSamples && !info.drops(parentOf(ctx)) {
		return false
	}
	return info.provider == otel.GetTracerProvider()
}

// parentKind is what a sampler sees of the parent of a span.
type parentKind uint8

const (
	parentNone parentKind = iota
	parentUnsampled
	parentSampled
)

func kindOf(sc trace.SpanContext) parentKind {
	switch {
	case !sc.IsValid():
		return parentNone
	case sc.IsSampled():
		return parentSampled
	}
	return parentUnsampled
}

// drops reports whether the registered sampler drops every span whose parent
// is of kind k.
func (s *samplerInfo) drops(k parentKind) bool {
	switch {
	case s.neverSamples:
		return true
	case k == parentNone:
		return s.rootsUnsampled
	case k == parentUnsampled:
		return s.followsUnsampled
	}
	return false
}

// parentOf is the kind of the parent a span started now would have: the span
// in ctx (ctx may be nil) or, when that is not valid, the span current on this
// goroutine, read from its scope's tag when Begin entered it.
func parentOf(ctx context.Context) parentKind {
	if ctx != nil {
		if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
			return kindOf(sc)
		}
	}
	if !gls.Available() || !glsInst.Enabled() {
		return parentNone
	}
	cur, tag := gls.CurrentTag()
	switch {
	case cur == nil:
		return parentNone
	case tag == tagSampled:
		return parentSampled
	case tag == tagUnsampled:
		return parentUnsampled
	}
	return kindOf(trace.SpanContextFromContext(cur)) // not entered by Begin
}
