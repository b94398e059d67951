package bytehttp

import (
	"context"
	"time"

	"autotel.dev/go/api"
	"autotel.dev/go/internal/semconv"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// ClientCall is one client call's CLIENT span, from the client's enter hook
// to its exit hook.
type ClientCall[H Header] struct {
	span     trace.Span
	ctx      context.Context // the span's context
	start    time.Time
	facts    semconv.HTTPClient
	injected Injected[H]
}

// StartClient starts the CLIENT span of a call of method to uri, child of the
// span in parent or else of the one current on the goroutine (api.Parent),
// and injects its trace context into header, except the keys the program set
// itself.
func StartClient[H Header](inst *api.Instrumentation, parent context.Context, method string, uri URI, header H) *ClientCall[H] {
	facts, attrs := semconv.ReadClientRequest(method, RequestURL(uri))
	ctx, span := inst.Tracer().Start(api.Parent(parent), facts.SpanName(),
		trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attrs...))
	c := &ClientCall[H]{span: span, ctx: ctx, start: time.Now(), facts: facts}
	c.injected.H = header
	otel.GetTextMapPropagator().Inject(ctx, &c.injected)
	return c
}

// Context is the span's context.
func (c *ClientCall[H]) Context() context.Context { return c.ctx }

// End removes the injected headers, ends the span with the call's error or
// the response's status (0: none) and protocol ("HTTP/1.1"), and records the
// duration in durations.
func (c *ClientCall[H]) End(err error, status int, proto string, durations metric.Float64Histogram) {
	elapsed := time.Since(c.start) // monotonic
	c.injected.Remove()
	var protoVersion string
	if major, minor := ProtocolVersion(proto); err == nil && major > 0 {
		protoVersion = semconv.ProtocolVersion(major, minor)
	}
	errorType := semconv.SetHTTPClientResult(c.span, err, status, protoVersion)
	c.span.End()
	durations.Record(c.ctx, semconv.Seconds(elapsed),
		c.facts.MetricOptions(status, protoVersion, errorType)...)
}
