package sdk

// The metric exporter's encoding against the official one: the same
// ResourceMetrics goes through otlpmetrichttp.Exporter, whose request body
// an HTTP server captures, and through appendMetricsRequest; both must
// decode to equal ExportMetricsServiceRequests.

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	otelmetric "go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/exemplar"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"
	"go.opentelemetry.io/otel/trace"
	collectorpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	"google.golang.org/protobuf/proto"
)

// bodyCapture is an OTLP/HTTP receiver that keeps each request's body.
type bodyCapture struct {
	mu     sync.Mutex
	bodies [][]byte
}

func (c *bodyCapture) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		z, err := gzip.NewReader(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		body = z
	}
	b, err := io.ReadAll(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	c.mu.Lock()
	c.bodies = append(c.bodies, b)
	c.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-protobuf")
}

// officialRequest is the request the official OTLP/HTTP exporter sends for
// rm, and the error its Export returns.
func officialRequest(t *testing.T, rm *metricdata.ResourceMetrics) (*collectorpb.ExportMetricsServiceRequest, error) {
	t.Helper()
	capture := &bodyCapture{}
	srv := httptest.NewServer(capture)
	defer srv.Close()
	ctx := context.Background()
	exp, err := otlpmetrichttp.New(ctx, otlpmetrichttp.WithEndpointURL(srv.URL+"/v1/metrics"))
	if err != nil {
		t.Fatal(err)
	}
	exportErr := exp.Export(ctx, rm)
	if err := exp.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if len(capture.bodies) != 1 {
		t.Fatalf("the official exporter sent %d requests (export error %v), want 1", len(capture.bodies), exportErr)
	}
	return decodeMetricsRequest(t, capture.bodies[0]), exportErr
}

func decodeMetricsRequest(t *testing.T, b []byte) *collectorpb.ExportMetricsServiceRequest {
	t.Helper()
	req := &collectorpb.ExportMetricsServiceRequest{}
	if err := proto.Unmarshal(b, req); err != nil {
		t.Fatalf("decoding an ExportMetricsServiceRequest: %v", err)
	}
	return req
}

var (
	metricStart = time.Unix(1700000000, 123456789)
	metricNow   = metricStart.Add(90 * time.Second)
	longValue   = strings.Repeat("v", 300) // lengths of two varint bytes, messages moved up
	spanID      = []byte{1, 2, 3, 4, 5, 6, 7, 8}
	traceID     = []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
)

func attrs(kvs ...attribute.KeyValue) attribute.Set { return attribute.NewSet(kvs...) }

