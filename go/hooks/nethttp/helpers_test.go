package nethttp

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sort"
	"testing"

	"autotel.dev/go/api"
	"autotel.dev/go/internal/semconv"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// telemetry is what one test records.
type telemetry struct {
	spans  *tracetest.SpanRecorder
	reader *sdkmetric.ManualReader
}

// setup installs fresh global providers (the hooks follow the globals) and
// the W3C propagators, and restores the previous ones after the test.
func setup(t *testing.T) *telemetry {
	t.Helper()
	tel := &telemetry{spans: tracetest.NewSpanRecorder(), reader: sdkmetric.NewManualReader()}
	prevTP, prevMP, prevProp := otel.GetTracerProvider(), otel.GetMeterProvider(), otel.GetTextMapPropagator()
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(tel.spans)))
	otel.SetMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(tel.reader)))
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	t.Cleanup(func() {
		otel.SetTracerProvider(prevTP)
		otel.SetMeterProvider(prevMP)
		otel.SetTextMapPropagator(prevProp)
	})
	return tel
}

// ended returns the ended spans of the given kind.
func (tel *telemetry) ended(kind string) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, s := range tel.spans.Ended() {
		if s.SpanKind().String() == kind {
			out = append(out, s)
		}
	}
	return out
}

// histogram returns the data points of the named float64 histogram.
func (tel *telemetry) histogram(t *testing.T, name string) (metricdata.Metrics, []metricdata.HistogramDataPoint[float64]) {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := tel.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			if sm.Scope.Name != "autotel.dev/go/hooks/nethttp" || sm.Scope.Version != api.Version {
				t.Errorf("metric %s has scope %+v", name, sm.Scope)
			}
			h, ok := m.Data.(metricdata.Histogram[float64])
			if !ok {
				t.Fatalf("metric %s is %T, want a float64 histogram", name, m.Data)
			}
			return m, h.DataPoints
		}
	}
	t.Fatalf("no metric %s recorded", name)
	return metricdata.Metrics{}, nil
}

// attrs turns attributes into a map of their emitted values.
func attrs(kvs []attribute.KeyValue) map[string]string {
	m := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		m[string(kv.Key)] = kv.Value.Emit()
	}
	return m
}

// checkAttrs compares attributes exactly: every key in want with its value,
// "*" for any value, and no other key.
func checkAttrs(t *testing.T, what string, got []attribute.KeyValue, want map[string]string) {
	t.Helper()
	g := attrs(got)
	for k, v := range want {
		gv, ok := g[k]
		if !ok {
			t.Errorf("%s: attribute %s missing (want %q)", what, k, v)
		} else if v != "*" && gv != v {
			t.Errorf("%s: %s = %q, want %q", what, k, gv, v)
		}
	}
	var extra []string
	for k, v := range g {
		if _, ok := want[k]; !ok {
			extra = append(extra, k+"="+v)
		}
	}
	sort.Strings(extra)
	if len(extra) > 0 {
		t.Errorf("%s: unexpected attributes %q", what, extra)
	}
}

func checkBuckets(t *testing.T, name string, dp metricdata.HistogramDataPoint[float64]) {
	t.Helper()
	if len(dp.Bounds) != len(semconv.HTTPDurationBuckets) {
		t.Fatalf("%s bounds %v, want %v", name, dp.Bounds, semconv.HTTPDurationBuckets)
	}
	for i, b := range semconv.HTTPDurationBuckets {
		if dp.Bounds[i] != b {
			t.Fatalf("%s bounds %v, want %v", name, dp.Bounds, semconv.HTTPDurationBuckets)
		}
	}
	if dp.Sum < 0 {
		t.Errorf("%s: negative duration sum %v", name, dp.Sum)
	}
}

// disable turns the instrumentation off for one test.
func disable(t *testing.T) {
	t.Cleanup(api.ReloadEnvironment) // runs after Setenv's restore
	t.Setenv(api.EnvDisabledInstrumentations, "nethttp")
	api.ReloadEnvironment()
}

// withStatusAccessor registers an accessor for *statusRecorder, standing in
// for the ones that rules/files/nethttp_status*.go add to net/http.
func withStatusAccessor(t *testing.T) {
	t.Helper()
	saved := statusAccessors
	statusAccessors = nil
	registerStatusAccessor(func(w http.ResponseWriter) int {
		if r, ok := w.(*statusRecorder); ok {
			return r.status()
		}
		return 0
	})
	t.Cleanup(func() { statusAccessors = saved })
}

// withoutStatusAccessor runs a test as if the file rule were absent.
func withoutStatusAccessor(t *testing.T) {
	saved := statusAccessors
	statusAccessors = nil
	t.Cleanup(func() { statusAccessors = saved })
}

// statusRecorder remembers the status the handler wrote, as net/http's own
// response does.
type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (r *statusRecorder) status() int {
	if r.code == 0 {
		return http.StatusOK
	}
	return r.code
}

// newServer starts a real server whose requests go through the hooks the
// way a rewritten serverHandler.ServeHTTP runs them, around next.
func newServer(t *testing.T, next http.Handler) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rw := http.ResponseWriter(&statusRecorder{ResponseWriter: w})
		serveHTTP(rw, r, next)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// serveHTTP is serverHandler.ServeHTTP after rewriting.
func serveHTTP(rw http.ResponseWriter, req *http.Request, next http.Handler) {
	if __autotel_st, __autotel_skip := serverEnter(nil, &rw, &req); __autotel_st != nil {
		defer serverExit(__autotel_st)
		if __autotel_skip {
			return
		}
	} else if __autotel_skip {
		return
	}
	next.ServeHTTP(rw, req)
}

// mux is a ServeMux whose ServeHTTP runs the hooks the way a rewritten
// (*ServeMux).ServeHTTP does.
type mux struct{ *http.ServeMux }

func newMux() mux { return mux{http.NewServeMux()} }

func (m mux) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	sm := m.ServeMux
	if __autotel_st, __autotel_skip := muxEnter(&sm, &w, &r); __autotel_st != nil {
		defer muxExit(__autotel_st)
		if __autotel_skip {
			return
		}
	} else if __autotel_skip {
		return
	}
	sm.ServeHTTP(w, r)
}

// transport is an http.Transport whose RoundTrip runs the hooks the way a
// rewritten (*Transport).RoundTrip does.
type transport struct{ *http.Transport }

func (t transport) RoundTrip(req *http.Request) (__autotel_r0 *http.Response, __autotel_r1 error) {
	tr := t.Transport
	if __autotel_st, __autotel_skip := clientEnter(&tr, &req); __autotel_st != nil {
		defer clientExit(__autotel_st, &__autotel_r0, &__autotel_r1)
		if __autotel_skip {
			return
		}
	} else if __autotel_skip {
		return
	}
	return tr.RoundTrip(req)
}

func newClient(t *testing.T) *http.Client {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: transport{tr}}
}
