package hertz

import (
	"context"
	"net"
	"testing"
	"time"

	"autotel.dev/go/api"
	"autotel.dev/go/gls"
	"autotel.dev/go/internal/metrictest"
	"autotel.dev/go/internal/spantest"
	"github.com/cloudwego/hertz/pkg/app"
	"github.com/cloudwego/hertz/pkg/app/client"
	"github.com/cloudwego/hertz/pkg/app/server"
	"github.com/cloudwego/hertz/pkg/common/config"
	"github.com/cloudwego/hertz/pkg/protocol"
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
	return metrictest.Histogram(t, tel.reader, "autotel.dev/go/hooks/hertz", name)
}

// newServer is server.New as an instrumented build runs it: newEnter first.
func newServer(opts ...config.Option) *server.Hertz {
	newEnter(&opts)
	return server.New(opts...)
}

// tracerOf returns the tracer newEnter gave the engine's options.
func tracerOf(t *testing.T, opts []config.Option) serverTracer {
	t.Helper()
	o := config.NewOptions(opts)
	for _, tr := range o.Tracers {
		if st, ok := tr.(serverTracer); ok {
			return st
		}
	}
	t.Fatalf("no autotel tracer in %v", o.Tracers)
	return serverTracer{}
}

// serve runs one request through the engine as hertz's server does in an
// instrumented build: the tracer's Start, the engine's ServeHTTP with
// serveEnter first, the tracer's Finish (twice, as hertz may).
func serve(t *testing.T, h *server.Hertz, method, target string, header map[string]string) *app.RequestContext {
	t.Helper()
	rc := h.Engine.NewContext()
	rc.Request.Header.SetMethod(method)
	rc.Request.Header.SetRequestURI(target)
	rc.Request.Header.SetHost("api.test:8080")
	rc.Request.Header.SetProtocol("HTTP/1.1")
	rc.Request.Header.Set("User-Agent", "hertz-test/1")
	for k, v := range header {
		rc.Request.Header.Set(k, v)
	}
	tr := serverTracer{}
	c := tr.Start(context.Background(), rc)
	e := h.Engine
	serveEnter(&e, &c, &rc)
	h.Engine.ServeHTTP(c, rc)
	tr.Finish(c, rc)
	tr.Finish(c, rc)
	return rc
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

func TestNewGetsTheTracerAfterTheProgramsOptions(t *testing.T) {
	setup(t)
	own := server.WithHostPorts("127.0.0.1:0")
	opts := []config.Option{own}
	given := opts
	newEnter(&opts)
	if len(given) != 1 || len(opts) != 2 {
		t.Fatalf("program's options %d, hook's %d", len(given), len(opts))
	}
	tracerOf(t, opts)
	if o := config.NewOptions(opts); o.Addr != "127.0.0.1:0" {
		t.Errorf("program's option lost: addr %q", o.Addr)
	}
}

func TestServerSpanContinuesTheCallerAndIsNamedByTheRoute(t *testing.T) {
	tel := setup(t)
	h := newServer()
	var inHandler, onGoroutine trace.SpanContext
	h.GET("/users/:id", func(c context.Context, ctx *app.RequestContext) {
		inHandler = trace.SpanContextFromContext(c)
		onGoroutine = trace.SpanContextFromContext(api.Current())
		ctx.String(200, "user "+ctx.Param("id"))
	})
	rc := serve(t, h, "GET", "/users/42?x=1", map[string]string{
		"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
	})
	if rc.Response.StatusCode() != 200 {
		t.Fatalf("status %d", rc.Response.StatusCode())
	}
	spans := byKind(tel.spans.Ended(), trace.SpanKindServer)
	if len(spans) != 1 {
		t.Fatalf("%d server spans", len(spans))
	}
	s := spans[0]
	if s.Name() != "GET /users/:id" || s.Parent().SpanID().String() != "b7ad6b7169203331" || s.SpanContext().TraceID().String() != "0af7651916cd43dd8448eb211c80319c" {
		t.Errorf("span %q parent %v", s.Name(), s.Parent())
	}
	if inHandler.SpanID() != s.SpanContext().SpanID() || onGoroutine.SpanID() != s.SpanContext().SpanID() {
		t.Errorf("handler's ctx %v, goroutine's %v, want the server span %v", inHandler.SpanID(), onGoroutine.SpanID(), s.SpanContext().SpanID())
	}
	if api.CurrentSpanContext().IsValid() {
		t.Error("the span is still current after Finish")
	}
	attrs := spantest.Attrs(s)
	for k, want := range map[string]string{
		"http.request.method": "GET", "url.path": "/users/42", "url.query": "x=1", "url.scheme": "http",
		"server.address": "api.test", "http.route": "/users/:id", "user_agent.original": "hertz-test/1",
		"network.protocol.version": "1.1",
	} {
		if got := attrs[k].Emit(); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if got := attrs["http.response.status_code"].AsInt64(); got != 200 {
		t.Errorf("status code %d", got)
	}
	if s.Status().Code != codes.Unset {
		t.Errorf("status %v", s.Status())
	}
	points := tel.points(t, "http.server.request.duration")
	if len(points) != 1 {
		t.Fatalf("%d points", len(points))
	}
	if route, _ := points[0].Attributes.Value("http.route"); route.AsString() != "/users/:id" {
		t.Errorf("metric's route %q", route.AsString())
	}
}

func TestServerErrorsAndUnroutedRequests(t *testing.T) {
	tel := setup(t)
	h := newServer()
	h.GET("/fail", func(c context.Context, ctx *app.RequestContext) { ctx.String(503, "down") })
	serve(t, h, "GET", "/fail", nil)
	serve(t, h, "GET", "/nowhere", nil)
	spans := byKind(tel.spans.Ended(), trace.SpanKindServer)
	if len(spans) != 2 {
		t.Fatalf("%d server spans", len(spans))
	}
	fail, nowhere := spans[0], spans[1]
	if fail.Name() != "GET /fail" || fail.Status().Code != codes.Error || spantest.Attrs(fail)["error.type"].AsString() != "503" {
		t.Errorf("%q %v %v", fail.Name(), fail.Status(), spantest.Attrs(fail))
	}
	if fail.Parent().IsValid() {
		t.Errorf("no caller's trace, yet a parent %v", fail.Parent())
	}
	if nowhere.Name() != "GET" || nowhere.Status().Code != codes.Unset || spantest.Attrs(nowhere)["http.response.status_code"].AsInt64() != 404 {
		t.Errorf("%q %v %v", nowhere.Name(), nowhere.Status(), spantest.Attrs(nowhere))
	}
	if _, has := spantest.Attrs(nowhere)["http.route"]; has {
		t.Error("an unrouted request has http.route")
	}
}

// An engine served without hertz's server (ut.PerformRequest, a context
// the tracer did not make) gets no span; a Finish without a span does nothing.
func TestNoStateNoSpan(t *testing.T) {
	tel := setup(t)
	h := newServer()
	h.GET("/", func(c context.Context, ctx *app.RequestContext) {})
	rc := h.Engine.NewContext()
	rc.Request.Header.SetMethod("GET")
	rc.Request.Header.SetRequestURI("/")
	c := context.Background()
	e := h.Engine
	serveEnter(&e, &c, &rc)
	h.Engine.ServeHTTP(c, rc)
	tr := serverTracer{}
	tr.Finish(tr.Start(context.Background(), rc), rc)
	if n := len(tel.spans.Ended()); n != 0 {
		t.Errorf("%d spans", n)
	}
}

// listen runs an uninstrumented hertz server with handler on loopback.
func listen(t *testing.T, handler app.HandlerFunc) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	h := server.New(server.WithHostPorts(addr))
	h.Any("/*path", handler)
	go h.Spin()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		h.Shutdown(ctx) //nolint:errcheck
	})
	for i := 0; i < 100; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	return addr
}

