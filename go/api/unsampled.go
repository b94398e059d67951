package api

// This file owns the span a server hook begins when the runtime's sampler is
// known to drop it ([Instrumentation.BeginUnsampled]): a span that records
// nothing but still has ids of its own, as the SDK's non-recording span does,
// without the SDK's span object, start options or context values.

import (
	"context"
	"math/rand/v2"

	"autotel.dev/go/gls"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/embedded"
)

// BeginUnsampled begins, in a (a zero Active in the caller's own per-call
// memory, never copied), a span that records nothing, when a span this
// instrumentation started now as the child of the span context in ctx (or,
// when ctx has no valid one, as a new root: a server span without an
// incoming trace) would be dropped by the sampler of the runtime's provider
// ([SetSampler], while it is the global provider): always_off, a
// parentbased_* sampler under a parent that is not sampled, and
// parentbased_always_off for a root. It then returns ctx with that span and
// true; the span is current on this goroutine until a.End, as with [Begin].
// Otherwise it returns ctx and false, a untouched: start the span with Begin.
//
// The span is what the SDK would have made: a new span id, the parent's
// trace id (a new one for a root), flags and trace state, not sampled. So
// a root under always_off still propagates a valid traceparent with flags
// 00, and a parent-based service downstream drops its spans too.
func (i *Instrumentation) BeginUnsampled(ctx context.Context, a *Active) (context.Context, bool) {
	if !i.Enabled() {
		return ctx, false
	}
	info := sampler.Load()
	if info == nil || !info.comparable {
		return ctx, false
	}
	psc := trace.SpanContextFromContext(ctx)
	if !info.drops(kindOf(psc)) || info.provider != otel.GetTracerProvider() {
		return ctx, false
	}
	tid := psc.TraceID()
	if !tid.IsValid() {
		tid = newTraceID()
	}
	a.quiet.provider = info.provider
	a.quiet.sc = trace.NewSpanContext(trace.SpanContextConfig{
		TraceID:    tid,
		SpanID:     newSpanID(),
		TraceFlags: psc.TraceFlags() &^ trace.FlagsSampled,
		TraceState: psc.TraceState(),
	})
	a.span = &a.quiet
	ctx = trace.ContextWithSpan(ctx, &a.quiet)
	if glsInst.Enabled() {
		a.scope = gls.EnterIn(&a.own, ctx, tagUnsampled)
	}
	return ctx, true
}

// newTraceID and newSpanID draw random, valid ids, as the SDK's default id
// generator does (math/rand/v2's generator needs no lock).
func newTraceID() trace.TraceID {
	var id trace.TraceID
	for !id.IsValid() {
		putUint64(id[:8], rand.Uint64())
		putUint64(id[8:], rand.Uint64())
	}
	return id
}

func newSpanID() trace.SpanID {
	var id trace.SpanID
	for !id.IsValid() {
		putUint64(id[:], rand.Uint64())
	}
	return id
}

func putUint64(b []byte, v uint64) {
	for i := range 8 {
		b[i] = byte(v >> (56 - 8*i))
	}
}

// unsampledSpan is the span BeginUnsampled begins: it records nothing, like
// the SDK's non-recording span, and answers the provider that would have
// started it.
type unsampledSpan struct {
	embedded.Span
	provider trace.TracerProvider
	sc       trace.SpanContext
}

func (s *unsampledSpan) End(...trace.SpanEndOption)              {}
func (s *unsampledSpan) AddEvent(string, ...trace.EventOption)   {}
func (s *unsampledSpan) AddLink(trace.Link)                      {}
func (s *unsampledSpan) IsRecording() bool                       { return false }
func (s *unsampledSpan) RecordError(error, ...trace.EventOption) {}
func (s *unsampledSpan) SpanContext() trace.SpanContext          { return s.sc }
func (s *unsampledSpan) SetStatus(codes.Code, string)            {}
func (s *unsampledSpan) SetName(string)                          {}
func (s *unsampledSpan) SetAttributes(...attribute.KeyValue)     {}
func (s *unsampledSpan) TracerProvider() trace.TracerProvider    { return s.provider }
