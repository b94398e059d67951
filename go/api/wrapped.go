package api

import (
	"context"
	"strings"
	"time"

	"autotel.dev/go/gls"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// TracedByApp reports whether the span in ctx is a span of this kind that
// the program's own instrumentation of the layer started for the call at
// hand: its instrumentation scope is the package named library (the scope's
// name ends with "/"+library, as "…/otelhttp" or "…/otelgrpc" do). A hook
// for that layer then steps aside, and the call keeps one span, the
// program's (design.md §1.9). Spans of any other kind (a client call made
// in a handler the program traces holds its SERVER span) and spans of a
// provider that is not the SDK do not count.
func TracedByApp(ctx context.Context, kind trace.SpanKind, library string) bool {
	ro, ok := trace.SpanFromContext(ctx).(sdktrace.ReadOnlySpan)
	if !ok || ro.SpanKind() != kind {
		return false
	}
	name := ro.InstrumentationScope().Name
	return strings.HasSuffix(name, library) && len(name) > len(library) && name[len(name)-len(library)-1] == '/'
}

// yieldedZone is the location of the end time a yielded span is given
// ([YieldedEndTime]): no span that ended has it, so it tells the two apart.
var yieldedZone = time.FixedZone("autotel-yielded", 0)

// YieldedEndTime is the end time the otelsdk hook gives a span of autotel's
// that yields to the program's own span of the same call (design.md §1.9,
// go/hooks/otelsdk): the SDK's span then records nothing and its End does
// nothing, so no processor sees it end and it is never exported.
func YieldedEndTime() time.Time {
	return time.Now().In(yieldedZone)
}

// Yielded reports whether span is a span of autotel's that yielded to the
// program's own span of the same call ([YieldedEndTime]). It records nothing,
// but the hook that started it still owns it: a server hook still names the
// route on it for the duration metric, and still ends it (which does nothing).
// It allocates nothing.
func Yielded(span trace.Span) bool {
	if span == nil || span.IsRecording() {
		return false
	}
	ro, ok := span.(sdktrace.ReadOnlySpan)
	return ok && ro.EndTime().Location() == yieldedZone
}

// ReplaceCurrent makes ctx current on this goroutine in place of the span
// old, when old is current through a scope this goroutine entered itself
// ([Begin]), until that scope's end: the program's span that took the place
// of autotel's (design.md §1.9) is then the parent of the calls made without
// a context inside it, on this goroutine and the goroutines it starts. It
// reports whether it did.
func ReplaceCurrent(old trace.Span, ctx context.Context) bool {
	if old == nil || ctx == nil || !gls.Available() || !glsInst.Enabled() {
		return false
	}
	scope := gls.Own()
	if scope == nil {
		return false
	}
	cur, want := trace.SpanContextFromContext(scope.Context()), old.SpanContext()
	if !want.IsValid() || cur.SpanID() != want.SpanID() || cur.TraceID() != want.TraceID() {
		return false
	}
	scope.Rebind(ctx, spanTag(trace.SpanContextFromContext(ctx)))
	return true
}

// AdoptIn makes ctx, which holds the program's own span of the call at hand
// ([TracedByApp]), the context of scope, a scope the hook entered on this
// goroutine for that call before the program's span existed, until that
// scope's end: the calls made without a context inside the call are then
// children of the program's span, as they would have been of autotel's.
func AdoptIn(scope *gls.Scope, ctx context.Context) {
	if scope == nil || ctx == nil || !glsInst.Enabled() {
		return
	}
	scope.Rebind(ctx, spanTag(trace.SpanContextFromContext(ctx)))
}
