package fasthttp

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"unsafe"

	"autotel.dev/go/api"
	"autotel.dev/go/gls"
	"autotel.dev/go/internal/httpframework"
	"autotel.dev/go/internal/metrictest"
	"autotel.dev/go/internal/spantest"
	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttputil"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/codes"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// telemetry is what one test records: spans, metrics (the hooks follow the
// global providers) and W3C propagation.
type telemetry struct {
	spans  *tracetest.SpanRecorder
	reader *sdkmetric.ManualReader
}

func setup(t *testing.T) *telemetry {
	t.Helper()
	tel := &telemetry{spans: spantest.Record(t), reader: metrictest.Record(t)}
	spantest.Propagate(t)
	t.Cleanup(gls.InstallFakeForTests())
	return tel
}

// points returns the data points of the named histogram.
func (tel *telemetry) points(t *testing.T, name string) []metricdata.HistogramDataPoint[float64] {
	return metrictest.Histogram(t, tel.reader, "autotel.dev/go/hooks/fasthttp", name)
}

// instrumented is what the file rules/files/fasthttp_server.go makes of the
// server's call of handler: serverEnter, the handler, serverExit with the
// response's status.
func instrumented(handler fasthttp.RequestHandler) fasthttp.RequestHandler {
	return func(ctx *fasthttp.RequestCtx) {
		state := serverEnter(ctx)
		if state == nil {
			handler(ctx)
			return
		}
		requestContexts.Store(ctx, requestContextOf(state))
		defer func() {
			requestContexts.Delete(ctx)
			serverExit(state, ctx.Response.StatusCode())
		}()
		handler(ctx)
	}
}

// requestContexts holds, per request being served, the context that the file
// added to fasthttp makes the *RequestCtx answer Value from (an instrumented
// build's (*RequestCtx).Value falls back to it; this fasthttp is not
// instrumented). The end-to-end tests check the real thing.
var requestContexts sync.Map

// requestContext is what ctx, a context.Context, answers in an instrumented build.
func requestContext(ctx *fasthttp.RequestCtx) context.Context {
	c, _ := requestContexts.Load(ctx)
	return c.(context.Context)
}

// requestContextOf is the context of the request whose state serverEnter
// returned: what the file added to fasthttp reads through the state.
func requestContextOf(state unsafe.Pointer) context.Context {
	return *(*context.Context)(state)
}

// serve runs a real fasthttp server with handler (instrumented) on an
// in-memory listener and returns a client that reaches it.
func serve(t *testing.T, handler fasthttp.RequestHandler) *fasthttp.HostClient {
	t.Helper()
	ln := fasthttputil.NewInmemoryListener()
	s := &fasthttp.Server{Handler: instrumented(handler)}
	go s.Serve(ln) //nolint:errcheck
	t.Cleanup(func() { s.Shutdown(); ln.Close() })
	return &fasthttp.HostClient{Addr: "api.test:8080", Dial: func(string) (net.Conn, error) { return ln.Dial() }}
}

// do calls c.Do as an instrumented build does: doEnter, Do, doExit.
func do(c *fasthttp.HostClient, req *fasthttp.Request, resp *fasthttp.Response) error {
	st, _ := doEnter(&c, &req, &resp)
	err := c.Do(req, resp)
	if st != nil {
		doExit(st, &err)
	}
	return err
}

func byKind(spans []sdktrace.ReadOnlySpan, kind trace.SpanKind) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, s := range spans {
		if s.SpanKind() == kind {
			out = append(out, s)
		}
	}
	return out
}

