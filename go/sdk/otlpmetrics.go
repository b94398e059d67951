package sdk

// otlpmetrics.go owns autotel's OTLP metric exporter: the SDK's collected
// metrics (metricdata.ResourceMetrics) encoded straight to the protobuf wire
// format of an ExportMetricsServiceRequest, appended to one byte slice that
// is reused from export to export, and handed to an exportClient (the
// transport, go/internal/otlp). No generated message struct is built, so no
// protobuf or gRPC module is linked (spanexport.go says the same of spans).
//
// The layout follows opentelemetry/proto/metrics/v1/metrics.proto and
// collector/metrics/v1/metrics_service.proto; otlpmetrics_test.go checks
// that it decodes to what the official otlpmetrichttp exporter sends for the
// same data. Where the official exporter leaves out what metrics.proto
// defines, the field is still written: an exponential histogram's
// zero_threshold (v1.36.0 leaves it out, v1.47.0 sends it). What metricdata
// does not carry is not written: data-point flags and a metric's metadata.
// As the official exporter does, a metric of an unknown aggregation or
// temporality is left out of the request and reported in Export's error.

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sync"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// otlpMetricExporter is an sdkmetric.Exporter over an exportClient. The
// client must not keep the request after Export returns: its bytes are
// those of the next export.
type otlpMetricExporter struct {
	metricSelectors
	client exportClient

	mu   sync.Mutex // one export at a time uses buf
	buf  []byte
	shut bool
}

var _ sdkmetric.Exporter = (*otlpMetricExporter)(nil)

func newOTLPMetricExporter(client exportClient, selectors metricSelectors) *otlpMetricExporter {
	return &otlpMetricExporter{metricSelectors: selectors, client: client}
}

// Export encodes rm and sends it as one request, as the official exporter
// does even when rm holds no metric. A metric that cannot be encoded is left
// out, the rest is sent, and the error says which.
func (e *otlpMetricExporter) Export(ctx context.Context, rm *metricdata.ResourceMetrics) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.shut {
		return shutdownError(ctx)
	}
	var encodeErr error
	e.buf, encodeErr = appendMetricsRequest(e.buf[:0], rm)
	if err := e.client.Export(ctx, e.buf); err != nil {
		if encodeErr != nil {
			return fmt.Errorf("failed to upload incomplete metrics (%w): %w", encodeErr, err)
		}
		return fmt.Errorf("failed to upload metrics: %w", err)
	}
	return encodeErr
}

// ForceFlush has nothing to flush: each export is sent before it returns.
func (e *otlpMetricExporter) ForceFlush(ctx context.Context) error {
	return ctx.Err()
}

// Shutdown shuts the client down, once; later exports fail.
func (e *otlpMetricExporter) Shutdown(ctx context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.shut {
		return shutdownError(ctx)
	}
	e.shut = true
	e.buf = nil
	return e.client.Shutdown(ctx)
}

func shutdownError(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return errExporterShutdown
}

// Errors of metrics left out of a request.
var (
	errUnknownAggregation = errors.New("unknown aggregation")
	errUnknownTemporality = errors.New("unknown temporality")
)

// appendMetricsRequest appends the ExportMetricsServiceRequest of rm: one
// ResourceMetrics. The metrics that could not be encoded are left out and
// named in the error.
func appendMetricsRequest(b []byte, rm *metricdata.ResourceMetrics) ([]byte, error) {
	var errs []error
	b, request := openMessage(b, 1) // ExportMetricsServiceRequest.resource_metrics
	b, res := openMessage(b, 1)     // ResourceMetrics.resource, always sent
	b = closeMessage(appendResource(b, rm.Resource), res)
	for i := range rm.ScopeMetrics {
		sm := &rm.ScopeMetrics[i]
		var scopeMetrics, scope int
		b, scopeMetrics = openMessage(b, 2)
		b, scope = openMessage(b, 1) // always sent
		b = closeMessage(appendScope(b, sm.Scope), scope)
		for j := range sm.Metrics {
			var err error
			if b, err = appendMetric(b, &sm.Metrics[j]); err != nil {
				errs = append(errs, err)
			}
		}
		b = appendStringField(b, 3, sm.Scope.SchemaURL)
		b = closeMessage(b, scopeMetrics)
	}
	b = appendStringField(b, 3, rm.Resource.SchemaURL())
	return closeMessage(b, request), errors.Join(errs...)
}

// Metric's data fields (the oneof).
const (
	metricGauge                = 5
	metricSum                  = 7
	metricHistogram            = 9
	metricExponentialHistogram = 10
	metricSummary              = 11
)