// everyAggregation is one metric of each aggregation and number type, with
// every field metricdata carries set (and, in other points, left zero).
// Some attributes are slices unless scalarOnly.
func everyAggregation(scalarOnly bool) []metricdata.Metrics {
	route := attrs(attribute.String("http.route", "/items/{id}"), attribute.Int("http.response.status_code", 200))
	other := attrs(attribute.String("http.route", "/"), attribute.StringSlice("tags", []string{"a", "", longValue}),
		attribute.Float64("ratio", 0.5), attribute.Bool("flag", false), attribute.IntSlice("ints", []int{0, -1, 1 << 40}))
	if scalarOnly {
		other = attrs(attribute.String("http.route", "/"), attribute.String("long", longValue),
			attribute.Float64("ratio", 0.5), attribute.Bool("flag", false), attribute.Int("int", -1))
	}
	intExemplars := []metricdata.Exemplar[int64]{
		{FilteredAttributes: []attribute.KeyValue{attribute.String("user", "u1"), attribute.Int("n", -3)}, Time: metricNow, Value: 42, SpanID: spanID, TraceID: traceID},
		{Value: 0}, // zero value, time, no ids
		{Time: metricStart, Value: -7, SpanID: []byte{}}, // an empty id
	}
	floatExemplars := []metricdata.Exemplar[float64]{
		{FilteredAttributes: []attribute.KeyValue{attribute.Float64("f", 1.5)}, Time: metricNow, Value: 2.25, SpanID: spanID, TraceID: traceID},
		{Value: 0},
		{Value: -0.125},
	}
	return []metricdata.Metrics{
		{Name: "gauge.int", Description: "an int gauge", Unit: "1", Data: metricdata.Gauge[int64]{DataPoints: []metricdata.DataPoint[int64]{
			{Attributes: route, StartTime: metricStart, Time: metricNow, Value: 7, Exemplars: intExemplars},
			{Attributes: other, Time: metricNow, Value: 0},
			{Value: -9},
		}}},
		{Name: "gauge.float", Data: metricdata.Gauge[float64]{DataPoints: []metricdata.DataPoint[float64]{
			{Attributes: route, StartTime: metricStart, Time: metricNow, Value: 3.5, Exemplars: floatExemplars},
			{Value: 0},
		}}},
		{Name: "sum.int.delta.monotonic", Unit: "{request}", Data: metricdata.Sum[int64]{
			Temporality: metricdata.DeltaTemporality, IsMonotonic: true,
			DataPoints: []metricdata.DataPoint[int64]{{Attributes: route, StartTime: metricStart, Time: metricNow, Value: 1 << 50, Exemplars: intExemplars}},
		}},
		{Name: "sum.float.cumulative", Description: longValue, Unit: "s", Data: metricdata.Sum[float64]{
			Temporality: metricdata.CumulativeTemporality,
			DataPoints:  []metricdata.DataPoint[float64]{{Attributes: other, StartTime: metricStart, Time: metricNow, Value: -1.75}, {}},
		}},
		{Name: "sum.empty", Data: metricdata.Sum[int64]{Temporality: metricdata.CumulativeTemporality, IsMonotonic: true}},
		{Name: "histogram.int", Unit: "By", Data: metricdata.Histogram[int64]{
			Temporality: metricdata.DeltaTemporality,
			DataPoints: []metricdata.HistogramDataPoint[int64]{
				{
					Attributes: route, StartTime: metricStart, Time: metricNow, Count: 6,
					Bounds: []float64{0, 5, 10, 1e9}, BucketCounts: []uint64{1, 0, 3, 2, 0},
					Min: metricdata.NewExtrema[int64](-2), Max: metricdata.NewExtrema[int64](1 << 40), Sum: 1234,
					Exemplars: intExemplars,
				},
				{Attributes: other, Count: 0, BucketCounts: []uint64{0}, Min: metricdata.NewExtrema[int64](0)}, // zero sum and min, no max
			},
		}},
		{Name: "histogram.float", Data: metricdata.Histogram[float64]{
			Temporality: metricdata.CumulativeTemporality,
			DataPoints: []metricdata.HistogramDataPoint[float64]{
				{
					Attributes: route, StartTime: metricStart, Time: metricNow, Count: 1 << 40,
					Bounds: []float64{-1.5, 0.25}, BucketCounts: []uint64{1 << 39, 1 << 38, 1 << 38},
					Max: metricdata.NewExtrema(9.75), Sum: -0.5, Exemplars: floatExemplars,
				},
			},
		}},
		{Name: "exponential.int", Description: "d", Data: metricdata.ExponentialHistogram[int64]{
			Temporality: metricdata.DeltaTemporality,
			DataPoints: []metricdata.ExponentialHistogramDataPoint[int64]{
				{
					Attributes: route, StartTime: metricStart, Time: metricNow, Count: 13,
					Min: metricdata.NewExtrema[int64](-100), Max: metricdata.NewExtrema[int64](300), Sum: 777,
					Scale: -3, ZeroCount: 2, ZeroThreshold: 0.001,
					PositiveBucket: metricdata.ExponentialBucket{Offset: -5, Counts: []uint64{1, 0, 300, 4}},
					NegativeBucket: metricdata.ExponentialBucket{Offset: 17, Counts: []uint64{5}},
					Exemplars:      intExemplars,
				},
				{Attributes: other}, // scale 0, empty buckets, no min/max
			},
		}},
		{Name: "exponential.float", Unit: "ms", Data: metricdata.ExponentialHistogram[float64]{
			Temporality: metricdata.CumulativeTemporality,
			DataPoints: []metricdata.ExponentialHistogramDataPoint[float64]{
				{
					StartTime: metricStart, Time: metricNow, Count: 3, Sum: 1.5,
					Min: metricdata.NewExtrema(0.0), Max: metricdata.NewExtrema(1.25),
					Scale: 20, PositiveBucket: metricdata.ExponentialBucket{Offset: 1 << 20, Counts: []uint64{1, 1 << 35}},
					Exemplars: floatExemplars,
				},
			},
		}},
		{Name: "summary", Description: "a summary", Unit: "s", Data: metricdata.Summary{DataPoints: []metricdata.SummaryDataPoint{
			{
				Attributes: route, StartTime: metricStart, Time: metricNow, Count: 10, Sum: 12.5,
				QuantileValues: []metricdata.QuantileValue{{Quantile: 0, Value: 0.1}, {Quantile: 0.5, Value: 1}, {Quantile: 1, Value: 0}},
			},
			{},
		}}},
		{Name: "summary.empty", Data: metricdata.Summary{}},
	}
}

