package otelsdk

// This file owns stepping aside for the program's own instrumentation of a
// call (design.md §1.9), for every wrapper at once: otelgin, otelecho and
// otelmux start a SERVER span inside the request net/http's hook already
// traces, redisotel and otelsql a CLIENT span inside the one goredis's and
// database/sql's hooks already started. Rather than one check per wrapper
// in each of autotel's hooks, the rule sits where every span of the program
// is started, the SDK's (*tracer).Start, and reads only what any
// instrumentation gives it: the new span's kind and the span it would be the
// child of. This is what OpenTelemetry Java calls suppression by span kind.
//
// The rule: when a tracer that is not autotel's starts a span of kind SERVER
// under autotel's recording SERVER span, or CLIENT under autotel's CLIENT
// span, and autotel's span has no child yet, autotel's span yields: it
// stops recording without ending (api.YieldedEndTime; its End then does
// nothing, no span processor sees it, nothing exports it), the new span
// takes autotel's span's parent (remote, local, or none: a new root), and
// it becomes current on the goroutine in place of autotel's (startExit).
// Spans started later with autotel's yielded span as parent (a wrapper's
// second span of the call: otelsql's reset-session and query spans, a
// middleware's span) take its parent too, so nothing hangs under a span that
// is never exported. The trace is the one the program makes without autotel.
//
// "Under" means the span in the context Start gets, or, for the wrappers of
// servers that extract the caller's trace context from the request headers
// again (otelgin, otelecho, otelmux, otelhttp all do), a remote span context
// equal to the parent of autotel's SERVER span current on the goroutine:
// the same headers, the same request. (With goroutine-local context off,
// OTEL_GO_DISABLED_INSTRUMENTATIONS=gls, only the first form is seen.)
//
// What autotel's hooks keep doing on a yielded span: they may still name and
// end it, which does nothing, and they still record their metrics (the
// http.server.request.duration of net/http's hook keeps its http.route: the
// router hooks name the route of a yielded span too, see
// internal/httpframework), since the program's instrumentation may record
// none (otelecho, otelmux, redisotel's tracing) or other ones.
//
// The hook reads two things the SDK keeps unexported, through accessors
// registered by a file added to the SDK (rules/files/otelsdk_access.go): the
// scope name of the tracer that starts the span, to leave autotel's own
// nested spans alone, and the way to stop a span from recording. Without
// them (an SDK older than v1.10.0, or a unit test that registers none) no
// span yields. Nothing is allocated unless the span in the context is
// autotel's and recording (then the new span records too), and the span
// kind option is read last.

import (
	"context"
	"strings"
	"time"
	"unsafe"

	"autotel.dev/go/api"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// sdk holds the accessors the file added to the SDK registers; nil without
// instrumentation (unit tests set it). It has no initializer: the SDK's init
// runs before this package's.
var sdk *access

type access struct {
	// scope returns the instrumentation scope name of the *tracer at p.
	scope func(p unsafe.Pointer) string
	// stop gives a recording span of the SDK that has not ended the end time
	// at without ending it, and reports whether it did.
	stop func(span trace.Span, at time.Time) bool
}

// registerAccessors is pulled with //go:linkname by the file added to the
// SDK's trace package.
func registerAccessors(scope func(unsafe.Pointer) string, stop func(trace.Span, time.Time) bool) {
	sdk = &access{scope: scope, stop: stop}
}

// yielded is startEnter's state for startExit: autotel's span that stepped aside.
type yielded struct {
	span trace.Span
}

// stepAside applies the rule to one (*tracer).Start: recv is the **tracer,
// *ctx the context Start will use (after api.Parent), opts its options. It
// replaces *ctx's span when the new span must take another parent, and
// returns the span of autotel's that yielded to the new one, or nil.
func stepAside(recv unsafe.Pointer, ctx *context.Context, opts *[]trace.SpanStartOption) *yielded {
	parent := trace.SpanFromContext(*ctx)
	ours, direct := parent.(sdktrace.ReadOnlySpan)
	if direct {
		if !autotels(ours) {
			return nil
		}
		if !parent.IsRecording() {
			if api.Yielded(parent) {
				// A later span of a call whose span yielded: it takes the
				// parent the program's span took.
				*ctx = trace.ContextWithSpanContext(*ctx, ours.Parent())
			}
			return nil
		}
	} else {
		remote := parent.SpanContext()
		if !remote.IsRemote() {
			return nil
		}
		// The program's server instrumentation extracted the request's
		// trace context again: is it the parent of autotel's SERVER span
		// current on the goroutine?
		current := trace.SpanFromContext(api.Current())
		ro, ok := current.(sdktrace.ReadOnlySpan)
		if !ok || !autotels(ro) || ro.SpanKind() != trace.SpanKindServer || !current.IsRecording() {
			return nil
		}
		if p := ro.Parent(); p.SpanID() != remote.SpanID() || p.TraceID() != remote.TraceID() {
			return nil
		}
		parent, ours = current, ro
	}

	kind := ours.SpanKind()
	if kind != trace.SpanKindServer && kind != trace.SpanKindClient || ours.ChildSpanCount() > 0 {
		return nil
	}
	if sdk == nil || recv == nil || autotelsScope(sdk.scope(*(*unsafe.Pointer)(recv))) {
		return nil // autotel's own span under autotel's: nested on purpose
	}
	if opts == nil {
		return nil
	}
	if config := trace.NewSpanStartConfig(*opts...); config.SpanKind() != kind {
		return nil
	}
	if !sdk.stop(parent, api.YieldedEndTime()) {
		return nil
	}
	if direct {
		*ctx = trace.ContextWithSpanContext(*ctx, ours.Parent())
	}
	return &yielded{span: parent}
}

// autotels reports whether span is one of autotel's hooks'.
func autotels(span sdktrace.ReadOnlySpan) bool {
	return autotelsScope(span.InstrumentationScope().Name)
}

// autotelsScope reports whether an instrumentation scope name is one of
// autotel's hooks' (api.ScopePrefix+name), for spans and tracers alike.
func autotelsScope(name string) bool {
	return strings.HasPrefix(name, api.ScopePrefix)
}
