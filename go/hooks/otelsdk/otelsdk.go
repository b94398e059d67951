// Package otelsdk makes the spans a program starts itself join autotel's
// traces (instrumentation name "otelsdk", rules in rules/otelsdk.yaml).
//
// The hook is startEnter on the OpenTelemetry Go SDK's (*tracer).Start, which
// serves every SDK tracer in the program: the application's, through its own
// TracerProvider or the global one, and autotel's. When the call's context
// carries no span and a span is current on the goroutine (goroutine-local
// context: a request autotel traces, a span made current by a hook), the
// context gains that span, and its baggage when it has none (api.Parent): a
// manual span started with context.Background() inside a handler is a child
// of the handler's span, as if the handler's context had been passed. A
// context that carries a span is left as it is, and trace.WithNewRoot() still
// starts a new trace (the SDK applies it after the hook). Disabling the
// instrumentation (OTEL_GO_DISABLED_INSTRUMENTATIONS=otelsdk) gives manual
// spans without a parent in their context their own traces again.
package otelsdk

import (
	"context"
	"unsafe"

	"autotel.dev/go/api"
)

var inst = api.NewInstrumentation("otelsdk")

// startEnter is the enter hook of (*tracer).Start(ctx, name, options...): the
// tracer, the name and the options are not read.
func startEnter(_ unsafe.Pointer, ctx *context.Context, _ unsafe.Pointer, _ unsafe.Pointer) (*struct{}, bool) {
	defer api.Guard("otelsdk.startEnter")
	if inst.Enabled() {
		*ctx = api.Parent(*ctx)
	}
	return nil, false
}
