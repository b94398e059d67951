package grpc

import (
	"autotel.dev/go/internal/spantest"
	"context"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"autotel.dev/go/api"
	"autotel.dev/go/gls"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/baggage"
	otelcodes "go.opentelemetry.io/otel/codes"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

func setup(t *testing.T) *tracetest.SpanRecorder {
	t.Helper()
	rec := spantest.Record(t)
	spantest.Propagate(t)
	return rec
}

func attrs(s sdktrace.ReadOnlySpan) map[string]string {
	m := map[string]string{}
	for _, kv := range s.Attributes() {
		m[string(kv.Key)] = kv.Value.Emit()
	}
	return m
}

// waitEnded waits until n spans have ended (a server span ends when its
// status is sent, which can be after the client has its reply) and returns
// them; it fails after 10 s.
func waitEnded(t *testing.T, rec *tracetest.SpanRecorder, n int) []sdktrace.ReadOnlySpan {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(rec.Ended()) < n && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := rec.Ended(); len(got) != n {
		t.Fatalf("%d spans ended, want %d", len(got), n)
	}
	return rec.Ended()
}

// serverOf returns the server span whose parent is the client span c.
func serverOf(t *testing.T, rec *tracetest.SpanRecorder, c sdktrace.ReadOnlySpan) sdktrace.ReadOnlySpan {
	t.Helper()
	for _, s := range byKind(rec, trace.SpanKindServer) {
		if s.Parent().SpanID() == c.SpanContext().SpanID() && s.SpanContext().TraceID() == c.SpanContext().TraceID() {
			return s
		}
	}
	t.Fatalf("no server span is a child of client span %q", c.Name())
	return nil
}

// byKind returns the ended spans of one kind, in the order they ended.
func byKind(rec *tracetest.SpanRecorder, kind trace.SpanKind) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, s := range rec.Ended() {
		if s.SpanKind() == kind {
			out = append(out, s)
		}
	}
	return out
}

func TestUnaryCallsGiveOneClientAndOneServerSpanEach(t *testing.T) {
	rec := setup(t)
	addr := serve(t, newServer())
	cc := newClient(t, addr)
	ctx := context.Background()
	if v, err := hello(ctx, cc, "bob"); v != "hello bob" || err != nil {
		t.Fatalf("SayHello(bob) = %q, %v", v, err)
	}
	if _, err := hello(ctx, cc, "fail"); status.Code(err) != codes.NotFound {
		t.Fatalf("SayHello(fail) = %v", err)
	}
	if _, err := hello(ctx, cc, "crash"); status.Code(err) != codes.Internal {
		t.Fatalf("SayHello(crash) = %v", err)
	}
	waitEnded(t, rec, 6)
	clients, servers := byKind(rec, trace.SpanKindClient), byKind(rec, trace.SpanKindServer)
	if len(clients) != 3 || len(servers) != 3 {
		t.Fatalf("%d client and %d server spans, want 3 and 3", len(clients), len(servers))
	}
	host, port, _ := net.SplitHostPort(addr)
	for i, want := range []struct {
		code                     string
		clientError, serverError bool
	}{{"OK", false, false}, {"NOT_FOUND", true, false}, {"INTERNAL", true, true}} {
		c := clients[i]
		s := serverOf(t, rec, c)
		for _, sp := range []sdktrace.ReadOnlySpan{c, s} {
			a := attrs(sp)
			if sp.Name() != "autotel.test.Greeter/SayHello" || a["rpc.system.name"] != "grpc" ||
				a["rpc.method"] != "autotel.test.Greeter/SayHello" || a["rpc.status_code"] != want.code {
				t.Errorf("call %d: %s span %q %v", i, sp.SpanKind(), sp.Name(), a)
			}
		}
		if c.Parent().IsValid() {
			t.Errorf("call %d: client span has parent %v", i, c.Parent())
		}
		ca, sa := attrs(c), attrs(s)
		if ca["server.address"] != host || ca["server.port"] != port {
			t.Errorf("call %d: client server.address/port %q %q, want %s", i, ca["server.address"], ca["server.port"], addr)
		}
		if sa["server.address"] != host || sa["server.port"] != port || sa["network.peer.address"] != "127.0.0.1" || sa["network.peer.port"] == "" {
			t.Errorf("call %d: server address attributes %v", i, sa)
		}
		for _, x := range []struct {
			sp   sdktrace.ReadOnlySpan
			want bool
		}{{c, want.clientError}, {s, want.serverError}} {
			a := attrs(x.sp)
			if got := x.sp.Status().Code == otelcodes.Error; got != x.want || (a["error.type"] != "") != x.want {
				t.Errorf("call %d: %s span status %v error.type %q, want error %v", i, x.sp.SpanKind(), x.sp.Status(), a["error.type"], x.want)
			}
			if x.want && a["error.type"] != want.code {
				t.Errorf("call %d: error.type %q, want %s", i, a["error.type"], want.code)
			}
		}
	}
}

