package grpc

import (
	"context"
	"time"

	"autotel.dev/go/api"
	"autotel.dev/go/internal/semconv"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/status"
)

var inst = api.NewInstrumentation("grpc")

type instruments struct {
	server, client metric.Float64Histogram
}

var metrics = api.NewInstruments(inst, func(m metric.Meter) instruments {
	return instruments{server: semconv.NewRPCServerDuration(m), client: semconv.NewRPCClientDuration(m)}
})

// call is one RPC between TagRPC and its stats.End.
type call struct {
	facts  semconv.GRPCCall
	span   trace.Span
	active *api.Active // server only: the span current on the handler's goroutine
	start  time.Time
	ended  bool
}

type callKey struct{}

func callOf(ctx context.Context) *call {
	c, _ := ctx.Value(callKey{}).(*call)
	return c
}

// handleRPC ends c when s is its stats.End: the status, span status and
// error.type from the call's error, and the duration metric.
func handleRPC(ctx context.Context, s stats.RPCStats, server bool) {
	end, ok := s.(*stats.End)
	if !ok {
		return
	}
	c := callOf(ctx)
	if c == nil {
		return
	}
	finish(ctx, c, end.Error, server)
}

// finish ends c once.
func finish(ctx context.Context, c *call, err error, server bool) {
	if c.ended {
		return
	}
	c.ended = true
	elapsed := time.Since(c.start)
	code := uint32(status.Code(err))
	attrs, spanStatus, errorType := semconv.GRPCEndAttributes(code, server)
	c.span.SetAttributes(attrs...)
	if spanStatus == codes.Error {
		c.span.SetStatus(codes.Error, status.Convert(err).Message())
	}
	if c.active != nil {
		c.active.End()
	} else {
		c.span.End()
	}
	h := metrics.Get().client
	if server {
		h = metrics.Get().server
	}
	if elapsed < 0 {
		elapsed = 0
	}
	h.Record(ctx, elapsed.Seconds(), c.facts.MetricOptions(code, errorType, !server)...)
}

// metadataCarrier is a propagation.TextMapCarrier over grpc metadata.
type metadataCarrier metadata.MD

func (m metadataCarrier) Get(key string) string {
	if v := metadata.MD(m).Get(key); len(v) > 0 {
		return v[0]
	}
	return ""
}

func (m metadataCarrier) Set(key, value string) { metadata.MD(m).Set(key, value) }

func (m metadataCarrier) Keys() []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}
