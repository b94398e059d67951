package otelsdk

import (
	"context"
	"testing"

	"autotel.dev/go/api"
	"autotel.dev/go/gls"
	"autotel.dev/go/internal/spantest"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/trace"
)

// start runs the hook the way the rewritten (*tracer).Start does, then starts
// the span with the context it left.
func start(ctx context.Context, name string, opts ...trace.SpanStartOption) trace.Span {
	startEnter(nil, &ctx, nil, nil)
	_, span := otel.Tracer("app").Start(ctx, name, opts...)
	return span
}

func TestManualSpansJoinTheGoroutinesSpan(t *testing.T) {
	defer gls.InstallFakeForTests()()
	rec := spantest.Record(t)
	member, _ := baggage.NewMember("tenant", "acme")
	bag, _ := baggage.New(member)
	_, handler := api.Begin(baggage.ContextWithBaggage(context.Background(), bag), otel.Tracer("autotel"), "GET /work")
	parent := handler.Span().SpanContext()

	background := start(context.Background(), "with background")
	todo := start(context.TODO(), "with todo")
	var noCtx context.Context
	fromNil := start(noCtx, "with nil")
	for _, s := range []trace.Span{background, todo, fromNil} {
		if s.SpanContext().TraceID() != parent.TraceID() {
			t.Errorf("%v: not in the handler's trace", s)
		}
		s.End()
	}
	for _, ro := range rec.Ended() {
		if ro.Parent().SpanID() != parent.SpanID() {
			t.Errorf("%s: parent %v, want the handler's span %v", ro.Name(), ro.Parent().SpanID(), parent.SpanID())
		}
	}

	// The goroutine's baggage comes along when the context has none of its own.
	ctx := context.Background()
	startEnter(nil, &ctx, nil, nil)
	if got := baggage.FromContext(ctx).Member("tenant").Value(); got != "acme" {
		t.Errorf("baggage tenant = %q, want acme", got)
	}

	// A context with a span of its own keeps it; WithNewRoot starts a new trace.
	_, other := otel.Tracer("app").Start(context.Background(), "other root", trace.WithNewRoot())
	own := start(trace.ContextWithSpan(context.Background(), other), "with its own parent")
	if own.SpanContext().TraceID() != other.SpanContext().TraceID() {
		t.Error("a span in the context lost to the goroutine's span")
	}
	root := start(context.Background(), "new root", trace.WithNewRoot())
	if root.SpanContext().TraceID() == parent.TraceID() {
		t.Error("trace.WithNewRoot() was not honoured")
	}
	handler.End()

	// No span current on the goroutine: nothing changes.
	alone := start(context.Background(), "alone")
	if alone.SpanContext().TraceID() == parent.TraceID() {
		t.Error("a span started after the handler ended joined its trace")
	}
}

func TestDisabledLeavesTheContext(t *testing.T) {
	defer gls.InstallFakeForTests()()
	spantest.Record(t)
	t.Cleanup(api.ReloadEnvironment) // runs after Setenv's restore (cleanups run last first)
	t.Setenv("OTEL_GO_DISABLED_INSTRUMENTATIONS", "otelsdk")
	api.ReloadEnvironment()
	_, handler := api.Begin(context.Background(), otel.Tracer("autotel"), "GET /work")
	defer handler.End()
	ctx := context.Background()
	startEnter(nil, &ctx, nil, nil)
	if trace.SpanContextFromContext(ctx).IsValid() {
		t.Error("the disabled instrumentation gave the context a parent")
	}
}
