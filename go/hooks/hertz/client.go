package hertz

import (
	"context"
	"time"

	"autotel.dev/go/api"
	"autotel.dev/go/internal/bytehttp"
	"autotel.dev/go/internal/semconv"
	"github.com/cloudwego/hertz/pkg/app/client"
	"github.com/cloudwego/hertz/pkg/protocol"
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
	resp     *protocol.Response // nil: the program wants no response
	injected bytehttp.Injected[*protocol.RequestHeader]
}

// doEnter is the enter hook of (*client.Client).Do(ctx, req, resp) error. It
// starts a CLIENT span, child of the span in ctx or else of the one current
// on the goroutine (api.Parent), hands the span's context to the rest of the
// call (the program's client middlewares), and injects the span's trace
// context into the request's headers, except the keys the program set itself.
func doEnter(_ **client.Client, ctx *context.Context, req **protocol.Request, resp **protocol.Response) (*clientState, bool) {
	defer api.Guard("hertz.doEnter")
	if !inst.Enabled() || *req == nil {
		return nil, false
	}
	r := *req
	facts, attrs := semconv.ReadClientRequest(string(r.Header.Method()), bytehttp.RequestURL(r.URI()))
	spanCtx, span := inst.Tracer().Start(api.Parent(*ctx), facts.SpanName(),
		trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attrs...))
	st := &clientState{span: span, ctx: spanCtx, start: time.Now(), facts: facts, resp: *resp}
	st.injected.H = &r.Header
	otel.GetTextMapPropagator().Inject(spanCtx, &st.injected)
	*ctx = spanCtx
	return st, false
}

// doExit is the exit hook of (*client.Client).Do: the injected headers are
// removed, the span ends with the response's status (none when the caller
// passed no response), and the duration is recorded.
func doExit(st *clientState, err *error) {
	defer api.Guard("hertz.doExit")
	if st == nil {
		return
	}
	elapsed := time.Since(st.start) // monotonic
	st.injected.Remove()
	var status int
	var protoVersion string
	if res := st.resp; *err == nil && res != nil {
		status = res.StatusCode()
		if major, minor := bytehttp.ProtocolVersion(res.Header.GetProtocol()); major > 0 {
			protoVersion = semconv.ProtocolVersion(major, minor)
		}
	}
	errorType := semconv.SetHTTPClientResult(st.span, *err, status, protoVersion)
	st.span.End()
	metrics.Get().Client.Record(st.ctx, semconv.Seconds(elapsed),
		metric.WithAttributeSet(st.facts.MetricAttributes(status, protoVersion, errorType)))
}
