package sdk

// metricselect.go owns the OTLP metric exporter's answers to the SDK's two
// questions about an instrument kind, its temporality and its aggregation,
// read from OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE and
// OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION. The answers are
// the official OTLP metric exporters' for every value (metricselect_test.go
// compares them); a value they ignore with a warning is reported here as a
// configuration problem (config.go), and the default is used.

import (
	"strings"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// metricSelectors answers Temporality and Aggregation; its zero value is the
// default (cumulative, explicit bucket histograms).
type metricSelectors struct {
	temporality temporalityPreference
	// exponential: histograms are base2 exponential bucket histograms.
	exponential bool
}

// temporalityPreference is a value of
// OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE.
type temporalityPreference uint8

const (
	preferCumulative temporalityPreference = iota
	preferDelta
	preferLowMemory
)

// loadMetricSelectors reads the two variables as the official exporter does
// (trimmed, case-insensitive, empty is unset).
func (c *config) loadMetricSelectors(getenv func(string) string) metricSelectors {
	var s metricSelectors
	const temporalityKey = "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE"
	switch v := strings.TrimSpace(getenv(temporalityKey)); strings.ToLower(v) {
	case "", "cumulative":
	case "delta":
		s.temporality = preferDelta
	case "lowmemory":
		s.temporality = preferLowMemory
	default:
		c.problem("%s: unsupported temporality preference %q; using cumulative", temporalityKey, v)
	}
	const histogramKey = "OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION"
	switch v := strings.TrimSpace(getenv(histogramKey)); strings.ToLower(v) {
	case "", "explicit_bucket_histogram":
	case "base2_exponential_bucket_histogram":
		s.exponential = true
	default:
		c.problem("%s: unsupported histogram aggregation %q; using explicit_bucket_histogram", histogramKey, v)
	}
	return s
}

// Temporality is the temporality of k's metrics. Delta applies to counters
// and histograms, and with the delta preference to observable counters too;
// up-down counters and gauges stay cumulative (the specification's table).
func (s metricSelectors) Temporality(k sdkmetric.InstrumentKind) metricdata.Temporality {
	switch {
	case s.temporality == preferCumulative:
	case k == sdkmetric.InstrumentKindCounter, k == sdkmetric.InstrumentKindHistogram:
		return metricdata.DeltaTemporality
	case k == sdkmetric.InstrumentKindObservableCounter && s.temporality == preferDelta:
		return metricdata.DeltaTemporality
	}
	return metricdata.CumulativeTemporality
}

// Aggregation is the aggregation of k's metrics: the SDK's default, except
// for histograms when exponential ones are asked for (with the
// specification's defaults: 160 buckets, scale 20, min and max recorded).
func (s metricSelectors) Aggregation(k sdkmetric.InstrumentKind) sdkmetric.Aggregation {
	if s.exponential && k == sdkmetric.InstrumentKindHistogram {
		return sdkmetric.AggregationBase2ExponentialHistogram{MaxSize: 160, MaxScale: 20}
	}
	return sdkmetric.DefaultAggregationSelector(k)
}
