// Package spantest holds what the hook packages' unit tests share: a span recorder installed
// as the global tracer provider for one test, a manual metric reader installed the same way
// (and a histogram's points from it), W3C propagation for one test, and a recorded span's
// attributes by key (and the check of the ones a test expects).
package spantest

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// Record makes a span recorder the global tracer provider until the test ends.
func Record(t testing.TB) *tracetest.SpanRecorder {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)))
	t.Cleanup(func() { otel.SetTracerProvider(prev) })
	return rec
}

// Attrs is the span's attributes by key.
func Attrs(s sdktrace.ReadOnlySpan) map[string]attribute.Value {
	m := map[string]attribute.Value{}
	for _, kv := range s.Attributes() {
		m[string(kv.Key)] = kv.Value
	}
	return m
}

// WantAttrs reports every attribute of want that s does not have with that value.
func WantAttrs(t testing.TB, s sdktrace.ReadOnlySpan, want map[string]any) {
	t.Helper()
	a := Attrs(s)
	for k, v := range want {
		if a[k].AsInterface() != v {
			t.Errorf("%s = %v, want %v", k, a[k].AsInterface(), v)
		}
	}
}

// Propagate makes W3C trace context and baggage the global propagator until the test ends.
func Propagate(t testing.TB) {
	t.Helper()
	prev := otel.GetTextMapPropagator()
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	t.Cleanup(func() { otel.SetTextMapPropagator(prev) })
}

// Metrics makes a meter provider with a manual reader the global one until the test ends.
func Metrics(t testing.TB) *sdkmetric.ManualReader {
	t.Helper()
	reader := sdkmetric.NewManualReader()
	prev := otel.GetMeterProvider()
	otel.SetMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)))
	t.Cleanup(func() { otel.SetMeterProvider(prev) })
	return reader
}

// Histogram collects reader and returns the points of the histogram name that scope recorded;
// the test fails when there is none.
func Histogram(t testing.TB, reader *sdkmetric.ManualReader, scope, name string) []metricdata.HistogramDataPoint[float64] {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == name && sm.Scope.Name == scope {
				return m.Data.(metricdata.Histogram[float64]).DataPoints
			}
		}
	}
	t.Fatalf("no metric %s of %s", name, scope)
	return nil
}