// do calls c.Do as an instrumented build does: doEnter, Do, doExit; the
// context the rest of the call gets is returned.
func do(ctx context.Context, c *client.Client, req *protocol.Request, resp *protocol.Response) error {
	st, _ := doEnter(&c, &ctx, &req, &resp)
	err := c.Do(ctx, req, resp)
	if st != nil {
		doExit(st, &err)
	}
	return err
}

func TestClientSpanInjectsAndRemovesTheTraceContext(t *testing.T) {
	tel := setup(t)
	var got string
	addr := listen(t, func(c context.Context, ctx *app.RequestContext) {
		got = string(ctx.Request.Header.Peek("traceparent"))
		ctx.String(201, "made")
	})
	c, err := client.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	var middleware trace.SpanContext
	c.Use(func(next client.Endpoint) client.Endpoint {
		return func(ctx context.Context, req *protocol.Request, resp *protocol.Response) error {
			middleware = trace.SpanContextFromContext(ctx)
			return next(ctx, req, resp)
		}
	})
	// The parent: the span current on the goroutine (no span in the ctx).
	parent, parentSpan := otel.Tracer("test").Start(context.Background(), "handler")
	scope := gls.Enter(parent)
	req, resp := protocol.AcquireRequest(), protocol.AcquireResponse()
	req.SetMethod("POST")
	req.SetRequestURI("http://" + addr + "/items?q=1")
	err = do(context.Background(), c, req, resp)
	scope.Exit()
	parentSpan.End()
	if err != nil {
		t.Fatal(err)
	}
	spans := byKind(tel.spans.Ended(), trace.SpanKindClient)
	if len(spans) != 1 {
		t.Fatalf("%d client spans", len(spans))
	}
	s := spans[0]
	if s.Name() != "POST" || s.Parent().SpanID() != parentSpan.SpanContext().SpanID() {
		t.Errorf("span %q parent %v", s.Name(), s.Parent())
	}
	want := "00-" + s.SpanContext().TraceID().String() + "-" + s.SpanContext().SpanID().String() + "-01"
	if got != want {
		t.Errorf("server got traceparent %q, want %q", got, want)
	}
	if middleware.SpanID() != s.SpanContext().SpanID() {
		t.Errorf("the program's middleware got %v, want the client span", middleware.SpanID())
	}
	if h := req.Header.Peek("traceparent"); len(h) != 0 {
		t.Errorf("traceparent %q left in the program's request", h)
	}
	attrs := spantest.Attrs(s)
	host, port, _ := net.SplitHostPort(addr)
	for k, want := range map[string]string{
		"http.request.method": "POST", "url.full": "http://" + addr + "/items?q=1", "server.address": host,
		"server.port": port, "network.protocol.version": "1.1", "http.response.status_code": "201",
	} {
		if got := attrs[k].Emit(); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if n := len(tel.points(t, "http.client.request.duration")); n != 1 {
		t.Errorf("%d client duration points", n)
	}
}

func TestClientKeepsTheProgramsTraceparentAndRecordsErrors(t *testing.T) {
	tel := setup(t)
	var got string
	addr := listen(t, func(c context.Context, ctx *app.RequestContext) {
		got = string(ctx.Request.Header.Peek("traceparent"))
		ctx.String(500, "broken")
	})
	c, _ := client.NewClient()
	own := "00-11111111111111111111111111111111-2222222222222222-01"
	req, resp := protocol.AcquireRequest(), protocol.AcquireResponse()
	req.SetRequestURI("http://" + addr + "/")
	req.Header.Set("traceparent", own)
	if err := do(context.Background(), c, req, resp); err != nil {
		t.Fatal(err)
	}
	if got != own || string(req.Header.Peek("traceparent")) != own {
		t.Errorf("sent %q, left %q, want the program's %q", got, req.Header.Peek("traceparent"), own)
	}
	s := byKind(tel.spans.Ended(), trace.SpanKindClient)[0]
	if s.Status().Code != codes.Error || spantest.Attrs(s)["error.type"].AsString() != "500" {
		t.Errorf("status %v attrs %v", s.Status(), spantest.Attrs(s))
	}
	req.SetRequestURI("http://127.0.0.1:1/")
	req.Header.Del("traceparent")
	if err := do(context.Background(), c, req, resp); err == nil {
		t.Fatal("Do succeeded")
	}
	s = byKind(tel.spans.Ended(), trace.SpanKindClient)[1]
	if s.Status().Code != codes.Error || spantest.Attrs(s)["error.type"].AsString() == "" {
		t.Errorf("status %v attrs %v", s.Status(), spantest.Attrs(s))
	}
}

func TestDisabledMakesNoSpanAndNoHeader(t *testing.T) {
	tel := setup(t)
	setEnv(t, "OTEL_GO_DISABLED_INSTRUMENTATIONS", "hertz")
	h := newServer()
	h.GET("/", func(c context.Context, ctx *app.RequestContext) {})
	serve(t, h, "GET", "/", nil)
	var got string
	addr := listen(t, func(c context.Context, ctx *app.RequestContext) { got = string(ctx.Request.Header.Peek("traceparent")) })
	c, _ := client.NewClient()
	req := protocol.AcquireRequest()
	req.SetRequestURI("http://" + addr + "/")
	if err := do(context.Background(), c, req, protocol.AcquireResponse()); err != nil {
		t.Fatal(err)
	}
	if n := len(tel.spans.Ended()); n != 0 || got != "" {
		t.Errorf("%d spans, traceparent %q", n, got)
	}
}

// setEnv sets an environment variable for the test and makes the hooks read
// it, and read the environment again once the test has restored it.
func setEnv(t *testing.T, key, value string) {
	t.Helper()
	t.Cleanup(api.ReloadEnvironment)
	t.Setenv(key, value)
	api.ReloadEnvironment()
}
