// Added to package go.opentelemetry.io/otel/sdk/trace by autotel
// (rules/otelsdk.yaml, file rule).
//
// It hands autotel's otelsdk hooks (autotel.dev/go/hooks/otelsdk) what the
// SDK keeps unexported and they need to step aside for the program's own
// instrumentation of a call (design.md §1.9): the instrumentation scope name
// of a tracer, to tell autotel's tracers from the program's, and a way to
// stop one of autotel's spans from recording without ending it, so that no
// span processor ever sees it end and nothing exports it. Checked against
// SDK v1.10.0 to v1.47.0: tracer.instrumentationScope, recordingSpan.mu and
// recordingSpan.endTime (a span records while its endTime is zero, and End
// returns at once when it does not) have these meanings in all of them.

package trace

import (
	"time"
	"unsafe"

	"go.opentelemetry.io/otel/trace"
)

// autotelRegisterSDKAccessors is pulled from the hook package, where it has a
// body.
//
//go:linkname autotelRegisterSDKAccessors autotel.dev/go/hooks/otelsdk.registerAccessors
func autotelRegisterSDKAccessors(scope func(unsafe.Pointer) string, stop func(trace.Span, time.Time) bool)

func init() {
	autotelRegisterSDKAccessors(autotelTracerScope, autotelStopRecording)
}

// autotelTracerScope returns the instrumentation scope name of the *tracer at p.
func autotelTracerScope(p unsafe.Pointer) string {
	if p == nil {
		return ""
	}
	return (*tracer)(p).instrumentationScope.Name
}

// autotelStopRecording gives span, when it is a recording span of this SDK
// that has not ended, the end time at, without ending it: from then on it
// records nothing and its End does nothing. It reports whether it did so.
func autotelStopRecording(span trace.Span, at time.Time) bool {
	s, ok := span.(*recordingSpan)
	if !ok || s == nil || at.IsZero() {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.endTime.IsZero() {
		return false
	}
	s.endTime = at
	return true
}
