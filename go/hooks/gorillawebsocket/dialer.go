package gorillawebsocket

import (
	"context"
	"net/http"
	"net/url"
	"time"
	"unsafe"

	"autotel.dev/go/api"
	"autotel.dev/go/internal/semconv"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

var metrics = api.NewInstruments(inst, func(m metric.Meter) metric.Float64Histogram {
	return semconv.NewHTTPClientDuration(m)
})

// dialState carries one handshake from dialEnter to dialExit.
type dialState struct {
	span  trace.Span
	ctx   context.Context // the span's context
	start time.Time
	facts semconv.HTTPClient
}

// dialEnter is the enter hook of (*Dialer).DialContext(ctx, urlStr string,
// requestHeader http.Header) (*Conn, *http.Response, error), which Dial calls
// with context.Background(). The Dialer writes its handshake request on a
// connection of its own, not through net/http's Transport, so this is the
// handshake's CLIENT span: child of the span in ctx, else of the goroutine's
// current span, named GET with the URL the handshake is sent to (ws becomes
// http and wss https on the wire, as the Dialer does). Its trace context goes
// into a copy of requestHeader: the caller's map is never written.
func dialEnter(_ unsafe.Pointer, ctx *context.Context, urlStr *string, requestHeader *http.Header) (*dialState, bool) {
	defer api.Guard("gorillawebsocket.dialEnter")
	if !inst.Enabled() {
		return nil, false
	}
	u, err := url.Parse(*urlStr)
	if err != nil {
		return nil, false // the Dialer reports it
	}
	switch u.Scheme {
	case "ws":
		u.Scheme = "http"
	case "wss":
		u.Scheme = "https"
	default:
		return nil, false // the Dialer refuses it
	}
	facts, attrs := semconv.ReadClientRequest(http.MethodGet, u)
	spanCtx, span := inst.Tracer().Start(api.Parent(*ctx), facts.SpanName(),
		trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attrs...))
	header := requestHeader.Clone()
	if header == nil {
		header = http.Header{}
	}
	otel.GetTextMapPropagator().Inject(spanCtx, propagation.HeaderCarrier(header))
	*requestHeader = header
	return &dialState{span: span, ctx: spanCtx, start: time.Now(), facts: facts}, false
}

// dialExit is the exit hook of (*Dialer).DialContext: the span ends with the
// handshake's answer, 101 for an upgraded connection; a refused handshake
// ("bad handshake") comes with the server's response, whose status is the
// span's.
func dialExit(st *dialState, _ *unsafe.Pointer, resp **http.Response, err *error) {
	defer api.Guard("gorillawebsocket.dialExit")
	if st == nil {
		return
	}
	elapsed := time.Since(st.start) // monotonic
	result := *err
	var status int
	var protoVersion string
	if res := *resp; res != nil {
		result = nil // the server answered: its status says how it went
		status = res.StatusCode
		protoVersion = semconv.ResponseProtocolVersion(res)
	}
	errorType := semconv.SetHTTPClientResult(st.span, result, status, protoVersion)
	st.span.End()
	metrics.Get().Record(st.ctx, semconv.Seconds(elapsed),
		st.facts.MetricOptions(status, protoVersion, errorType)...)
}
