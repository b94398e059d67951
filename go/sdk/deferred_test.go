package sdk

import (
	"context"
	"os"
	"reflect"
	"testing"

	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

// The deferred OTLP/gRPC metric exporter answers temporality and aggregation
// as the exporter it stands for, under every preference the environment sets.
func TestDeferredMetricExporterSelectsAsOTLPGRPC(t *testing.T) {
	kinds := []sdkmetric.InstrumentKind{
		sdkmetric.InstrumentKindCounter, sdkmetric.InstrumentKindUpDownCounter, sdkmetric.InstrumentKindHistogram,
		sdkmetric.InstrumentKindGauge, sdkmetric.InstrumentKindObservableCounter,
		sdkmetric.InstrumentKindObservableUpDownCounter, sdkmetric.InstrumentKindObservableGauge,
	}
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
	for _, temporality := range []string{"", "cumulative", "delta", "lowmemory"} {
		for _, histogram := range []string{"", "explicit_bucket_histogram", "base2_exponential_bucket_histogram"} {
			t.Setenv("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", temporality)
			t.Setenv("OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION", histogram)
			cfg := loadConfig(os.Getenv)
			deferred, err := newMetricExporter(context.Background(), exporterOTLP, cfg.metrics, nil, false)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := deferred.(*deferredMetricExporter); !ok {
				t.Fatalf("the OTLP/gRPC metric exporter is a %T, not deferred", deferred)
			}
			real, err := otlpmetricgrpc.New(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range kinds {
				if got, want := deferred.Temporality(k), real.Temporality(k); got != want {
					t.Errorf("preference %q, %s: temporality %v, want %v", temporality, k, got, want)
				}
				if got, want := deferred.Aggregation(k), real.Aggregation(k); !reflect.DeepEqual(got, want) {
					t.Errorf("histograms %q, %s: aggregation %#v, want %#v", histogram, k, got, want)
				}
			}
			real.Shutdown(context.Background())
			deferred.Shutdown(context.Background())
		}
	}
}