// manyPoints is one sum with n data points, each with attributes.
func manyPoints(n int) metricdata.Metrics {
	points := make([]metricdata.DataPoint[int64], n)
	for i := range points {
		points[i] = metricdata.DataPoint[int64]{
			Attributes: attrs(attribute.Int("i", i), attribute.String("route", "/items/{id}")),
			StartTime:  metricStart, Time: metricNow, Value: int64(i * 1000),
		}
	}
	return metricdata.Metrics{Name: "many", Data: metricdata.Sum[int64]{Temporality: metricdata.CumulativeTemporality, IsMonotonic: true, DataPoints: points}}
}

func metricCases() []struct {
	name    string
	rm      metricdata.ResourceMetrics
	invalid int // metrics left out, each named in the error
} {
	service := resource.NewWithAttributes("https://opentelemetry.io/schemas/1.26.0",
		attribute.String("service.name", "checkout"), attribute.Int("process.pid", 4242), attribute.String("long", longValue))
	scoped := instrumentation.Scope{
		Name: "autotel/nethttp", Version: "1.2.3", SchemaURL: "https://opentelemetry.io/schemas/1.26.0",
		Attributes: attrs(attribute.Bool("scope.flag", true)),
	}
	return []struct {
		name    string
		rm      metricdata.ResourceMetrics
		invalid int
	}{
		{name: "every aggregation", rm: metricdata.ResourceMetrics{Resource: service, ScopeMetrics: []metricdata.ScopeMetrics{
			{Scope: scoped, Metrics: everyAggregation(false)},
			{Scope: instrumentation.Scope{Name: "autotel/databasesql"}, Metrics: everyAggregation(false)[2:4]},
			{}, // an empty scope, no metrics
		}}},
		{name: "nil resource, no scope", rm: metricdata.ResourceMetrics{}},
		{name: "schemaless resource, empty scope", rm: metricdata.ResourceMetrics{
			Resource: resource.NewSchemaless(attribute.String("service.name", "x")), ScopeMetrics: []metricdata.ScopeMetrics{{}},
		}},
		{name: "many data points", rm: metricdata.ResourceMetrics{Resource: service, ScopeMetrics: []metricdata.ScopeMetrics{
			{Scope: scoped, Metrics: []metricdata.Metrics{manyPoints(500)}},
		}}},
		{name: "invalid metrics left out", invalid: 4, rm: metricdata.ResourceMetrics{Resource: service, ScopeMetrics: []metricdata.ScopeMetrics{
			{Scope: scoped, Metrics: []metricdata.Metrics{
				{Name: "no data"},
				everyAggregation(false)[0],
				{Name: "sum without temporality", Data: metricdata.Sum[int64]{DataPoints: []metricdata.DataPoint[int64]{{Value: 1}}}},
				{Name: "histogram of temporality 9", Data: metricdata.Histogram[float64]{Temporality: 9}},
				{Name: "exponential without temporality", Data: metricdata.ExponentialHistogram[int64]{}},
				everyAggregation(false)[9],
			}},
		}}},
	}
}

