package nethttp

import (
	"net/http"
	"sync/atomic"
	"time"
	"unsafe"

	"autotel.dev/go/api"
	"autotel.dev/go/internal/httpframework"
	"autotel.dev/go/internal/semconv"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace"
)

// serverState carries one served request from serverEnter to serverExit, and
// to the mux hooks through the request's context.
type serverState struct {
	active *api.Active // the span, current on the handler's goroutine: &own or Begin's
	own    api.Active  // the span when the sampler drops it (api.BeginUnsampled)
	span   trace.Span
	start  time.Time
	facts  semconv.HTTPServer
	rw     http.ResponseWriter
	orig   *http.Request // the request serverHandler received
	req    *http.Request // orig with the span's context: what the handler gets
	// served keeps http.route, set by a ServeMux or a router hook; it is also
	// the request context's node with this state (httpframework.WithServedIn):
	// one allocation for the three.
	served httpframework.Served
	// yielded: otelhttp's handler made the request's SERVER span (otelhttp.go);
	// this one is dropped.
	yielded bool
	// finished: the span has ended, when the handler hijacked the connection
	// (hijack.go) or returned, whichever came first; the one who sets it ends
	// the span and records the metric.
	finished atomic.Bool
	// mux: the request the innermost ServeMux got (muxEnter), whose Pattern
	// names the route when the span ends at a hijack (muxRoute).
	mux atomic.Pointer[http.Request]
}

type serverStateKey struct{}

// serverStateOf returns the state of the server span that r belongs to, or nil.
func serverStateOf(r *http.Request) *serverState {
	st, _ := r.Context().Value(serverStateKey{}).(*serverState)
	return st
}

// serverEnter is the enter hook of net/http.serverHandler.ServeHTTP(rw
// ResponseWriter, req *Request), the one place every net/http server request
// passes. It continues the caller's trace (global propagator), starts the
// SERVER span, makes it current on the handler's goroutine (goroutine-local
// context, api.Begin) and hands the handler the request with the span's
// context.
// The receiver is unexported, hence unsafe.Pointer; it is not used.
func serverEnter(_ unsafe.Pointer, rw *http.ResponseWriter, req **http.Request) (*serverState, bool) {
	defer api.Guard("nethttp.serverEnter")
	if !inst.Enabled() {
		return nil, false
	}
	r := *req
	if r == nil {
		return nil, false
	}
	if api.HTTPClaimed(r.Header.Get("Content-Type")) {
		// Another instrumentation (grpc's Server.ServeHTTP) makes this
		// request's one SERVER span.
		return nil, false
	}
	ctx := otel.GetTextMapPropagator().Extract(r.Context(), api.Headers(r.Header))
	st := &serverState{start: time.Now(), rw: *rw, orig: r}
	// The span is current on the handler's goroutine (and the goroutines it
	// starts) until serverExit: calls made without ctx join its trace.
	if qctx, quiet := inst.BeginUnsampled(ctx, &st.own); quiet {
		// The sampler drops it: a span with ids and nothing else, no
		// attributes built (the metric needs the facts alone).
		ctx, st.active = qctx, &st.own
		st.facts = semconv.ReadHTTPServerFacts(r)
	} else {
		facts, attrs := semconv.ReadHTTPServerRequest(r)
		st.facts = facts
		opts := append(make([]trace.SpanStartOption, 0, 3), trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(attrs...))
		if !trace.SpanContextFromContext(ctx).IsValid() {
			// No caller's trace: a new one, whatever is current on the
			// goroutine that runs the server.
			opts = append(opts, trace.WithNewRoot())
		}
		ctx, st.active = api.Begin(ctx, inst.Tracer(), facts.SpanName(""), opts...)
	}
	st.span = st.active.Span()
	ctx = httpframework.WithServedIn(ctx, &st.served, st.span, serverStateKey{}, st)
	st.req = r.WithContext(ctx)
	*req = st.req
	linkResponse(*rw, st)
	return st, false
}

// serverExit is the exit hook of serverHandler.ServeHTTP. It runs when the
// handler has returned (or panics: then the status is what was written so far).
func serverExit(st *serverState) {
	defer api.Guard("nethttp.serverExit")
	if st == nil {
		return
	}
	if st.yielded {
		st.active.Leave() // no span, no metric: otelhttp records both
		return
	}

	// The handler may have parsed a multipart form on the request we gave it;
	// net/http removes the form's temporary files through its own request
	// after we return, so hand the form back.
	if st.orig.MultipartForm == nil && st.req.MultipartForm != nil {
		st.orig.MultipartForm = st.req.MultipartForm
	}

	st.finish(responseStatus(st.rw), true)
}

// finish ends the span with status (0: none known) and records the duration
// metric, once: the first caller (serverExit, or the hijack of the
// connection) does it. With leave, the span stops being current on the
// goroutine that began it (serverExit, on the handler's goroutine, when the
// handler has returned); a hijack ends the span but leaves it current, so the
// handler's work on the upgraded connection stays in the request's trace.
func (st *serverState) finish(status int, leave bool) {
	if !st.finished.CompareAndSwap(false, true) {
		if leave {
			st.active.Leave()
		}
		return
	}
	elapsed := time.Since(st.start) // monotonic
	if !leave {
		st.muxRoute() // the muxes have not exited yet
	}
	errorType := semconv.SetHTTPServerStatus(st.span, status)
	if leave {
		st.active.End() // and the goroutine's previous context is current again
	} else {
		st.span.End()
	}

	metrics.Get().Server.Record(st.req.Context(), semconv.Seconds(elapsed),
		st.facts.MetricOptions(status, st.served.Route(), errorType)...)
}
