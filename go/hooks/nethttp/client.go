package nethttp

import (
	"context"
	"net/http"
	"time"

	"autotel.dev/go/api"
	"autotel.dev/go/internal/semconv"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace"
)

// clientState carries one round trip from clientEnter to clientExit.
type clientState struct {
	span  trace.Span
	ctx   context.Context // the span's context
	start time.Time
	facts semconv.HTTPClient
	orig  *http.Request // the caller's request
	clone *http.Request // what the transport sends, nil when not cloned
}

// clientEnter is the enter hook of (*net/http.Transport).RoundTrip(req
// *Request) (*Response, error). It starts a CLIENT span, child of the span in
// req's context (without one, of the span current on the goroutine: see
// api.Parent), and hands the transport a clone of the request that carries
// the span's context and the injected trace headers: a RoundTripper must not
// modify the caller's request. Requests of the SDK's own exporters are
// suppressed (api.Suppressed). A round trip under otelhttp's Transport (its
// CLIENT span in req's context) is the program's to trace: no second span,
// no metric, the headers otelhttp injected left as they are.
func clientEnter(_ **http.Transport, req **http.Request) (*clientState, bool) {
	defer api.Guard("nethttp.clientEnter")
	if !inst.Enabled() {
		return nil, false
	}
	r := *req
	if r == nil || r.URL == nil {
		return nil, false // the transport reports the error
	}
	parent := r.Context()
	if api.Suppressed(parent) || api.TracedByApp(parent, trace.SpanKindClient, "otelhttp") {
		return nil, false
	}
	// http.Get(url) and friends carry no span: the span current on the
	// goroutine is the parent. The client span is not made current: the
	// round trip runs no application code.
	parent = api.Parent(parent)
	facts, attrs := semconv.ReadHTTPClientRequest(r)
	st := &clientState{start: time.Now(), facts: facts, orig: r}
	ctx, span := inst.Tracer().Start(parent, facts.SpanName(),
		trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attrs...))
	st.span, st.ctx = span, ctx
	// A nil Header is an error the transport reports; a clone would hide it.
	if r.Header != nil {
		clone := r.WithContext(ctx)
		clone.Header = r.Header.Clone()
		otel.GetTextMapPropagator().Inject(ctx, api.Headers(clone.Header))
		st.clone = clone
		*req = clone
	}
	return st, false
}

// clientExit is the exit hook of (*Transport).RoundTrip. The span ends when
// the response headers are in (RoundTrip's return): wrapping the body to end
// it later would change the body's type, which callers may rely on.
func clientExit(st *clientState, resp **http.Response, err *error) {
	defer api.Guard("nethttp.clientExit")
	if st == nil {
		return
	}
	elapsed := time.Since(st.start) // monotonic
	var status int
	var protoVersion string
	if res := *resp; *err == nil && res != nil {
		if st.clone != nil && res.Request == st.clone {
			res.Request = st.orig // callers see the request they sent
		}
		status = res.StatusCode
		protoVersion = semconv.ResponseProtocolVersion(res)
	}
	errorType := semconv.SetHTTPClientResult(st.span, *err, status, protoVersion)
	st.span.End()

	metrics.Get().Client.Record(st.ctx, semconv.Seconds(elapsed),
		st.facts.MetricOptions(status, protoVersion, errorType)...)
}