func TestMetricsEncodeAsTheOfficialExporterSends(t *testing.T) {
	for _, tc := range metricCases() {
		t.Run(tc.name, func(t *testing.T) {
			want, officialErr := officialRequest(t, &tc.rm)
			// The official exporter of the release the runtime requires leaves
			// out an exponential histogram's zero_threshold (later ones send it).
			completeZeroThresholds(want, &tc.rm)

			b, err := appendMetricsRequest([]byte("prefix"), &tc.rm)
			if !bytes.HasPrefix(b, []byte("prefix")) {
				t.Fatal("appendMetricsRequest did not append")
			}
			got := decodeMetricsRequest(t, b[len("prefix"):])
			if !proto.Equal(got, want) {
				t.Errorf("requests differ:\nours:     %v\nofficial: %v", got, want)
			}
			if tc.invalid == 0 {
				if err != nil || officialErr != nil {
					t.Errorf("errors: ours %v, official %v", err, officialErr)
				}
				return
			}
			if err == nil || officialErr == nil {
				t.Fatalf("errors: ours %v, official %v; want both", err, officialErr)
			}
			if !errors.Is(err, errUnknownAggregation) || !errors.Is(err, errUnknownTemporality) {
				t.Errorf("error %q does not wrap both causes", err)
			}
			if n := strings.Count(err.Error(), "invalid metric"); n != tc.invalid {
				t.Errorf("error names %d metrics, want %d: %v", n, tc.invalid, err)
			}
		})
	}
}

// completeZeroThresholds sets the zero_threshold of req's exponential
// histogram points from rm's.
func completeZeroThresholds(req *collectorpb.ExportMetricsServiceRequest, rm *metricdata.ResourceMetrics) {
	for _, rms := range req.ResourceMetrics {
		for i, sm := range rms.ScopeMetrics {
			for _, m := range sm.Metrics {
				eh := m.GetExponentialHistogram()
				if eh == nil {
					continue
				}
				for _, src := range rm.ScopeMetrics[i].Metrics {
					if src.Name != m.Name {
						continue
					}
					for k, p := range eh.DataPoints {
						switch a := src.Data.(type) {
						case metricdata.ExponentialHistogram[int64]:
							p.ZeroThreshold = a.DataPoints[k].ZeroThreshold
						case metricdata.ExponentialHistogram[float64]:
							p.ZeroThreshold = a.DataPoints[k].ZeroThreshold
						}
					}
				}
			}
		}
	}
}

