// Package dbpooltest reads the connection-pool metrics back in tests.
package dbpooltest

import (
	"context"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// Points collects reader and returns each pool metric's data point as
// "metric pool state" → value (a histogram's value is its count; state is
// empty for metrics without one).
func Points(t testing.TB, reader *sdkmetric.ManualReader) map[string]int64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, dp := range d.DataPoints {
					pool, _ := dp.Attributes.Value("db.client.connection.pool.name")
					state, _ := dp.Attributes.Value("db.client.connection.state")
					out[m.Name+" "+pool.AsString()+" "+state.AsString()] = dp.Value
				}
			case metricdata.Histogram[float64]:
				for _, dp := range d.DataPoints {
					pool, _ := dp.Attributes.Value("db.client.connection.pool.name")
					out[m.Name+" "+pool.AsString()+" "] = int64(dp.Count)
				}
			}
		}
	}
	return out
}
