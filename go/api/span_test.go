package api

import (
	"context"
	"errors"
	"testing"

	"autotel.dev/go/gls"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

func recorder(t *testing.T) (*tracetest.SpanRecorder, trace.Tracer) {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	t.Cleanup(func() { tp.Shutdown(context.Background()) })
	return rec, tp.Tracer("test")
}

func TestBeginWithoutGoroutineLocalContext(t *testing.T) {
	if gls.Available() {
		t.Skip("runtime is instrumented")
	}
	_, tracer := recorder(t)
	if Current() != context.Background() {
		t.Fatal("Current is not Background without the instrumented runtime")
	}
	ctx, a := Begin(nil, tracer, "root") //nolint:staticcheck // nil ctx is part of the contract
	if !a.Span().SpanContext().IsValid() || trace.SpanFromContext(ctx) != a.Span() {
		t.Fatal("Begin(nil) gave no valid span in its context")
	}
	_, child := Begin(ctx, tracer, "child")
	if child.Span().(sdktrace.ReadOnlySpan).Parent().SpanID() != a.Span().SpanContext().SpanID() {
		t.Fatal("child of an explicit ctx has the wrong parent")
	}
	child.End()
	a.End()
}

func TestBeginUsesTheGoroutinesCurrentSpan(t *testing.T) {
	defer gls.InstallFakeForTests()()
	rec, tracer := recorder(t)

	member, _ := baggage.NewMember("tenant", "acme")
	bag, _ := baggage.New(member)
	_, server := Begin(baggage.ContextWithBaggage(context.Background(), bag), tracer, "server")
	if got := trace.SpanFromContext(Current()); got != server.Span() {
		t.Fatal("Current is not the server span after Begin")
	}

	// No span in ctx: the goroutine's current span is the parent, ctx's values stay.
	type k struct{}
	own := context.WithValue(context.TODO(), k{}, "mine")
	cctx, client := Begin(own, tracer, "client")
	if cctx.Value(k{}) != "mine" {
		t.Error("Begin lost the values of ctx")
	}
	if baggage.FromContext(cctx).Member("tenant").Value() != "acme" {
		t.Error("Begin did not carry the current baggage")
	}
	if p := Parent(nil); trace.SpanFromContext(p) != client.Span() { //nolint:staticcheck
		t.Error("Parent(nil) is not the innermost current span")
	}
	// A context from WithoutLocalParent stays without a parent, its values kept.
	detached := WithoutLocalParent(own)
	if p := Parent(detached); trace.SpanContextFromContext(p).IsValid() || p.Value(k{}) != "mine" {
		t.Error("Parent gave a WithoutLocalParent context the current span, or lost its values")
	}
	client.End()
	if trace.SpanFromContext(Current()) != server.Span() {
		t.Error("End did not restore the server span")
	}

	// A span of an explicit ctx wins over the current one.
	_, other := Begin(context.Background(), tracer, "other", trace.WithNewRoot())
	other.End()
	server.End()
	if Current() != context.Background() {
		t.Error("Current after the last End is not Background")
	}

	spans := map[string]sdktrace.ReadOnlySpan{}
	for _, s := range rec.Ended() {
		spans[s.Name()] = s
	}
	if spans["client"].Parent().SpanID() != spans["server"].SpanContext().SpanID() {
		t.Error("client span is not a child of the current server span")
	}
	if spans["other"].Parent().IsValid() {
		t.Error("a WithNewRoot span got a parent")
	}

	// Goroutines do not share slots.
	_, outer := Begin(nil, tracer, "outer") //nolint:staticcheck
	done := make(chan context.Context)
	go func() { done <- Current() }()
	if got := <-done; got != context.Background() {
		t.Error("another goroutine sees this goroutine's span")
	}
	outer.End()
}

func TestBeginWithNoopTracerStoresNothing(t *testing.T) {
	defer gls.InstallFakeForTests()()
	_, a := Begin(context.Background(), noop.NewTracerProvider().Tracer("x"), "x")
	if Current() != context.Background() {
		t.Error("an invalid span became current")
	}
	a.End()
	var nilActive *Active
	nilActive.End()
	if nilActive.Span().IsRecording() {
		t.Error("nil Active has a recording span")
	}
}

type timeoutError struct{}

func (timeoutError) Error() string   { return "slow" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return false }

func TestRecordError(t *testing.T) {
	rec, tracer := recorder(t)
	_, a := Begin(context.Background(), tracer, "x")
	RecordError(a.Span(), nil)
	RecordError(a.Span(), errors.New("bad"))
	a.End()
	s := rec.Ended()[0]
	if s.Status().Code != codes.Error || s.Status().Description != "bad" || len(s.Events()) != 1 {
		t.Fatalf("status %+v events %d", s.Status(), len(s.Events()))
	}
	if !hasAttr(s.Attributes(), attribute.String("error.type", "*errors.errorString")) {
		t.Errorf("attributes %v", s.Attributes())
	}
	for err, want := range map[error]string{
		context.DeadlineExceeded: "timeout",
		timeoutError{}:           "timeout",
		context.Canceled:         "canceled",
	} {
		if got := ErrorType(err); got != want {
			t.Errorf("ErrorType(%v) = %q, want %q", err, got, want)
		}
	}
}

func hasAttr(attrs []attribute.KeyValue, want attribute.KeyValue) bool {
	for _, a := range attrs {
		if a == want {
			return true
		}
	}
	return false
}