func TestMetricsEncodingAllocatesNothingOnceTheBufferHasGrown(t *testing.T) {
	// Every aggregation, and a sum of 50 points, with scalar attributes (the
	// SDK's accessors of slice values, AsStringSlice and the like, return
	// copies: one allocation per slice-valued attribute, autotel's hooks
	// record none).
	res := resource.NewSchemaless(attribute.String("service.name", "checkout"), attribute.String("host.name", "h1"))
	metrics := append(everyAggregation(true), manyPoints(50))
	rm := &metricdata.ResourceMetrics{Resource: res, ScopeMetrics: []metricdata.ScopeMetrics{
		{Scope: instrumentation.Scope{Name: "autotel/nethttp", Version: "1.2.3"}, Metrics: metrics},
	}}
	var buf []byte
	allocs := testing.AllocsPerRun(100, func() {
		var err error
		if buf, err = appendMetricsRequest(buf[:0], rm); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%.1f allocations per encoding of %d metrics, want 0", allocs, len(metrics))
	}

	exp := newOTLPMetricExporter(&recordingClient{discard: true}, metricSelectors{})
	ctx := context.Background()
	allocs = testing.AllocsPerRun(100, func() {
		if err := exp.Export(ctx, rm); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%.1f allocations per Export, want 0", allocs)
	}
}

// recordingClient is an exportClient that keeps a copy of each request
// (none when discard) and answers err.
type recordingClient struct {
	discard   bool
	err       error
	requests  [][]byte
	shutdowns int
}

func (c *recordingClient) Export(_ context.Context, request []byte) error {
	if !c.discard {
		c.requests = append(c.requests, bytes.Clone(request))
	}
	return c.err
}

func (c *recordingClient) Shutdown(context.Context) error {
	c.shutdowns++
	return nil
}

func TestMetricExporterSendsOneRequestPerExportUntilShutdown(t *testing.T) {
	ctx := context.Background()
	client := &recordingClient{}
	exp := newOTLPMetricExporter(client, metricSelectors{temporality: preferDelta})
	cases := metricCases()
	full, invalid := &cases[0].rm, &cases[4].rm

	if err := exp.Export(ctx, full); err != nil {
		t.Fatal(err)
	}
	err := exp.Export(ctx, invalid)
	if !errors.Is(err, errUnknownTemporality) {
		t.Errorf("an export with invalid metrics returned %v", err)
	}
	client.err = errors.New("collector down")
	if err := exp.Export(ctx, full); err == nil || !strings.Contains(err.Error(), "collector down") {
		t.Errorf("an export the client failed returned %v", err)
	}
	if err := exp.Export(ctx, invalid); !errors.Is(err, client.err) || !errors.Is(err, errUnknownAggregation) {
		t.Errorf("a failed export with invalid metrics returned %v, want both causes", err)
	}
	if len(client.requests) != 4 {
		t.Fatalf("%d requests sent, want 4", len(client.requests))
	}
	want, _ := appendMetricsRequest(nil, full)
	if !bytes.Equal(client.requests[0], want) || !bytes.Equal(client.requests[2], want) {
		t.Error("the exporter sent other bytes than appendMetricsRequest's")
	}
	partial := decodeMetricsRequest(t, client.requests[1])
	if n := len(partial.ResourceMetrics[0].ScopeMetrics[0].Metrics); n != 2 {
		t.Errorf("the partial request has %d metrics, want the 2 valid ones", n)
	}
	if exp.Temporality(sdkmetric.InstrumentKindCounter) != metricdata.DeltaTemporality {
		t.Error("the exporter does not answer with its selectors")
	}

	if err := exp.ForceFlush(ctx); err != nil {
		t.Errorf("ForceFlush: %v", err)
	}
	if err := exp.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if err := exp.Shutdown(ctx); !errors.Is(err, errExporterShutdown) {
		t.Errorf("a second Shutdown returned %v", err)
	}
	if err := exp.Export(ctx, full); !errors.Is(err, errExporterShutdown) {
		t.Errorf("an export after shutdown returned %v", err)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if err := exp.Export(canceled, full); !errors.Is(err, context.Canceled) {
		t.Errorf("a canceled export after shutdown returned %v", err)
	}
	if err := exp.ForceFlush(canceled); !errors.Is(err, context.Canceled) {
		t.Errorf("a canceled ForceFlush returned %v", err)
	}
	if client.shutdowns != 1 || len(client.requests) != 4 {
		t.Errorf("client shut down %d times and sent %d requests, want 1 and 4", client.shutdowns, len(client.requests))
	}
}

// TestSDKMetricsEncodeAsTheOfficialExporterSends records through a real
// MeterProvider, read with each temporality preference and histogram
// aggregation, every instrument kind (with exemplars of a sampled span), and
// compares the encoding of two collections (the second one's deltas and
// cumulative start times differ) with the official exporter's request.
func TestSDKMetricsEncodeAsTheOfficialExporterSends(t *testing.T) {
	ctx := trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID(traceID), SpanID: trace.SpanID(spanID), TraceFlags: trace.FlagsSampled,
	}))
	for _, env := range []map[string]string{
		{},
		{"OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE": "delta", "OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION": "base2_exponential_bucket_histogram"},
		{"OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE": "lowmemory"},
	} {
		var c config
		selectors := c.loadMetricSelectors(func(k string) string { return env[k] })
		reader := sdkmetric.NewManualReader(sdkmetric.WithTemporalitySelector(selectors.Temporality), sdkmetric.WithAggregationSelector(selectors.Aggregation))
		provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader), sdkmetric.WithExemplarFilter(exemplar.AlwaysOnFilter),
			sdkmetric.WithResource(resource.NewSchemaless(attribute.String("service.name", "sdk-test"))))
		meter := provider.Meter("autotel/test", otelmetric.WithInstrumentationVersion("0.1.0"), otelmetric.WithSchemaURL("https://opentelemetry.io/schemas/1.26.0"))
		record := recordEveryKind(t, meter)
		for round := range 2 {
			record(ctx, round)
			var rm metricdata.ResourceMetrics
			if err := reader.Collect(ctx, &rm); err != nil {
				t.Fatal(err)
			}
			want, err := officialRequest(t, &rm)
			if err != nil {
				t.Fatal(err)
			}
			completeZeroThresholds(want, &rm)
			b, err := appendMetricsRequest(nil, &rm)
			if err != nil {
				t.Fatal(err)
			}
			if got := decodeMetricsRequest(t, b); !proto.Equal(got, want) {
				t.Errorf("%v, collection %d: requests differ:\nours:     %v\nofficial: %v", env, round, got, want)
			}
			if n := len(rm.ScopeMetrics[0].Metrics); n != 7 {
				t.Errorf("%v: %d metrics collected, want 7", env, n)
			}
			kinds, exemplars := map[string]bool{}, 0
			for _, m := range want.ResourceMetrics[0].ScopeMetrics[0].Metrics {
				kinds[fmt.Sprintf("%T", m.Data)] = true
				exemplars += strings.Count(m.String(), "trace_id:")
			}
			exponential := env["OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION"] != ""
			if len(kinds) != 3 || kinds["*v1.Metric_ExponentialHistogram"] != exponential || kinds["*v1.Metric_Histogram"] == exponential || exemplars == 0 {
				t.Errorf("%v: the collection has data %v and %d exemplars with a trace id", env, kinds, exemplars)
			}
		}
		if err := provider.Shutdown(ctx); err != nil {
			t.Fatal(err)
		}
	}
}