// appendMetric appends m as a Metric field of a ScopeMetrics; when m cannot
// be encoded, it appends nothing and says why.
func appendMetric(b []byte, m *metricdata.Metrics) ([]byte, error) {
	mark := len(b)
	b, start := openMessage(b, 2)
	b = appendStringField(b, 1, m.Name)
	b = appendStringField(b, 2, m.Description)
	b = appendStringField(b, 3, m.Unit)
	var err error
	switch a := m.Data.(type) {
	case metricdata.Gauge[int64]:
		b = appendAggregation(b, metricGauge, a.DataPoints, appendNumberPoint[int64])
	case metricdata.Gauge[float64]:
		b = appendAggregation(b, metricGauge, a.DataPoints, appendNumberPoint[float64])
	case metricdata.Sum[int64]:
		b, err = appendTemporal(b, metricSum, a.DataPoints, a.Temporality, a.IsMonotonic, appendNumberPoint[int64])
	case metricdata.Sum[float64]:
		b, err = appendTemporal(b, metricSum, a.DataPoints, a.Temporality, a.IsMonotonic, appendNumberPoint[float64])
	case metricdata.Histogram[int64]:
		b, err = appendTemporal(b, metricHistogram, a.DataPoints, a.Temporality, false, appendHistogramPoint[int64])
	case metricdata.Histogram[float64]:
		b, err = appendTemporal(b, metricHistogram, a.DataPoints, a.Temporality, false, appendHistogramPoint[float64])
	case metricdata.ExponentialHistogram[int64]:
		b, err = appendTemporal(b, metricExponentialHistogram, a.DataPoints, a.Temporality, false, appendExponentialPoint[int64])
	case metricdata.ExponentialHistogram[float64]:
		b, err = appendTemporal(b, metricExponentialHistogram, a.DataPoints, a.Temporality, false, appendExponentialPoint[float64])
	case metricdata.Summary:
		b = appendAggregation(b, metricSummary, a.DataPoints, appendSummaryPoint)
	default:
		err = fmt.Errorf("%w: %T", errUnknownAggregation, a)
	}
	if err != nil {
		return b[:mark], fmt.Errorf("invalid metric (name: %q, description: %q, unit: %q): %w", m.Name, m.Description, m.Unit, err)
	}
	return closeMessage(b, start), nil
}

// appendAggregation appends a Gauge or a Summary: field `field` of a Metric
// (always sent, even without points) whose data_points are points, each
// message's fields written by appendPoint.
func appendAggregation[P any](b []byte, field int, points []P, appendPoint func([]byte, *P) []byte) []byte {
	b, start := openMessage(b, field)
	return closeMessage(appendDataPoints(b, points, appendPoint), start)
}

// appendTemporal appends a Sum, a Histogram or an ExponentialHistogram: as
// appendAggregation, followed by the aggregation_temporality (and a Sum's
// is_monotonic). A temporality other than delta and cumulative is an error.
func appendTemporal[P any](b []byte, field int, points []P, t metricdata.Temporality, monotonic bool, appendPoint func([]byte, *P) []byte) ([]byte, error) {
	var temporality uint64
	switch t {
	case metricdata.DeltaTemporality:
		temporality = 1
	case metricdata.CumulativeTemporality:
		temporality = 2
	default:
		return b, fmt.Errorf("%w: %s", errUnknownTemporality, t)
	}
	b, start := openMessage(b, field)
	b = appendDataPoints(b, points, appendPoint)
	b = appendVarintField(b, 2, temporality)
	if monotonic {
		b = appendVarintField(b, 3, 1)
	}
	return closeMessage(b, start), nil
}

// appendDataPoints appends points as repeated field 1 (data_points).
func appendDataPoints[P any](b []byte, points []P, appendPoint func([]byte, *P) []byte) []byte {
	for i := range points {
		var point int
		b, point = openMessage(b, 1)
		b = closeMessage(appendPoint(b, &points[i]), point)
	}
	return b
}

// appendNumberPoint appends the fields of p's NumberDataPoint.
func appendNumberPoint[N int64 | float64](b []byte, p *metricdata.DataPoint[N]) []byte {
	b = appendFixed64Field(b, 2, unixNano(p.StartTime.UnixNano()))
	b = appendFixed64Field(b, 3, unixNano(p.Time.UnixNano()))
	b = appendNumber(b, 4, 6, p.Value)
	b = appendExemplars(b, 5, p.Exemplars)
	return appendAttributeSet(b, 7, &p.Attributes)
}

// appendHistogramPoint appends the fields of p's HistogramDataPoint.
func appendHistogramPoint[N int64 | float64](b []byte, p *metricdata.HistogramDataPoint[N]) []byte {
	b = appendFixed64Field(b, 2, unixNano(p.StartTime.UnixNano()))
	b = appendFixed64Field(b, 3, unixNano(p.Time.UnixNano()))
	b = appendFixed64Field(b, 4, p.Count)
	b = appendDoubleAlways(b, 5, float64(p.Sum))
	b = appendPackedFixed64(b, 6, p.BucketCounts, func(x uint64) uint64 { return x })
	b = appendPackedFixed64(b, 7, p.Bounds, math.Float64bits)
	b = appendExemplars(b, 8, p.Exemplars)
	b = appendAttributeSet(b, 9, &p.Attributes)
	return appendMinMax(b, 11, p.Min, p.Max)
}

