package kafkaconv

import (
	"context"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// Creation is the parent of a received message's span: the creation context
// its headers carry (read by the global propagator onto parent) when that is a
// valid span other than parent's own, with the option linking the span to it;
// otherwise parent, and no option.
func Creation(parent context.Context, headers propagation.TextMapCarrier) (context.Context, []trace.SpanStartOption) {
	creation := otel.GetTextMapPropagator().Extract(parent, headers)
	sc := trace.SpanContextFromContext(creation)
	if !sc.IsValid() || sc.Equal(trace.SpanContextFromContext(parent)) {
		return parent, nil
	}
	return creation, []trace.SpanStartOption{trace.WithLinks(trace.Link{SpanContext: sc})}
}
