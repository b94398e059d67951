package fasthttp

import (
	"context"
	"time"
	"unsafe"

	"autotel.dev/go/api"
	"autotel.dev/go/internal/bytehttp"
	"autotel.dev/go/internal/httpframework"
	"autotel.dev/go/internal/semconv"
	"github.com/valyala/fasthttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace"
)

// serverState carries one request from serverEnter to serverExit. ctx must be
// its first field: the file added to fasthttp reads it through the state's
// pointer ((*RequestCtx).Value).
type serverState struct {
	ctx    context.Context // the span's context, with the request's *httpframework.Served
	active *api.Active     // the span, current on the handler's goroutine
	start  time.Time
	facts  semconv.HTTPServer
	served *httpframework.Served // http.route, set by a router's hook (fiber)
}

// serverEnter is called by fasthttp's server before the program's handler
// (rules/files/fasthttp_server.go, pulled by linkname). It returns the state
// serverExit gets, or nil when there is no span.
func serverEnter(rc *fasthttp.RequestCtx) (state unsafe.Pointer) {
	defer api.Guard("fasthttp.serverEnter")
	if !inst.Enabled() || rc == nil {
		return nil
	}
	h := bytehttp.Carrier[*fasthttp.RequestHeader]{H: &rc.Request.Header}
	ctx := otel.GetTextMapPropagator().Extract(context.Background(), h)
	facts, attrs := semconv.ReadServerRequest(serverRequest(rc, h))
	st := &serverState{start: time.Now(), facts: facts}
	opts := []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(attrs...)}
	if !trace.SpanContextFromContext(ctx).IsValid() {
		// No caller's trace: a new one, whatever is current on the
		// goroutine that runs the server.
		opts = append(opts, trace.WithNewRoot())
	}
	ctx, st.active = api.Begin(ctx, inst.Tracer(), facts.SpanName(""), opts...)
	st.ctx, st.served = httpframework.WithServed(ctx, st.active.Span())
	return unsafe.Pointer(st)
}

// serverRequest reads what the conventions need from the request, without
// parsing anything of it that fasthttp has not parsed yet (the URI, the
// query arguments): the request line's target is split here.
func serverRequest(rc *fasthttp.RequestCtx, h bytehttp.Carrier[*fasthttp.RequestHeader]) *semconv.HTTPServerRequest {
	major, minor := bytehttp.ProtocolVersion(string(rc.Request.Header.Protocol()))
	r := &semconv.HTTPServerRequest{
		Method:     string(rc.Request.Header.Method()),
		HasURL:     true,
		Host:       string(rc.Request.Header.Host()),
		UserAgent:  string(rc.Request.Header.UserAgent()),
		TLS:        rc.IsTLS(),
		ProtoMajor: major,
		ProtoMinor: minor,
		Header:     h,
	}
	if addr := rc.RemoteAddr(); addr != nil {
		r.RemoteAddr = addr.String()
	}
	r.Path, r.RawQuery = bytehttp.SplitTarget(string(rc.Request.Header.RequestURI()))
	return r
}

// serverExit is called by fasthttp's server when the handler has returned,
// or panics, with the status of the response it will send (0: unknown).
func serverExit(state unsafe.Pointer, status int) {
	defer api.Guard("fasthttp.serverExit")
	st := (*serverState)(state)
	if st == nil {
		return
	}
	elapsed := time.Since(st.start) // monotonic
	errorType := semconv.SetHTTPServerStatus(st.active.Span(), status)
	st.active.End() // and the goroutine's previous context is current again
	metrics.Get().Server.Record(st.ctx, semconv.Seconds(elapsed),
		st.facts.MetricOptions(status, st.served.Route(), errorType)...)
}