func TestStreamsGiveOneSpanPerCall(t *testing.T) {
	rec := setup(t)
	cc := newClient(t, serve(t, newServer()))
	ctx := context.Background()

	// Server streaming.
	s, err := cc.NewStream(ctx, &countDesc, "/autotel.test.Greeter/Count")
	if err != nil {
		t.Fatal(err)
	}
	s.SendMsg(wrapperspb.String("a,b,c"))
	s.CloseSend()
	var got []string
	for {
		in := new(wrapperspb.StringValue)
		if err := s.RecvMsg(in); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		got = append(got, in.Value)
	}
	if len(got) != 3 {
		t.Fatalf("Count gave %q", got)
	}

	// Client streaming.
	s, err = cc.NewStream(ctx, &sumDesc, "/autotel.test.Greeter/Sum")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"1", "2"} {
		s.SendMsg(wrapperspb.String(m))
	}
	s.CloseSend()
	total := new(wrapperspb.StringValue)
	if err := s.RecvMsg(total); err != nil || total.Value != "1+2" {
		t.Fatalf("Sum = %q, %v", total.Value, err)
	}
	if err := s.RecvMsg(total); err != io.EOF {
		t.Fatalf("Sum's end = %v", err)
	}

	// Bidirectional.
	s, err = cc.NewStream(ctx, &chatDesc, "/autotel.test.Greeter/Chat")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"x", "y"} {
		s.SendMsg(wrapperspb.String(m))
		in := new(wrapperspb.StringValue)
		if err := s.RecvMsg(in); err != nil || in.Value != "echo "+m {
			t.Fatalf("Chat(%s) = %q, %v", m, in.Value, err)
		}
	}
	s.CloseSend()
	if err := s.RecvMsg(new(wrapperspb.StringValue)); err != io.EOF {
		t.Fatalf("Chat's end = %v", err)
	}

	waitEnded(t, rec, 6)
	clients := byKind(rec, trace.SpanKindClient)
	if len(clients) != 3 {
		t.Fatalf("%d client spans, want 3", len(clients))
	}
	for i, name := range []string{"autotel.test.Greeter/Count", "autotel.test.Greeter/Sum", "autotel.test.Greeter/Chat"} {
		c := clients[i]
		s := serverOf(t, rec, c)
		if c.Name() != name || s.Name() != name || attrs(c)["rpc.status_code"] != "OK" || attrs(s)["rpc.status_code"] != "OK" {
			t.Errorf("stream %d: client %q %v, server %q %v", i, c.Name(), attrs(c), s.Name(), attrs(s))
		}
	}
}

