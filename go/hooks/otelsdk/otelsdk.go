// Package otelsdk makes the spans a program starts itself join autotel's
// traces, and makes autotel's own span of a call step aside when the
// program's instrumentation traces the same call (instrumentation name
// "otelsdk", rules in rules/otelsdk.yaml).
//
// The hooks are startEnter and startExit on the OpenTelemetry Go SDK's
// (*tracer).Start, which serves every SDK tracer in the program: the
// application's, through its own TracerProvider or the global one, and
// autotel's.
//
// Joining: when the call's context carries no span and a span is current on
// the goroutine (goroutine-local context: a request autotel traces, a span
// made current by a hook), the context gains that span, and its baggage when
// it has none (api.Parent): a manual span started with context.Background()
// inside a handler is a child of the handler's span, as if the handler's
// context had been passed. A context that carries a span is left as it is,
// and trace.WithNewRoot() still starts a new trace (the SDK applies it after
// the hook).
//
// Stepping aside (design.md §1.9, yield.go): a SERVER span the program starts
// under autotel's SERVER span, or a CLIENT span under autotel's CLIENT span
// (otelgin, otelecho, otelmux, redisotel, otelsql…), takes the place of
// autotel's span.
//
// Disabling the instrumentation (OTEL_GO_DISABLED_INSTRUMENTATIONS=otelsdk)
// turns both off: manual spans without a parent in their context start
// their own traces again, and a call the program traces itself has
// autotel's span as well, with the program's as its child.
package otelsdk

import (
	"context"
	"unsafe"

	"autotel.dev/go/api"
	"go.opentelemetry.io/otel/trace"
)

var inst = api.NewInstrumentation("otelsdk")

// startEnter is the enter hook of (*tracer).Start(ctx, name, options...):
// recv is the **tracer (read only by stepAside), the name is not read. It
// returns a state, for startExit, only when autotel's span stepped aside.
func startEnter(recv unsafe.Pointer, ctx *context.Context, _ *string, opts *[]trace.SpanStartOption) (*yielded, bool) {
	defer api.Guard("otelsdk.startEnter")
	if !inst.Enabled() {
		return nil, false
	}
	*ctx = api.Parent(*ctx)
	return stepAside(recv, ctx, opts), false
}

// startExit is the exit hook of (*tracer).Start, called only after autotel's
// span stepped aside: the program's new span becomes current on the
// goroutine in place of autotel's (api.ReplaceCurrent), so that calls made
// without a context inside it are its children.
func startExit(y *yielded, ctx *context.Context, _ *trace.Span) {
	defer api.Guard("otelsdk.startExit")
	if y == nil || *ctx == nil {
		return
	}
	api.ReplaceCurrent(y.span, *ctx)
}
