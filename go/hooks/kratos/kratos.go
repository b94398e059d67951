// Package kratos keeps one CLIENT span per call when a go-kratos/kratos v2
// program traces its clients itself (instrumentation name "kratos", rules in
// rules/kratos.yaml).
//
// kratos needs no span of autotel's own: its HTTP transport serves through
// net/http and gorilla/mux and calls through net/http's Transport, its gRPC
// transport is google.golang.org/grpc, and those hooks (nethttp, gorillamux,
// grpc) give its requests their SERVER and CLIENT spans. What kratos adds is
// an optional tracing middleware of its own (middleware/tracing), whose
// spans come from the program's global TracerProvider, which autotel's SDK
// serves. Its SERVER span starts inside autotel's and takes its place through
// the otelsdk hook (go/hooks/otelsdk, stepping aside). Its CLIENT span is the
// other way round: kratos starts it around the call, before the transport
// runs, so net/http's or grpc's CLIENT span would be a second one under it.
// The exit hook of the middleware's (*Tracer).Start therefore gives the
// context of a CLIENT span it returns api.Suppress: the transport's hooks
// then record nothing for the call (no span, no duration metric, no
// traceparent of theirs; kratos injected its own), as with otelhttp's
// Transport or otelgrpc's stats handler. kratos's span is the call's only
// one, as in the program without autotel.
//
// It imports nothing of kratos (the receiver and the carrier are not read),
// so it lives in the hook runtime's module.
package kratos

import (
	"context"
	"unsafe"

	"autotel.dev/go/api"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

var inst = api.NewInstrumentation("kratos")

// state is startEnter's (allocation-free) answer: any non-nil pointer asks for
// the exit call, and startExit reads nothing from it.
var state struct{}

// startEnter is the enter hook of (*tracing.Tracer).Start(ctx, operation,
// carrier): nothing to do before the span exists.
func startEnter(_ unsafe.Pointer, _ *context.Context, _ *string, _ unsafe.Pointer) (*struct{}, bool) {
	defer api.Guard("kratos.startEnter")
	if !inst.Enabled() {
		return nil, false
	}
	return &state, false
}

// startExit is its exit hook: ctx and span are Start's results. A CLIENT span
// of the SDK (the tracer of kratos's client middleware) makes the call
// kratos's to trace.
func startExit(_ *struct{}, ctx *context.Context, span *trace.Span) {
	defer api.Guard("kratos.startExit")
	if *ctx == nil || *span == nil {
		return
	}
	if ro, ok := (*span).(sdktrace.ReadOnlySpan); ok && ro.SpanKind() == trace.SpanKindClient {
		*ctx = api.Suppress(*ctx)
	}
}