// recordEveryKind makes an instrument of each kind on meter and returns
// what records a round of values in each.
func recordEveryKind(t *testing.T, meter otelmetric.Meter) func(context.Context, int) {
	t.Helper()
	counter, err1 := meter.Int64Counter("requests", otelmetric.WithUnit("{request}"), otelmetric.WithDescription("requests served"))
	updown, err2 := meter.Float64UpDownCounter("queue.depth")
	histogram, err3 := meter.Float64Histogram("duration", otelmetric.WithUnit("s"))
	intHistogram, err4 := meter.Int64Histogram("size", otelmetric.WithUnit("By"))
	gauge, err5 := meter.Int64Gauge("temperature")
	var round atomic.Int64
	_, err6 := meter.Int64ObservableCounter("cpu.time", otelmetric.WithInt64Callback(func(_ context.Context, o otelmetric.Int64Observer) error {
		o.Observe(100*(round.Load()+1), otelmetric.WithAttributes(attribute.String("cpu", "0")))
		return nil
	}))
	_, err7 := meter.Float64ObservableGauge("load", otelmetric.WithFloat64Callback(func(_ context.Context, o otelmetric.Float64Observer) error {
		o.Observe(0.5 + float64(round.Load()))
		return nil
	}))
	if err := errors.Join(err1, err2, err3, err4, err5, err6, err7); err != nil {
		t.Fatal(err)
	}
	return func(ctx context.Context, r int) {
		round.Store(int64(r))
		get := otelmetric.WithAttributes(attribute.String("http.request.method", "GET"), attribute.Int("http.response.status_code", 200))
		post := otelmetric.WithAttributes(attribute.String("http.request.method", "POST"))
		for i := range 20 + r {
			counter.Add(ctx, int64(i), get)
			updown.Add(ctx, float64(i)-9.5, post)
			histogram.Record(ctx, float64(i*i)/7, get)
			histogram.Record(ctx, -float64(i)/3, post)
			intHistogram.Record(ctx, int64(i)<<uint(i%40), get)
		}
		counter.Add(context.Background(), 1) // no exemplar span
		gauge.Record(ctx, int64(-r), get)
	}
}
