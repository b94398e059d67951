package nethttp

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"autotel.dev/go/api"
	"autotel.dev/go/gls"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// unsampled installs, over setup's providers, a tracer provider whose sampler drops every span
// (name: an OTEL_TRACES_SAMPLER value), registered as the runtime's (api.SetSampler); its spans
// still go to tel.spans when recorded.
func unsampled(t *testing.T, tel *telemetry, name string, sampler sdktrace.Sampler) {
	t.Helper()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(tel.spans), sdktrace.WithSampler(sampler))
	otel.SetTracerProvider(tp) // setup's cleanup restores the previous one
	api.SetSampler(tp, name)
	t.Cleanup(func() { api.SetSampler(nil, "") })
}

// TestUnsampledRequestStillPropagatesAndMeasures: under always_off a request without trace
// context gets a span with ids of its own (a new trace, flags 00) that the handler sees, that is
// current on its goroutine and that its outgoing requests carry downstream (traceparent with
// flags 00), with or without ctx; under parentbased_always_on a caller's not-sampled trace is
// continued the same way. Nothing is recorded but the duration metric, once per request, with
// the same attributes as when sampled (http.route too).
func TestUnsampledRequestStillPropagatesAndMeasures(t *testing.T) {
	defer gls.InstallFakeForTests()()
	for _, tt := range []struct {
		sampler string
		sdk     sdktrace.Sampler
		header  string // incoming traceparent, "" for none
	}{
		{"always_off", sdktrace.NeverSample(), ""},
		{"always_off", sdktrace.NeverSample(), "00-" + remoteTraceID + "-" + remoteSpanID + "-01"},
		{"parentbased_always_on", sdktrace.ParentBased(sdktrace.AlwaysSample()), "00-" + remoteTraceID + "-" + remoteSpanID + "-00"},
	} {
		t.Run(tt.sampler+" "+tt.header, func(t *testing.T) {
			tel := setup(t)
			withStatusAccessor(t)
			unsampled(t, tel, tt.sampler, tt.sdk)
			leaf := newEchoServer(t, http.StatusOK)

			var inHandler, current trace.SpanContext
			m := newMux()
			m.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) {
				inHandler = trace.SpanContextFromContext(r.Context())
				current = api.CurrentSpanContext()
				for _, ctx := range []context.Context{r.Context(), context.Background()} {
					req, _ := http.NewRequestWithContext(ctx, "GET", leaf.URL, nil)
					resp, err := transport{&http.Transport{}}.RoundTrip(req)
					if err != nil {
						t.Error(err)
						return
					}
					resp.Body.Close()
				}
				io.WriteString(w, "ok")
			})
			srv := newServer(t, m)
			for range 2 {
				h := http.Header{}
				if tt.header != "" {
					h.Set("Traceparent", tt.header)
				}
				get(t, "GET", srv.URL+"/items/7", h)
				checkUnsampledRequest(t, tt.header, inHandler, current, leaf)
			}
			if ended := tel.spans.Ended(); len(ended) != 0 {
				t.Errorf("%d spans recorded, want none", len(ended))
			}
			_, points := tel.histogram(t, "http.server.request.duration")
			if len(points) != 1 || points[0].Count != 2 {
				t.Fatalf("duration points %+v, want one with both requests", points)
			}
			checkAttrs(t, "metric", points[0].Attributes.ToSlice(), map[string]string{
				"http.request.method": "GET", "url.scheme": "http", "http.response.status_code": "200",
				"network.protocol.version": "1.1", "http.route": "/items/{id}",
			})
			if api.CurrentSpanContext().IsValid() {
				t.Error("a span is current on the test goroutine")
			}
		})
	}
}

// checkUnsampledRequest checks what one request's handler saw (its span context, the one current
// on its goroutine) and the traceparents of its two calls to leaf.
func checkUnsampledRequest(t *testing.T, header string, inHandler, current trace.SpanContext, leaf *echoServer) {
	t.Helper()
	if !inHandler.IsValid() || inHandler.IsSampled() || inHandler.IsRemote() {
		t.Fatalf("the handler's span context %+v, want valid, local, not sampled", inHandler)
	}
	if header == "" && inHandler.TraceID().String() == remoteTraceID {
		t.Errorf("a root got the remote trace id")
	}
	if header != "" && (inHandler.TraceID().String() != remoteTraceID || inHandler.SpanID().String() == remoteSpanID) {
		t.Errorf("the handler's span context %+v, want trace %s with a span id of its own", inHandler, remoteTraceID)
	}
	if !current.Equal(inHandler) {
		t.Errorf("current on the handler's goroutine %+v, want the request's %+v", current, inHandler)
	}
	for range 2 {
		tp := (<-leaf.headers).Get("Traceparent")
		if want := "00-" + inHandler.TraceID().String() + "-"; len(tp) != 55 || tp[:36] != want || tp[53:] != "00" {
			t.Errorf("downstream traceparent %q, want %s…-00", tp, want)
		}
	}
}

// TestUnsampledRequestAllocations: what the server and mux hooks add to a request that the
// sampler drops: the hook's state (span, scope, route and context node in one), the span's
// context value, and the request with that context (http.Request.WithContext).
func TestUnsampledRequestAllocations(t *testing.T) {
	tel := setup(t)
	unsampled(t, tel, "always_off", sdktrace.NeverSample())
	m := newMux()
	m.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
	req := httptest.NewRequest("GET", "/items/1", nil).WithContext(context.Background())
	w := httptest.NewRecorder()
	serveHTTP(w, req, m) // the metric's first set is made once
	plain := testing.AllocsPerRun(200, func() { m.ServeMux.ServeHTTP(w, req) })
	hooked := testing.AllocsPerRun(200, func() { serveHTTP(w, req, m) })
	if extra := hooked - plain; extra != 3 {
		t.Errorf("the hooks add %.1f allocations to an unsampled request (%.1f with, %.1f without), want 3", extra, hooked, plain)
	}
	_, points := tel.histogram(t, "http.server.request.duration")
	if len(points) != 1 || points[0].Count != 202 {
		t.Errorf("duration points %+v, want one with 202 requests", points)
	}
}
