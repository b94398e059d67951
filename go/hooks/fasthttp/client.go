package fasthttp

import (
	"context"
	"time"

	"autotel.dev/go/api"
	"autotel.dev/go/internal/bytehttp"
	"autotel.dev/go/internal/semconv"
	"github.com/valyala/fasthttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// clientState carries one call from doEnter to doExit.
type clientState struct {
	span     trace.Span
	ctx      context.Context // the span's context
	start    time.Time
	facts    semconv.HTTPClient
	resp     *fasthttp.Response // nil: fasthttp uses one of its own
	injected bytehttp.Injected[*fasthttp.RequestHeader]
}

// doEnter is the enter hook of (*HostClient).Do(req *Request, resp *Response)
// error. It starts a CLIENT span, child of the span current on the goroutine
// (fasthttp's client takes no ctx: api.Parent), and injects the span's trace
// context into the request's headers, except the keys the program set itself.
func doEnter(_ **fasthttp.HostClient, req **fasthttp.Request, resp **fasthttp.Response) (*clientState, bool) {
	defer api.Guard("fasthttp.doEnter")
	if !inst.Enabled() || *req == nil {
		return nil, false // fasthttp reports a nil request itself
	}
	r := *req
	facts, attrs := semconv.ReadClientRequest(string(r.Header.Method()), bytehttp.RequestURL(r.URI()))
	ctx, span := inst.Tracer().Start(api.Parent(context.Background()), facts.SpanName(),
		trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attrs...))
	st := &clientState{span: span, ctx: ctx, start: time.Now(), facts: facts, resp: *resp}
	st.injected.H = &r.Header
	otel.GetTextMapPropagator().Inject(ctx, &st.injected)
	return st, false
}

// doExit is the exit hook of (*HostClient).Do: the injected headers are
// removed, the span ends with the response's status (none when the caller
// passed no response), and the duration is recorded.
func doExit(st *clientState, err *error) {
	defer api.Guard("fasthttp.doExit")
	if st == nil {
		return
	}
	elapsed := time.Since(st.start) // monotonic
	st.injected.Remove()
	var status int
	var protoVersion string
	if res := st.resp; *err == nil && res != nil {
		status = res.StatusCode()
		if major, minor := bytehttp.ProtocolVersion(string(res.Header.Protocol())); major > 0 {
			protoVersion = semconv.ProtocolVersion(major, minor)
		}
	}
	errorType := semconv.SetHTTPClientResult(st.span, *err, status, protoVersion)
	st.span.End()
	metrics.Get().Client.Record(st.ctx, semconv.Seconds(elapsed),
		metric.WithAttributeSet(st.facts.MetricAttributes(status, protoVersion, errorType)))
}
