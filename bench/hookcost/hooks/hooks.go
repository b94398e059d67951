// Package hooks holds the hook functions of rules.yaml. Those of Add and Work are written the
// way a user of autotel may write their own: they use only the OpenTelemetry API, check a
// switch first and return at once when tracing is off, and start a span from the global tracer
// provider (which autotel's runtime configures from the OTEL_* variables) when it is on. Those
// of Call and Nest are written as autotel's own hooks are, with autotel.dev/go/api, which
// autotel's build provides (its go.mod is not this module's: the package builds under autotel
// only).
package hooks

import (
	"context"
	"os"
	"strings"

	"autotel.dev/go/api"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace"
)

// off is read once: OTEL_SDK_DISABLED=true turns the hooks into no-ops.
var off = strings.EqualFold(os.Getenv("OTEL_SDK_DISABLED"), "true")

var calls int

// addEnter counts calls; it never asks for an exit call.
func addEnter(a, b *int) (*int, bool) {
	if off {
		return nil, false
	}
	calls++
	return nil, false
}

type workState struct{ span trace.Span }

// workEnter starts a span around Work when tracing is on.
func workEnter(a, b *int) (*workState, bool) {
	if off {
		return nil, false
	}
	_, span := otel.Tracer("bench.local/hookcost").Start(context.Background(), "Work")
	if !span.IsRecording() {
		return nil, false
	}
	return &workState{span: span}, false
}

func workExit(st *workState, r *int) {
	st.span.End()
}

// inst is the instrumentation of Call and Nest, whose hooks are written as autotel's own are:
// OTEL_SDK_DISABLED and OTEL_GO_*_INSTRUMENTATIONS switch them off, the tracer follows the global
// provider, and the span is current on the goroutine until it ends.
var inst = api.NewInstrumentation("hookcost")

// callEnter starts a span around Call unless it would record nothing (inst.Quiet: disabled, or
// a parent that is not sampled under a sampler that follows it); then it builds nothing.
func callEnter(a, b *int) (*api.Active, bool) {
	if inst.Quiet(nil) {
		return nil, false
	}
	_, act := api.Begin(nil, inst.Tracer(), "Call")
	return act, false
}

// nestEnter starts the span that the Calls inside Nest have as their parent.
func nestEnter(n *int) (*api.Active, bool) {
	if !inst.Enabled() {
		return nil, false
	}
	_, act := api.Begin(nil, inst.Tracer(), "Nest")
	return act, false
}

// activeExit ends the span an enter hook began.
func activeExit(act *api.Active, r *int) {
	act.End()
}