// The caller's span (ctx, or the goroutine's current span) is the client
// span's parent; the baggage reaches the handler; the server span is current
// on the handler's goroutine, so a client call made there with
// context.Background() is its child.
func TestContextCrossesTheCallBothWays(t *testing.T) {
	rec := setup(t)
	t.Cleanup(gls.InstallFakeForTests()) // after the server has stopped
	var cc *grpc.ClientConn
	var mu sync.Mutex
	var inHandler struct {
		baggage string
		current trace.SpanContext
		server  trace.SpanContext
	}
	helloHook = func(ctx context.Context) {
		mu.Lock()
		if inHandler.server.IsValid() {
			mu.Unlock()
			return // the nested call
		}
		inHandler.baggage = baggage.FromContext(ctx).Member("tenant").Value()
		inHandler.current = api.CurrentSpanContext()
		inHandler.server = trace.SpanContextFromContext(ctx)
		mu.Unlock()
		hello(context.Background(), cc, "nested")
	}
	t.Cleanup(func() { helloHook = nil }) // after the server has stopped
	cc = newClient(t, serve(t, newServer()))
	m, _ := baggage.NewMember("tenant", "acme")
	b, _ := baggage.New(m)
	ctx, parent := otel.Tracer("test").Start(baggage.ContextWithBaggage(context.Background(), b), "request")
	if _, err := hello(ctx, cc, "bob"); err != nil {
		t.Fatal(err)
	}
	parent.End()
	waitEnded(t, rec, 5)
	mu.Lock()
	defer mu.Unlock()
	if inHandler.baggage != "acme" {
		t.Errorf("baggage in the handler %q, want acme", inHandler.baggage)
	}
	if !inHandler.server.IsValid() || !inHandler.current.Equal(inHandler.server) {
		t.Errorf("current span in the handler %v, want the server span %v", inHandler.current, inHandler.server)
	}
	clients := byKind(rec, trace.SpanKindClient)
	if len(clients) != 2 {
		t.Fatalf("%d client spans, want 2", len(clients))
	}
	nested, outer := clients[0], clients[1]
	if outer.Parent().SpanID() != parent.SpanContext().SpanID() {
		t.Errorf("client span's parent %v, want the span in ctx", outer.Parent())
	}
	if nested.Parent().SpanID() != inHandler.server.SpanID() {
		t.Errorf("call made in the handler without ctx has parent %v, want the server span %v", nested.Parent(), inHandler.server)
	}
}

// A program's own interceptors do not change the count: one span per call
// on each side.
func TestInterceptorsDoNotAddSpans(t *testing.T) {
	rec := setup(t)
	var seen atomic.Int32
	server := newServer(grpc.ChainUnaryInterceptor(func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		seen.Add(1)
		return h(ctx, req)
	}))
	cc := newClient(t, serve(t, server), grpc.WithUnaryInterceptor(func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		seen.Add(1)
		return invoker(ctx, method, req, reply, cc, opts...)
	}))
	if _, err := hello(context.Background(), cc, "bob"); err != nil {
		t.Fatal(err)
	}
	if waitEnded(t, rec, 2); seen.Load() != 2 {
		t.Fatalf("interceptors ran %d times, want 2", seen.Load())
	}
}

// A call whose ctx holds otelgrpc's span (the program traces grpc itself) or
// that autotel's SDK makes (suppressed) gets no span from the hooks.
func TestOtelgrpcAndSuppressedCallsAreLeftAlone(t *testing.T) {
	rec := setup(t)
	info := &stats.RPCTagInfo{FullMethodName: "/autotel.test.Greeter/SayHello"}
	otelgrpc := otel.Tracer("go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc")
	client, server := clientHandler{}, serverHandler{}
	for _, kind := range []trace.SpanKind{trace.SpanKindClient, trace.SpanKindServer} {
		ctx, span := otelgrpc.Start(context.Background(), "x", trace.WithSpanKind(kind))
		h := stats.Handler(client)
		if kind == trace.SpanKindServer {
			h = server
		}
		if h.TagRPC(ctx, info) != ctx {
			t.Errorf("a call otelgrpc traces (%s span) got a span", kind)
		}
		span.End()
	}
	// A call made in a handler that otelgrpc traces (its SERVER span in ctx)
	// still gets a CLIENT span.
	ctx, span := otelgrpc.Start(context.Background(), "x", trace.WithSpanKind(trace.SpanKindServer))
	if ctx2 := client.TagRPC(ctx, info); trace.SpanFromContext(ctx2) == span {
		t.Error("a client call inside otelgrpc's server span got no span")
	} else {
		handleRPC(ctx2, &stats.End{}, false)
	}
	span.End()
	sup := api.Suppress(context.Background())
	if client.TagRPC(sup, info) != sup || server.TagRPC(sup, info) != sup {
		t.Error("a suppressed call got a span")
	}
	if n := len(rec.Started()); n != 4 {
		t.Errorf("%d spans started, want otelgrpc's three and one client span", n)
	}
}