// appendExponentialPoint appends the fields of p's
// ExponentialHistogramDataPoint.
func appendExponentialPoint[N int64 | float64](b []byte, p *metricdata.ExponentialHistogramDataPoint[N]) []byte {
	b = appendAttributeSet(b, 1, &p.Attributes)
	b = appendFixed64Field(b, 2, unixNano(p.StartTime.UnixNano()))
	b = appendFixed64Field(b, 3, unixNano(p.Time.UnixNano()))
	b = appendFixed64Field(b, 4, p.Count)
	b = appendDoubleAlways(b, 5, float64(p.Sum))
	b = appendVarintField(b, 6, zigzag32(p.Scale))
	b = appendFixed64Field(b, 7, p.ZeroCount)
	b = appendBuckets(b, 8, &p.PositiveBucket)
	b = appendBuckets(b, 9, &p.NegativeBucket)
	b = appendExemplars(b, 11, p.Exemplars)
	b = appendMinMax(b, 12, p.Min, p.Max)
	return appendDoubleField(b, 14, p.ZeroThreshold)
}

// appendSummaryPoint appends the fields of p's SummaryDataPoint.
func appendSummaryPoint(b []byte, p *metricdata.SummaryDataPoint) []byte {
	b = appendFixed64Field(b, 2, unixNano(p.StartTime.UnixNano()))
	b = appendFixed64Field(b, 3, unixNano(p.Time.UnixNano()))
	b = appendFixed64Field(b, 4, p.Count)
	b = appendDoubleField(b, 5, p.Sum)
	for _, q := range p.QuantileValues {
		var quantile int
		b, quantile = openMessage(b, 6)
		b = appendDoubleField(b, 1, q.Quantile)
		b = appendDoubleField(b, 2, q.Value)
		b = closeMessage(b, quantile)
	}
	return appendAttributeSet(b, 7, &p.Attributes)
}

// appendNumber appends v as the oneof of a NumberDataPoint or an Exemplar:
// as_double (field doubleField) or as_int (intField, an sfixed64), written
// even when zero.
func appendNumber[N int64 | float64](b []byte, doubleField, intField int, v N) []byte {
	var zero N
	if _, isInt := any(zero).(int64); isInt {
		return binary.LittleEndian.AppendUint64(appendTag(b, intField, wireFixed64), uint64(int64(v)))
	}
	return appendDoubleAlways(b, doubleField, float64(v))
}

// appendDoubleField appends a double field that is left out when zero.
func appendDoubleField(b []byte, field int, x float64) []byte {
	return appendFixed64Field(b, field, math.Float64bits(x))
}

// appendExemplars appends xs as repeated Exemplar field `field`.
func appendExemplars[N int64 | float64](b []byte, field int, xs []metricdata.Exemplar[N]) []byte {
	for i := range xs {
		x := &xs[i]
		var start int
		b, start = openMessage(b, field)
		b = appendFixed64Field(b, 2, unixNano(x.Time.UnixNano()))
		b = appendNumber(b, 3, 6, x.Value)
		b = appendBytesField(b, 4, x.SpanID)
		b = appendBytesField(b, 5, x.TraceID)
		b = appendKeyValues(b, 7, x.FilteredAttributes)
		b = closeMessage(b, start)
	}
	return b
}

// appendMinMax appends a data point's min and max, each when it is defined.
func appendMinMax[N int64 | float64](b []byte, minField int, lo, hi metricdata.Extrema[N]) []byte {
	if v, ok := lo.Value(); ok {
		b = appendDoubleAlways(b, minField, float64(v))
	}
	if v, ok := hi.Value(); ok {
		b = appendDoubleAlways(b, minField+1, float64(v))
	}
	return b
}

// appendPackedFixed64 appends xs as a packed repeated fixed64 or double
// field, each element written as bits(x); nothing when xs is empty.
func appendPackedFixed64[T any](b []byte, field int, xs []T, bits func(T) uint64) []byte {
	if len(xs) == 0 {
		return b
	}
	b = binary.AppendUvarint(appendTag(b, field, wireBytes), uint64(8*len(xs)))
	for _, x := range xs {
		b = binary.LittleEndian.AppendUint64(b, bits(x))
	}
	return b
}

// appendBuckets appends an ExponentialHistogramDataPoint.Buckets field,
// always sent: offset (sint32) and packed varint counts.
func appendBuckets(b []byte, field int, bucket *metricdata.ExponentialBucket) []byte {
	b, start := openMessage(b, field)
	b = appendVarintField(b, 1, zigzag32(bucket.Offset))
	if len(bucket.Counts) > 0 {
		var counts int
		b, counts = openMessage(b, 2)
		for _, n := range bucket.Counts {
			b = binary.AppendUvarint(b, n)
		}
		b = closeMessage(b, counts)
	}
	return closeMessage(b, start)
}

// zigzag32 is the varint of a sint32 field.
func zigzag32(v int32) uint64 {
	return uint64(uint32(v<<1) ^ uint32(v>>31))
}
