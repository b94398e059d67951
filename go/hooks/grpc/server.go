package grpc

import (
	"context"
	"net"
	"strconv"
	"time"
	"unsafe"

	"autotel.dev/go/api"
	"autotel.dev/go/gls"
	"autotel.dev/go/internal/semconv"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/stats"
)

// newServerEnter is the enter hook of NewServer(opt ...ServerOption): it
// appends autotel's server stats handler to the options, and claims the
// application/grpc requests of net/http servers (the grpc span stands for
// them when the Server is served through ServeHTTP).
func newServerEnter(opt *[]grpc.ServerOption) (*struct{}, bool) {
	defer api.Guard("grpc.newServerEnter")
	if !inst.Enabled() {
		return nil, false
	}
	api.ClaimHTTP("application/grpc", inst)
	*opt = append(*opt, grpc.StatsHandler(serverHandler{}))
	return nil, false
}

// serverHandler is the stats.Handler added to every Server.
type serverHandler struct{}

func (serverHandler) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context { return ctx }
func (serverHandler) HandleConn(context.Context, stats.ConnStats)                       {}

// TagRPC starts the SERVER span of a call (on the goroutine that runs its
// handler) and makes it current there.
func (serverHandler) TagRPC(ctx context.Context, info *stats.RPCTagInfo) context.Context {
	defer api.Guard("grpc.serverTagRPC")
	if !inst.Enabled() || api.Suppressed(ctx) {
		return ctx
	}
	if tracedByProgram(ctx, trace.SpanKindServer) {
		// The program's span stands for the call: the handler's calls without
		// a ctx join it, as they would have joined autotel's.
		if p := pendingOf(gls.Current()); p != nil {
			api.AdoptIn(p.scope, context.WithValue(ctx, pendingKey{}, p))
		}
		return ctx
	}
	md, _ := metadata.FromIncomingContext(ctx)
	ctx = otel.GetTextMapPropagator().Extract(ctx, metadataCarrier(md))
	c := &call{facts: semconv.GRPCCall{Method: semconv.GRPCMethod(info.FullMethodName)}, start: time.Now()}
	if v := md.Get(":authority"); len(v) > 0 {
		c.facts.Address, c.facts.Port = authority(v[0])
	}
	attrs := c.facts.SpanAttributes()
	if p, ok := peer.FromContext(ctx); ok {
		attrs = append(attrs, semconv.PeerAttributes(p.Addr)...)
	}
	opts := []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(attrs...)}
	if !trace.SpanContextFromContext(ctx).IsValid() {
		opts = append(opts, trace.WithNewRoot())
	}
	if p := pendingOf(gls.Current()); p != nil { // before Begin makes the span current
		p.call = c
	}
	ctx, c.active = api.Begin(ctx, inst.Tracer(), c.facts.Method, opts...)
	c.span = c.active.Span()
	return context.WithValue(ctx, callKey{}, c)
}

// HandleRPC ends the span at the call's stats.End.
func (serverHandler) HandleRPC(ctx context.Context, s stats.RPCStats) {
	defer api.Guard("grpc.serverHandleRPC")
	handleRPC(ctx, s, true)
}

// authority splits the :authority a client sent ("host:port" or "host").
func authority(a string) (string, int) {
	host, p, err := net.SplitHostPort(a)
	if err != nil {
		return a, 0
	}
	port, _ := strconv.Atoi(p)
	return host, port
}

// pending is what handleStreamEnter makes current on the goroutine that
// handles one stream, so that its exit hook finds the call TagRPC started.
type pending struct {
	scope *gls.Scope
	call  *call
}

type pendingKey struct{}

func pendingOf(ctx context.Context) *pending {
	if ctx == nil {
		return nil
	}
	p, _ := ctx.Value(pendingKey{}).(*pending)
	return p
}

// handleStreamEnter is the enter hook of (*Server).handleStream(t, stream)
// (receiver and both parameters unread). grpc answers a call to an unknown
// service or method UNIMPLEMENTED there without a stats.End: the exit hook
// ends its span. Needs goroutine-local context (without it such a span is
// never ended, and so never exported).
func handleStreamEnter(_, _, _ unsafe.Pointer) (*pending, bool) {
	defer api.Guard("grpc.handleStreamEnter")
	if !inst.Enabled() || !gls.Available() {
		return nil, false
	}
	p := &pending{}
	p.scope = gls.Enter(context.WithValue(api.Current(), pendingKey{}, p))
	return p, false
}

// handleStreamExit ends a span that no stats.End ended: the call was
// answered UNIMPLEMENTED by grpc itself.
func handleStreamExit(p *pending) {
	defer api.Guard("grpc.handleStreamExit")
	if p == nil {
		return
	}
	if c := p.call; c != nil && !c.ended {
		finish(context.Background(), c, errUnimplemented, true)
	}
	p.scope.Exit()
}

// pluginScope is the tracer name of grpc's own OpenTelemetry plugin
// (google.golang.org/grpc/stats/opentelemetry, its TraceOptions).
const pluginScope = "grpc-go"

// tracedByProgram reports whether the program traces this call itself, with
// a stats handler that ran before autotel's: otelgrpc's (a span of the
// call's kind in ctx), or grpc's own plugin, whose server span is the
// call's SERVER span and whose client side leaves its per-attempt span
// (kind INTERNAL, under its CLIENT call span) in ctx, with its trace context
// already in the outgoing metadata.
func tracedByProgram(ctx context.Context, kind trace.SpanKind) bool {
	if api.TracedByApp(ctx, kind, "otelgrpc") {
		return true
	}
	ro, ok := trace.SpanFromContext(ctx).(sdktrace.ReadOnlySpan)
	if !ok || ro.InstrumentationScope().Name != pluginScope {
		return false
	}
	return kind == trace.SpanKindClient || ro.SpanKind() == kind
}
