package sdk

import (
	"context"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"autotel.dev/go/logvalue"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	otellog "go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/metric"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

func TestExportedSpansAreValidUTF8(t *testing.T) {
	mem := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(suppressedSpanExporter{mem, &exportHealth{}}))
	tracer := tp.Tracer("t")
	_, good := tracer.Start(context.Background(), "good", trace.WithAttributes(attribute.String("k", "v")))
	good.End()
	_, bad := tracer.Start(context.Background(), "GET \xffkey", trace.WithAttributes(
		attribute.String("db.query.text", "SET \xfe\xff ?"),
		attribute.StringSlice("list", []string{"ok", "b\xc3"}),
		attribute.Int("n", 3),
	), trace.WithLinks(trace.Link{Attributes: []attribute.KeyValue{attribute.String("l", "\x80")}}))
	bad.AddEvent("ev\xff", trace.WithAttributes(attribute.String("e", "x\xffy")))
	bad.SetStatus(codes.Error, "failed: \xff")
	bad.End()

	spans := mem.GetSpans()
	if len(spans) != 2 {
		t.Fatalf("%d spans exported, want 2", len(spans))
	}
	if spans[0].Name != "good" || spans[0].Attributes[0] != attribute.String("k", "v") {
		t.Errorf("valid span changed: %+v", spans[0])
	}
	s := spans[1]
	want := map[attribute.Key]attribute.Value{
		"db.query.text": attribute.StringValue("SET \uFFFD ?"),
		"list":          attribute.StringSliceValue([]string{"ok", "b\uFFFD"}),
		"n":             attribute.IntValue(3),
	}
	if s.Name != "GET \uFFFDkey" || s.Status.Description != "failed: \uFFFD" {
		t.Errorf("name %q, status %q", s.Name, s.Status.Description)
	}
	for _, kv := range s.Attributes {
		if kv.Value != want[kv.Key] {
			t.Errorf("attribute %s = %v, want %v", kv.Key, kv.Value.Emit(), want[kv.Key].Emit())
		}
	}
	if len(s.Attributes) != len(want) {
		t.Errorf("attributes %v", s.Attributes)
	}
	if e := s.Events[0]; e.Name != "ev\uFFFD" || e.Attributes[0] != attribute.String("e", "x\uFFFDy") {
		t.Errorf("event %+v", e)
	}
	if l := s.Links[0]; l.Attributes[0] != attribute.String("l", "\uFFFD") {
		t.Errorf("link %+v", l)
	}
}

// recordingLogExporter keeps the records it is given.
type recordingLogExporter struct{ records []sdklog.Record }

func (e *recordingLogExporter) Export(_ context.Context, rs []sdklog.Record) error {
	for _, r := range rs {
		e.records = append(e.records, r.Clone())
	}
	return nil
}
func (e *recordingLogExporter) Shutdown(context.Context) error   { return nil }
func (e *recordingLogExporter) ForceFlush(context.Context) error { return nil }

func TestExportedLogRecordsAreValidUTF8(t *testing.T) {
	exp := &recordingLogExporter{}
	lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(sdklog.NewSimpleProcessor(suppressedLogExporter{exp, &exportHealth{}})))
	logger := lp.Logger("t")
	var good, bad otellog.Record
	good.SetBody(logvalue.String("fine"))
	logger.Emit(context.Background(), good)
	bad.SetBody(logvalue.Map(logvalue.Pair("m\xff", logvalue.String("v\xfe")), logvalue.Pair("s", logvalue.Slice(logvalue.String("\x80")))))
	bad.SetSeverityText("INFO\xff")
	bad.AddAttributes(logvalue.Pair("a", logvalue.String("b\xffc")), logvalue.Pair("n", logvalue.Int64(1)))
	logger.Emit(context.Background(), bad)

	if len(exp.records) != 2 {
		t.Fatalf("%d records exported, want 2", len(exp.records))
	}
	if b := exp.records[0].Body(); b.AsString() != "fine" {
		t.Errorf("valid record changed: %v", b)
	}
	r := exp.records[1]
	// Values are compared through their printed form: the Logs API's Value has no common
	// equality method across releases (logvalue's two shapes).
	wantBody := logvalue.Map(logvalue.Pair("m\uFFFD", logvalue.String("v\uFFFD")), logvalue.Pair("s", logvalue.Slice(logvalue.String("\uFFFD"))))
	if fmt.Sprint(r.Body()) != fmt.Sprint(wantBody) || r.SeverityText() != "INFO\uFFFD" {
		t.Errorf("body %v, severity text %q", r.Body(), r.SeverityText())
	}
	var attrs []logvalue.KeyValue
	r.WalkAttributes(func(kv logvalue.KeyValue) bool { attrs = append(attrs, kv); return true })
	want := []logvalue.KeyValue{logvalue.Pair("a", logvalue.String("b\uFFFDc")), logvalue.Pair("n", logvalue.Int64(1))}
	if fmt.Sprint(attrs) != fmt.Sprint(want) {
		t.Errorf("attributes %v, want %v", attrs, want)
	}
}

// A metric attribute taken from the program (a route, a command name) may be
// binary: exported for real over OTLP/HTTP, the batch must arrive whole, with
// the bad bytes replaced (a protobuf encoder refuses invalid UTF-8 and the
// exporter would drop every metric of the collection).
func TestExportedMetricsAreValidUTF8(t *testing.T) {
	c := newCollector(t)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", c.URL) // read by the exporters too
	r := &runtime{shutdownTimeout: 5 * time.Second}
	p, err := newProviders(loadConfig(os.Getenv), resource.Empty(), r.wake)
	if err != nil {
		t.Fatal(err)
	}
	r.providers = p
	meter := p.meter.Meter("t")
	ops, _ := meter.Int64Counter("db.client.operations")
	ops.Add(context.Background(), 1, metric.WithAttributes(attribute.String("db.operation.name", "GET")))
	durations, _ := meter.Float64Histogram("http.server.request.duration")
	durations.Record(context.Background(), 0.5, metric.WithAttributes(
		attribute.String("http.route", "/k/\xff\xfe"),
		attribute.StringSlice("tags", []string{"a\x80"}),
	))
	gauge, _ := meter.Int64Gauge("queue\xff.size", metric.WithUnit("{item\xfe}"))
	gauge.Record(context.Background(), 3, metric.WithAttributes(attribute.String("queue\xff", "q")))
	r.shutdown()

	c.mu.Lock()
	defer c.mu.Unlock()
	slices.Sort(c.points)
	want := []string{"db.client.operations{db.operation.name=GET}", "http.server.request.duration{http.route=/k/\uFFFD,tags=[a\uFFFD]}", "queue\uFFFD.size{queue\uFFFD=q}"}
	if !slices.Equal(c.points, want) {
		t.Errorf("exported points %q, want %q", c.points, want)
	}
}
