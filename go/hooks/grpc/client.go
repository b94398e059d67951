package grpc

import (
	"context"
	"time"

	"autotel.dev/go/api"
	"autotel.dev/go/internal/semconv"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/status"
)

var errUnimplemented = status.Error(codes.Unimplemented, "")

// newClientEnter is the enter hook of NewClient(target string, opts
// ...DialOption): it appends autotel's client stats handler, which knows the
// target's server.address and server.port.
func newClientEnter(target *string, opts *[]grpc.DialOption) (*struct{}, bool) {
	defer api.Guard("grpc.newClientEnter")
	if !inst.Enabled() {
		return nil, false
	}
	h := clientHandler{}
	h.address, h.port = semconv.GRPCTarget(*target)
	*opts = append(*opts, grpc.WithStatsHandler(h))
	return nil, false
}

// clientHandler is the stats.Handler added to every ClientConn.
type clientHandler struct {
	address string
	port    int
}

func (clientHandler) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context { return ctx }
func (clientHandler) HandleConn(context.Context, stats.ConnStats)                       {}

// TagRPC starts the CLIENT span of a call and puts the trace context into
// the call's outgoing metadata.
func (h clientHandler) TagRPC(ctx context.Context, info *stats.RPCTagInfo) context.Context {
	defer api.Guard("grpc.clientTagRPC")
	if !inst.Enabled() || api.Suppressed(ctx) || tracedByProgram(ctx, trace.SpanKindClient) {
		return ctx
	}
	c := &call{facts: semconv.GRPCCall{Method: semconv.GRPCMethod(info.FullMethodName), Address: h.address, Port: h.port}, start: time.Now()}
	// The span is not made current on this goroutine: a stream may finish
	// on another one.
	ctx, c.span = inst.Tracer().Start(api.Parent(ctx), c.facts.Method,
		trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(c.facts.SpanAttributes()...))
	md, _ := metadata.FromOutgoingContext(ctx)
	md = md.Copy()
	otel.GetTextMapPropagator().Inject(ctx, metadataCarrier(md))
	ctx = metadata.NewOutgoingContext(ctx, md)
	return context.WithValue(ctx, callKey{}, c)
}

// HandleRPC ends the span at the call's stats.End.
func (clientHandler) HandleRPC(ctx context.Context, s stats.RPCStats) {
	defer api.Guard("grpc.clientHandleRPC")
	handleRPC(ctx, s, false)
}
