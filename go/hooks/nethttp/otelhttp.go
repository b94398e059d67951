package nethttp

// This file owns stepping aside for otelhttp's handler (design.md §1.9): a
// request served through otelhttp.NewHandler (or NewMiddleware) has one
// SERVER span, otelhttp's, as it has without autotel.

import (
	"net/http"
	"unsafe"

	"autotel.dev/go/api"
	"go.opentelemetry.io/otel/trace"
)

// otelhttpServeEnter is the enter hook of otelhttp's (*middleware).serveHTTP(w
// http.ResponseWriter, r *http.Request, next http.Handler), where otelhttp
// starts its SERVER span from r's headers and calls next with it. serverEnter
// has already started autotel's span for the request, which otelhttp would
// take as its parent. So otelhttp gets the request as net/http gave it, with
// no span in its context and no local parent (it continues the headers' trace
// or starts one, also through the otelsdk hook on the SDK's Start), and
// next is wrapped: when it runs under otelhttp's span, autotel's span is
// dropped (serverExit) and otelhttp's is current on the goroutine for the
// handler's context-less calls; when otelhttp's filters passed the request
// through without a span, the handler gets autotel's span back.
// The receiver is unexported, hence unsafe.Pointer; it is not used.
func otelhttpServeEnter(_ unsafe.Pointer, _ *http.ResponseWriter, req **http.Request, next *http.Handler) (*struct{}, bool) {
	defer api.Guard("nethttp.otelhttpServeEnter")
	r := *req
	if r == nil || *next == nil {
		return nil, false
	}
	st := serverStateOf(r)
	if st == nil || st.yielded || trace.SpanFromContext(r.Context()) != st.span {
		// Not inside autotel's SERVER span (a handler called directly, or a
		// second otelhttp layer): otelhttp behaves as it does alone.
		return nil, false
	}
	inner := *next
	*req = r.WithContext(api.WithoutLocalParent(r.Context()))
	*next = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !api.TracedByApp(r.Context(), trace.SpanKindServer, "otelhttp") {
			inner.ServeHTTP(w, r.WithContext(trace.ContextWithSpan(r.Context(), st.span)))
			return
		}
		st.yielded = true
		scope := api.MakeCurrent(r.Context())
		defer scope.Exit()
		inner.ServeHTTP(w, r)
	})
	return nil, false
}
