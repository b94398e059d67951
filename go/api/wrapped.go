package api

import (
	"context"
	"strings"

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
