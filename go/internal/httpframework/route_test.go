package httpframework

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// TestTheRouteOfASpanThatRecordsNothingStillGoesOnTheMetric: a router hook under a server span
// that the sampler dropped keeps the route for the duration metric (the Served), as under a
// recording one; without a server hook's Served there is nothing to name.
func TestTheRouteOfASpanThatRecordsNothingStillGoesOnTheMetric(t *testing.T) {
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{1}, SpanID: trace.SpanID{2}})
	unsampled := trace.SpanFromContext(trace.ContextWithSpanContext(context.Background(), sc))
	for _, ctx := range []context.Context{
		func() context.Context { ctx, _ := WithServed(context.Background(), unsampled); return ctx }(),
		WithServedIn(context.Background(), new(Served), unsampled, struct{}{}, 1),
	} {
		r := StartRouting(ctx, "GET")
		if r == nil {
			t.Fatal("no routing for a measured request whose span records nothing")
		}
		r.Done("/users/:id")
		r.Panicked("test", "boom") // nothing to record it on, and no panic here
		if got := servedOf(ctx).Route(); got != "/users/:id" {
			t.Errorf("the metric's route %q, want /users/:id", got)
		}
	}
	bare := trace.ContextWithSpan(context.Background(), noop.Span{})
	if StartRouting(bare, "GET") != nil || SetRoute(bare, "GET", "/x") {
		t.Error("a request without a server hook's Served was routed")
	}
}

// TestWithServedInAnswersBothValues: the one context node holds the Served and the hook's value,
// and passes every other key to its parent.
func TestWithServedInAnswersBothValues(t *testing.T) {
	type hookKey struct{}
	type otherKey struct{}
	parent := context.WithValue(context.Background(), otherKey{}, "parent's")
	s := new(Served)
	var span trace.Span = noop.Span{} // converted once: Go 1.23 allocates for the conversion itself
	ctx := WithServedIn(parent, s, span, hookKey{}, "hook's")
	if servedOf(ctx) != s || ctx.Value(hookKey{}) != "hook's" || ctx.Value(otherKey{}) != "parent's" {
		t.Errorf("values %v, %v, %v", servedOf(ctx), ctx.Value(hookKey{}), ctx.Value(otherKey{}))
	}
	if n := testing.AllocsPerRun(100, func() { WithServedIn(parent, s, span, hookKey{}, s) }); n != 0 {
		t.Errorf("%.0f allocations", n)
	}
}