// A call grpc answers UNIMPLEMENTED itself reaches TagRPC but no stats.End:
// handleStream's exit hook ends its span (as the rewritten handleStream
// calls the hooks).
func TestUnimplementedCallSpanIsEndedByHandleStream(t *testing.T) {
	rec := setup(t)
	defer gls.InstallFakeForTests()()
	p, _ := handleStreamEnter(nil, nil, nil)
	ctx := metadata.NewIncomingContext(context.Background(), metadata.Pairs(":authority", "svc.local:8443"))
	var server serverHandler
	server.TagRPC(ctx, &stats.RPCTagInfo{FullMethodName: "/autotel.test.Greeter/Missing"})
	handleStreamExit(p)
	spans := rec.Ended()
	if len(spans) != 1 {
		t.Fatalf("%d spans ended, want 1", len(spans))
	}
	a := attrs(spans[0])
	if spans[0].Name() != "autotel.test.Greeter/Missing" || spans[0].Status().Code != otelcodes.Error ||
		a["rpc.status_code"] != "UNIMPLEMENTED" || a["error.type"] != "UNIMPLEMENTED" || a["server.address"] != "svc.local" || a["server.port"] != "8443" {
		t.Errorf("span %q %v %v", spans[0].Name(), spans[0].Status(), a)
	}
	if api.CurrentSpanContext().IsValid() || gls.Current() != nil {
		t.Error("handleStream left a context current on the goroutine")
	}
}

func TestDurationMetrics(t *testing.T) {
	setup(t)
	reader := sdkmetric.NewManualReader()
	prev := otel.GetMeterProvider()
	otel.SetMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)))
	t.Cleanup(func() { otel.SetMeterProvider(prev) })
	addr := serve(t, newServer())
	cc := newClient(t, addr)
	hello(context.Background(), cc, "bob")
	hello(context.Background(), cc, "fail")
	// The server records its call when the status is sent, which can be
	// after the client has its reply: collect until it has both.
	var rm metricdata.ResourceMetrics
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if err := reader.Collect(context.Background(), &rm); err != nil {
			t.Fatal(err)
		}
		if serverPoints(rm) == 2 || time.Now().After(deadline) {
			break
		}
	}
	_, port, _ := net.SplitHostPort(addr)
	found := map[string]map[string]bool{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			h, ok := m.Data.(metricdata.Histogram[float64])
			if !ok || m.Unit != "s" {
				t.Errorf("%s: %T unit %q", m.Name, m.Data, m.Unit)
				continue
			}
			found[m.Name] = map[string]bool{}
			for _, dp := range h.DataPoints {
				code, _ := dp.Attributes.Value(attribute.Key("rpc.status_code"))
				et, _ := dp.Attributes.Value(attribute.Key("error.type"))
				p, hasPort := dp.Attributes.Value(attribute.Key("server.port"))
				found[m.Name][code.AsString()+"/"+et.AsString()] = dp.Count == 1
				if client := m.Name == "rpc.client.call.duration"; client != hasPort || (client && strconv.Itoa(int(p.AsInt64())) != port) {
					t.Errorf("%s: server.port %v", m.Name, dp.Attributes)
				}
			}
		}
	}
	want := map[string]map[string]bool{
		"rpc.client.call.duration": {"OK/": true, "NOT_FOUND/NOT_FOUND": true},
		"rpc.server.call.duration": {"OK/": true, "NOT_FOUND/": true},
	}
	for name, points := range want {
		for k := range points {
			if !found[name][k] {
				t.Errorf("%s: no single point for %s; have %v", name, k, found[name])
			}
		}
	}
}

// serverPoints counts the calls in rpc.server.call.duration.
func serverPoints(rm metricdata.ResourceMetrics) (n uint64) {
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if h, ok := m.Data.(metricdata.Histogram[float64]); ok && m.Name == "rpc.server.call.duration" {
				for _, dp := range h.DataPoints {
					n += dp.Count
				}
			}
		}
	}
	return n
}

func TestDisabledInstrumentationAddsNoHandler(t *testing.T) {
	rec := setup(t)
	t.Cleanup(api.ReloadEnvironment)
	t.Setenv(api.EnvDisabledInstrumentations, "grpc")
	api.ReloadEnvironment()
	cc := newClient(t, serve(t, newServer()))
	if _, err := hello(context.Background(), cc, "bob"); err != nil {
		t.Fatal(err)
	}
	if n := len(rec.Ended()); n != 0 {
		t.Fatalf("%d spans with the instrumentation disabled", n)
	}
}
