package kafkaconv

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

func TestCreationIsTheHeadersContextWhenItIsAnotherSpan(t *testing.T) {
	prev := otel.GetTextMapPropagator()
	otel.SetTextMapPropagator(propagation.TraceContext{})
	t.Cleanup(func() { otel.SetTextMapPropagator(prev) })
	const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
	carried := []clientHeader{{Key: "traceparent", Value: []byte(traceparent)}}

	parent, opts := Creation(context.Background(), Carrier[clientHeader, string]{&carried})
	sc := trace.SpanContextFromContext(parent)
	if sc.SpanID().String() != "b7ad6b7169203331" || !sc.IsRemote() {
		t.Errorf("parent %v, want the headers' creation context", sc)
	}
	if cfg := trace.NewSpanStartConfig(opts...); len(cfg.Links()) != 1 || !cfg.Links()[0].SpanContext.Equal(sc) {
		t.Errorf("links %v, want one to the creation context", cfg.Links())
	}

	// The headers carry the parent's own span: nothing to link.
	same, opts := Creation(parent, Carrier[clientHeader, string]{&carried})
	if same != parent || opts != nil {
		t.Errorf("the parent's own span was linked: %v", opts)
	}
	// No trace context in the headers.
	none := []clientHeader{{Key: "tenant", Value: []byte("a")}}
	if got, opts := Creation(context.Background(), Carrier[clientHeader, string]{&none}); got != context.Background() || opts != nil {
		t.Errorf("headers without trace context gave %v, %v", got, opts)
	}
}
