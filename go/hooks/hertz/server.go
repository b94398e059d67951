package hertz

import (
	"context"
	"time"

	"autotel.dev/go/api"
	"autotel.dev/go/internal/bytehttp"
	"autotel.dev/go/internal/httpframework"
	"autotel.dev/go/internal/semconv"
	"github.com/cloudwego/hertz/pkg/app"
	"github.com/cloudwego/hertz/pkg/app/server"
	"github.com/cloudwego/hertz/pkg/common/config"
	"github.com/cloudwego/hertz/pkg/protocol"
	"github.com/cloudwego/hertz/pkg/route"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace"
)

// newEnter is the enter hook of server.New(opts ...config.Option): the
// server gets autotel's tracer after the program's options (a copy: the
// program's slice is not written).
func newEnter(opts *[]config.Option) (*struct{}, bool) {
	defer api.Guard("hertz.newEnter")
	with := make([]config.Option, len(*opts), len(*opts)+1)
	copy(with, *opts)
	*opts = append(with, server.WithTracer(serverTracer{}))
	return nil, false
}

// serverTracer is autotel's hertz tracer (tracer.Tracer).
type serverTracer struct{}

// serverState carries one request from the tracer's Start, through
// serveEnter, to its Finish.
type serverState struct {
	start  time.Time
	ctx    context.Context // the span's context, with the request's *httpframework.Served
	active *api.Active     // the span, current on the handler's goroutine; nil: none (yet, or any more)
	facts  semconv.HTTPServer
	served *httpframework.Served
	method string
}

type stateKey struct{}

// stateOf returns the request's state in ctx, or nil.
func stateOf(ctx context.Context) *serverState {
	if ctx == nil {
		return nil
	}
	st, _ := ctx.Value(stateKey{}).(*serverState)
	return st
}

// Start is called by hertz's server before it reads a request: the headers
// are not known yet, so it only keeps the start time, in the context hertz
// then hands to the engine (serveEnter) and to Finish.
func (serverTracer) Start(ctx context.Context, _ *app.RequestContext) context.Context {
	defer api.Guard("hertz.Start")
	if !inst.Enabled() {
		return ctx
	}
	return context.WithValue(ctx, stateKey{}, &serverState{start: time.Now()})
}

// serveEnter is the enter hook of (*route.Engine).ServeHTTP(c, ctx), called
// by hertz's server when the request's headers and body are read: the SERVER
// span starts (at the time Start saw), current on this goroutine, and the
// handlers get its context. It does nothing for a context Start did not make.
func serveEnter(_ **route.Engine, c *context.Context, rc **app.RequestContext) (*struct{}, bool) {
	defer api.Guard("hertz.serveEnter")
	st := stateOf(*c)
	if st == nil || st.active != nil || *rc == nil {
		return nil, false
	}
	r := *rc
	h := bytehttp.Carrier[*protocol.RequestHeader]{H: &r.Request.Header}
	ctx := otel.GetTextMapPropagator().Extract(*c, h)
	facts, attrs := semconv.ReadServerRequest(serverRequest(r, h))
	opts := []trace.SpanStartOption{
		trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(attrs...),
		trace.WithTimestamp(st.start),
	}
	if !trace.SpanContextFromContext(ctx).IsValid() {
		// No caller's trace: a new one, whatever is current on the
		// goroutine that runs the server.
		opts = append(opts, trace.WithNewRoot())
	}
	st.facts, st.method = facts, string(r.Request.Header.Method())
	ctx, st.active = api.Begin(ctx, inst.Tracer(), facts.SpanName(""), opts...)
	st.ctx, st.served = httpframework.WithServed(ctx, st.active.Span())
	*c = st.ctx
	return nil, false
}

// serverRequest reads what the conventions need from the request.
func serverRequest(rc *app.RequestContext, h bytehttp.Carrier[*protocol.RequestHeader]) *semconv.HTTPServerRequest {
	header := &rc.Request.Header
	major, minor := bytehttp.ProtocolVersion(header.GetProtocol())
	r := &semconv.HTTPServerRequest{
		Method:     string(header.Method()),
		HasURL:     true,
		Host:       string(header.Host()),
		UserAgent:  string(header.UserAgent()),
		TLS:        string(rc.Request.URI().Scheme()) == "https", // the engine parses the URI first thing too
		ProtoMajor: major,
		ProtoMinor: minor,
		Header:     h,
	}
	if addr := rc.RemoteAddr(); addr != nil {
		r.RemoteAddr = addr.String()
	}
	r.Path, r.RawQuery = bytehttp.SplitTarget(string(header.RequestURI()))
	return r
}

// Finish is called by hertz's server when the response is written (or the
// connection failed): the span gets the matched route and the status, ends,
// and the duration is recorded. hertz may call it twice for one request (a
// keep-alive connection's last request, again when the connection closes):
// the second call does nothing.
func (serverTracer) Finish(ctx context.Context, c *app.RequestContext) {
	defer api.Guard("hertz.Finish")
	st := stateOf(ctx)
	if st == nil || st.active == nil || c == nil {
		return
	}
	active := st.active
	st.active = nil
	elapsed := time.Since(st.start) // monotonic
	httpframework.SetRoute(st.ctx, st.method, c.FullPath())
	status := c.Response.StatusCode()
	errorType := semconv.SetHTTPServerStatus(active.Span(), status)
	active.End() // and the goroutine's previous context is current again
	metrics.Get().Server.Record(st.ctx, semconv.Seconds(elapsed),
		st.facts.MetricOptions(status, st.served.Route(), errorType)...)
}