func TestServerSpanContinuesTheCallersTraceAndIsInTheRequestContext(t *testing.T) {
	tel := setup(t)
	var inHandler trace.SpanContext
	c := serve(t, func(ctx *fasthttp.RequestCtx) {
		inHandler = trace.SpanContextFromContext(gls.Current())
		ctx.SetStatusCode(201)
		ctx.WriteString("made")
	})
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	req.SetRequestURI("http://api.test:8080/users/42?q=1&Signature=secret")
	req.Header.Set("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
	req.Header.Set("User-Agent", "tester/1")
	if err := c.Do(req, resp); err != nil || resp.StatusCode() != 201 || string(resp.Body()) != "made" {
		t.Fatalf("Do: %v %d %q", err, resp.StatusCode(), resp.Body())
	}
	spans := tel.spans.Ended()
	if len(spans) != 1 {
		t.Fatalf("%d spans, want the server's", len(spans))
	}
	s := spans[0]
	if s.Name() != "GET" || s.SpanKind() != trace.SpanKindServer || s.Parent().SpanID().String() != "b7ad6b7169203331" ||
		s.SpanContext().TraceID().String() != "0af7651916cd43dd8448eb211c80319c" || !s.Parent().IsRemote() {
		t.Fatalf("span %q kind %v parent %v", s.Name(), s.SpanKind(), s.Parent())
	}
	if !inHandler.Equal(s.SpanContext()) {
		t.Errorf("span current on the handler's goroutine %v, want %v", inHandler, s.SpanContext())
	}
	spantest.WantAttrs(t, s, map[string]any{
		"http.request.method": "GET", "url.scheme": "http", "url.path": "/users/42",
		"url.query": "q=1&Signature=REDACTED", "server.address": "api.test", "server.port": int64(8080),
		"network.protocol.version": "1.1", "user_agent.original": "tester/1", "http.response.status_code": int64(201),
	})
	if a := spantest.Attrs(s); a["client.address"].AsString() == "" || a["error.type"].AsString() != "" {
		t.Errorf("attributes %v", a)
	}
	dp := tel.points(t, "http.server.request.duration")
	if len(dp) != 1 || dp[0].Count != 1 {
		t.Fatalf("points %+v", dp)
	}
	if v, _ := dp[0].Attributes.Value("http.response.status_code"); v.AsInt64() != 201 {
		t.Errorf("metric attributes %v", dp[0].Attributes.ToSlice())
	}
}

func TestServerErrorsAndRoutesSetByARouter(t *testing.T) {
	tel := setup(t)
	c := serve(t, func(ctx *fasthttp.RequestCtx) {
		// What a router's hook does (fiber): the span is reached through the
		// *RequestCtx as a context.Context.
		if !httpframework.SetRoute(requestContext(ctx), "GET", "/users/:id") {
			t.Error("no server span reachable through the *RequestCtx")
		}
		ctx.Error("down", 503)
	})
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	req.SetRequestURI("http://api.test:8080/users/7")
	if err := c.Do(req, resp); err != nil || resp.StatusCode() != 503 {
		t.Fatalf("Do: %v %d", err, resp.StatusCode())
	}
	s := tel.spans.Ended()[0]
	if s.Name() != "GET /users/:id" || s.Status().Code != codes.Error || spantest.Attrs(s)["error.type"].AsString() != "503" ||
		spantest.Attrs(s)["http.route"].AsString() != "/users/:id" || !s.Parent().IsValid() == s.Parent().IsRemote() {
		t.Fatalf("span %q status %v attrs %v", s.Name(), s.Status(), spantest.Attrs(s))
	}
	if s.Parent().IsValid() {
		t.Errorf("without a traceparent the span starts a trace: parent %v", s.Parent())
	}
	dp := tel.points(t, "http.server.request.duration")
	if v, _ := dp[0].Attributes.Value("http.route"); v.AsString() != "/users/:id" {
		t.Errorf("metric attributes %v", dp[0].Attributes.ToSlice())
	}
}

// The *RequestCtx answers Value only through the file added to fasthttp;
// here the state's context, which that file reads, must carry the span.
func TestTheStatesFirstFieldIsTheSpansContext(t *testing.T) {
	setup(t)
	var rc fasthttp.RequestCtx
	rc.Request.SetRequestURI("/x")
	state := serverEnter(&rc)
	if state == nil {
		t.Fatal("no state")
	}
	ctx := requestContextOf(state)
	span := trace.SpanFromContext(ctx)
	if !span.SpanContext().IsValid() || !span.IsRecording() {
		t.Fatalf("the state's context carries %v", span.SpanContext())
	}
	serverExit(state, 200)
	if span.IsRecording() {
		t.Error("serverExit did not end the span")
	}
}

func TestClientSpanPropagatesAndLeavesTheRequestAsItWas(t *testing.T) {
	tel := setup(t)
	var got string
	c := serve(t, func(ctx *fasthttp.RequestCtx) {
		got = string(ctx.Request.Header.Peek("traceparent"))
		ctx.SetStatusCode(404)
	})
	// A parent current on the goroutine, as a server span of the program is.
	parentCtx, parent := otel.Tracer("test").Start(context.Background(), "job")
	scope := gls.Enter(parentCtx)
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	req.SetRequestURI("http://user:pass@api.test:8080/items?id=3")
	err := do(c, req, resp)
	scope.Exit()
	parent.End()
	if err != nil || resp.StatusCode() != 404 {
		t.Fatalf("Do: %v %d", err, resp.StatusCode())
	}
	clients := byKind(tel.spans.Ended(), trace.SpanKindClient)
	if len(clients) != 1 {
		t.Fatalf("%d client spans", len(clients))
	}
	s := clients[0]
	if s.Parent().SpanID() != parent.SpanContext().SpanID() || s.Name() != "GET" {
		t.Errorf("client span %q parent %v, want the goroutine's current span %v", s.Name(), s.Parent().SpanID(), parent.SpanContext().SpanID())
	}
	want := "00-" + s.SpanContext().TraceID().String() + "-" + s.SpanContext().SpanID().String() + "-01"
	if got != want {
		t.Errorf("server got traceparent %q, want %q", got, want)
	}
	if v := req.Header.Peek("traceparent"); len(v) != 0 {
		t.Errorf("the caller's request keeps traceparent %q after Do", v)
	}
	spantest.WantAttrs(t, s, map[string]any{
		"http.request.method": "GET", "url.full": "http://api.test:8080/items?id=3", "server.address": "api.test",
		"server.port": int64(8080), "http.response.status_code": int64(404), "error.type": "404", "network.protocol.version": "1.1",
	})
	if s.Status().Code != codes.Error {
		t.Errorf("a 404 is a client error: status %v", s.Status())
	}
	dp := tel.points(t, "http.client.request.duration")
	if len(dp) != 1 {
		t.Fatalf("points %+v", dp)
	}
	if v, _ := dp[0].Attributes.Value("server.address"); v.AsString() != "api.test" {
		t.Errorf("metric attributes %v", dp[0].Attributes.ToSlice())
	}
}

func TestClientKeepsTheProgramsOwnTraceparent(t *testing.T) {
	setup(t)
	var got string
	c := serve(t, func(ctx *fasthttp.RequestCtx) { got = string(ctx.Request.Header.Peek("traceparent")) })
	own := "00-11111111111111111111111111111111-2222222222222222-01"
	req := fasthttp.AcquireRequest()
	req.SetRequestURI("http://api.test:8080/")
	req.Header.Set("traceparent", own)
	if err := do(c, req, fasthttp.AcquireResponse()); err != nil {
		t.Fatal(err)
	}
	if got != own || string(req.Header.Peek("traceparent")) != own {
		t.Errorf("sent %q, left %q; want the program's %q both times", got, req.Header.Peek("traceparent"), own)
	}
}

func TestClientErrorsEndTheSpan(t *testing.T) {
	tel := setup(t)
	c := &fasthttp.HostClient{Addr: "api.test:1", Dial: func(string) (net.Conn, error) {
		return nil, &net.OpError{Op: "dial", Err: net.UnknownNetworkError("refused")}
	}}
	req := fasthttp.AcquireRequest()
	req.SetRequestURI("http://api.test:1/")
	if err := do(c, req, nil); err == nil {
		t.Fatal("Do succeeded")
	}
	s := byKind(tel.spans.Ended(), trace.SpanKindClient)[0]
	if s.Status().Code != codes.Error || !strings.HasPrefix(spantest.Attrs(s)["error.type"].AsString(), "*net.") {
		t.Errorf("status %v attrs %v", s.Status(), spantest.Attrs(s))
	}
}

func TestDisabledMakesNoSpanAndNoHeader(t *testing.T) {
	tel := setup(t)
	setEnv(t, "OTEL_GO_DISABLED_INSTRUMENTATIONS", "fasthttp")
	var got []byte
	c := serve(t, func(ctx *fasthttp.RequestCtx) { got = append(got, ctx.Request.Header.Peek("traceparent")...) })
	req := fasthttp.AcquireRequest()
	req.SetRequestURI("http://api.test:8080/")
	if err := do(c, req, fasthttp.AcquireResponse()); err != nil {
		t.Fatal(err)
	}
	if n := len(tel.spans.Ended()); n != 0 || len(got) != 0 {
		t.Errorf("%d spans, traceparent %q", n, got)
	}
}

// setEnv sets an environment variable for the test and makes the hooks read
// it, and read the environment again once the test has restored it (the
// cleanup registered first runs last).
func setEnv(t *testing.T, key, value string) {
	t.Helper()
	t.Cleanup(api.ReloadEnvironment)
	t.Setenv(key, value)
	api.ReloadEnvironment()
}

// fasthttp's own suite counts allocations per request (TestAllocationServeConn,
// TestAllocationClient): a traced request allocates its span, but with the
// instrumentation off the hooks allocate nothing.
func TestOffTheHooksAllocateNothing(t *testing.T) {
	setup(t)
	setEnv(t, "OTEL_GO_DISABLED_INSTRUMENTATIONS", "fasthttp")
	var rc fasthttp.RequestCtx
	rc.Request.SetRequestURI("http://api.test/x")
	req, resp := &rc.Request, &rc.Response
	var c *fasthttp.HostClient
	allocs := testing.AllocsPerRun(100, func() {
		if serverEnter(&rc) != nil {
			t.Fatal("a state while disabled")
		}
		if st, _ := doEnter(&c, &req, &resp); st != nil {
			t.Fatal("a client state while disabled")
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per request, want 0", allocs)
	}
}

// Under an unsampled parent the client still sends the trace context, with
// the sampled flag off, as net/http's client hook does (its span is not
// recorded, the downstream keeps the caller's decision).
func TestUnsampledCallsPropagateTheDecision(t *testing.T) {
	tel := setup(t)
	var got string
	c := serve(t, func(ctx *fasthttp.RequestCtx) { got = string(ctx.Request.Header.Peek("traceparent")) })
	tid, _ := trace.TraceIDFromHex("0af7651916cd43dd8448eb211c80319c")
	sid, _ := trace.SpanIDFromHex("b7ad6b7169203331")
	parent := trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, Remote: true}))
	scope := gls.Enter(parent)
	req := fasthttp.AcquireRequest()
	req.SetRequestURI("http://api.test:8080/")
	err := do(c, req, fasthttp.AcquireResponse())
	scope.Exit()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got, "00-"+tid.String()+"-") || !strings.HasSuffix(got, "-00") {
		t.Errorf("traceparent %q, want the caller's trace with the sampled flag off", got)
	}
	if n := len(byKind(tel.spans.Ended(), trace.SpanKindClient)); n != 0 {
		t.Errorf("%d client spans recorded under an unsampled parent", n)
	}
}
