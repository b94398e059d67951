// Package metrictest holds what the hook packages' unit tests share for metrics: a manual
// reader installed as the global meter provider for one test, and a histogram's points from it.
package metrictest

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// Record makes a meter provider with a manual reader the global one until the test ends.
func Record(t testing.TB) *sdkmetric.ManualReader {
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
