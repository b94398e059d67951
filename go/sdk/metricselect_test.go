package sdk

// The selectors against the official OTLP/HTTP metric exporter's: for each
// value of the two variables, the same temporality and aggregation for every
// instrument kind, and a problem reported for the values it ignores.

import (
	"context"
	"os"
	"reflect"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

var instrumentKinds = []sdkmetric.InstrumentKind{
	sdkmetric.InstrumentKindCounter,
	sdkmetric.InstrumentKindUpDownCounter,
	sdkmetric.InstrumentKindHistogram,
	sdkmetric.InstrumentKindGauge,
	sdkmetric.InstrumentKindObservableCounter,
	sdkmetric.InstrumentKindObservableUpDownCounter,
	sdkmetric.InstrumentKindObservableGauge,
}

func TestMetricSelectorsAnswerAsTheOfficialExporter(t *testing.T) {
	const (
		temporalityKey = "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE"
		histogramKey   = "OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION"
	)
	cases := []struct {
		temporality, histogram string
		problems               []string // what each reported problem starts with
	}{
		{temporality: "", histogram: ""},
		{temporality: "cumulative", histogram: "explicit_bucket_histogram"},
		{temporality: "delta", histogram: "base2_exponential_bucket_histogram"},
		{temporality: " DELTA ", histogram: "Base2_Exponential_Bucket_Histogram"},
		{temporality: "lowmemory", histogram: " EXPLICIT_BUCKET_HISTOGRAM"},
		{temporality: "LowMemory", histogram: "base2_exponential_bucket_histogram "},
		{temporality: "Cumulative", histogram: "   "},
		{temporality: "low_memory", histogram: "exponential", problems: []string{temporalityKey + `: unsupported temporality preference "low_memory"`, histogramKey + `: unsupported histogram aggregation "exponential"`}},
		{temporality: "deltas", histogram: "", problems: []string{temporalityKey}},
		{temporality: "", histogram: "base2", problems: []string{histogramKey}},
	}
	ctx := context.Background()
	for _, tc := range cases {
		t.Setenv(temporalityKey, tc.temporality)
		t.Setenv(histogramKey, tc.histogram)
		official, err := otlpmetrichttp.New(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var c config
		ours := c.loadMetricSelectors(os.Getenv)
		for _, k := range instrumentKinds {
			if got, want := ours.Temporality(k), official.Temporality(k); got != want {
				t.Errorf("%q, %v: temporality %v, official %v", tc.temporality, k, got, want)
			}
			if got, want := ours.Aggregation(k), official.Aggregation(k); !reflect.DeepEqual(got, want) {
				t.Errorf("%q, %v: aggregation %#v, official %#v", tc.histogram, k, got, want)
			}
		}
		if len(c.problems) != len(tc.problems) {
			t.Errorf("%q, %q: problems %q, want %d", tc.temporality, tc.histogram, c.problems, len(tc.problems))
			continue
		}
		for i, p := range tc.problems {
			if !strings.HasPrefix(c.problems[i], p) {
				t.Errorf("problem %q, want it to start with %q", c.problems[i], p)
			}
		}
		if err := official.Shutdown(ctx); err != nil {
			t.Fatal(err)
		}
	}
}

func TestMetricSelectorsZeroValueIsTheDefault(t *testing.T) {
	var c config
	if got := c.loadMetricSelectors(func(string) string { return "" }); got != (metricSelectors{}) || len(c.problems) != 0 {
		t.Errorf("unset variables: %+v, problems %q", got, c.problems)
	}
	for _, k := range instrumentKinds {
		if got, want := (metricSelectors{}).Aggregation(k), sdkmetric.DefaultAggregationSelector(k); !reflect.DeepEqual(got, want) {
			t.Errorf("%v: %#v, want the SDK's default %#v", k, got, want)
		}
	}
}
