package kratos

import (
	"context"
	"testing"

	"autotel.dev/go/api"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// start calls the hooks around a span started as kratos's Tracer.Start does,
// the way the trampolines call them, and returns the context Start returns.
func start(t *testing.T, tracer trace.Tracer, kind trace.SpanKind) context.Context {
	t.Helper()
	ctx, op := context.Background(), "/helloworld.v1.Greeter/SayHello"
	st, skip := startEnter(nil, &ctx, &op, nil)
	if st == nil || skip {
		t.Fatalf("startEnter = %v, %v: want the exit call and no skip", st, skip)
	}
	ctx, span := tracer.Start(ctx, op, trace.WithSpanKind(kind))
	defer span.End()
	startExit(st, &ctx, &span)
	return ctx
}

func TestKratosClientSpanSuppressesTheTransportsSpan(t *testing.T) {
	tracer := sdktrace.NewTracerProvider().Tracer("kratos")
	ctx := start(t, tracer, trace.SpanKindClient)
	if !api.Suppressed(ctx) {
		t.Fatal("the context of kratos's CLIENT span is not suppressed")
	}
	if !trace.SpanFromContext(ctx).SpanContext().IsValid() {
		t.Fatal("kratos's span left the context")
	}
}

func TestKratosServerSpanIsLeftAlone(t *testing.T) {
	tracer := sdktrace.NewTracerProvider().Tracer("kratos")
	if api.Suppressed(start(t, tracer, trace.SpanKindServer)) {
		t.Fatal("a SERVER span's context is suppressed: the handler's calls would go untraced")
	}
}

func TestAProviderThatIsNotTheSDKsIsLeftAlone(t *testing.T) {
	if api.Suppressed(start(t, noop.NewTracerProvider().Tracer("kratos"), trace.SpanKindClient)) {
		t.Fatal("a span that records nothing suppressed the transport's span")
	}
}
