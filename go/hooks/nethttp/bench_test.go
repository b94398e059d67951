package nethttp

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"autotel.dev/go/api"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// BenchmarkServerHooks compares a request through a ServeMux without hooks,
// with the hooks disabled, and with them enabled (sampled spans to a no-op
// exporter, metrics to a manual reader). Compare the ns/op and allocs/op of
// the three; the absolute numbers depend on the machine.
func BenchmarkServerHooks(b *testing.B) {
	prevTP, prevMP, prevProp := otel.GetTracerProvider(), otel.GetMeterProvider(), otel.GetTextMapPropagator()
	b.Cleanup(func() {
		otel.SetTracerProvider(prevTP)
		otel.SetMeterProvider(prevMP)
		otel.SetTextMapPropagator(prevProp)
	})
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithBatcher(tracetest.NewNoopExporter())))
	otel.SetMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader())))
	otel.SetTextMapPropagator(propagation.TraceContext{})

	m := newMux()
	m.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
	req := httptest.NewRequest("GET", "/items/1", nil).WithContext(context.Background())
	req.Header.Set("Traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	w := httptest.NewRecorder()

	b.Run("without hooks", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			m.ServeMux.ServeHTTP(w, req)
		}
	})
	b.Run("hooks disabled", func(b *testing.B) {
		disableB(b)
		b.ReportAllocs()
		for range b.N {
			serveHTTP(w, req, m)
		}
	})
	b.Run("hooks enabled", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			serveHTTP(w, req, m)
		}
	})
}

func disableB(b *testing.B) {
	b.Cleanup(api.ReloadEnvironment) // runs after Setenv's restore
	b.Setenv("OTEL_GO_DISABLED_INSTRUMENTATIONS", "nethttp")
	api.ReloadEnvironment()
}
