package stdslog

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"

	"autotel.dev/go/api"
	"autotel.dev/go/gls"
	"autotel.dev/go/logvalue"
	otellog "go.opentelemetry.io/otel/log"
	logglobal "go.opentelemetry.io/otel/log/global"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

type memoryExporter struct {
	mu      sync.Mutex
	records []sdklog.Record
}

func (e *memoryExporter) Export(_ context.Context, rs []sdklog.Record) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, r := range rs {
		e.records = append(e.records, r.Clone())
	}
	return nil
}
func (e *memoryExporter) Shutdown(context.Context) error   { return nil }
func (e *memoryExporter) ForceFlush(context.Context) error { return nil }

func TestRecordsAreExportedWithTheSpansContext(t *testing.T) {
	defer gls.InstallFakeForTests()()
	exp := &memoryExporter{}
	prev := logglobal.GetLoggerProvider()
	logglobal.SetLoggerProvider(sdklog.NewLoggerProvider(sdklog.WithProcessor(sdklog.NewSimpleProcessor(exp))))
	t.Cleanup(func() { logglobal.SetLoggerProvider(prev) })

	var out bytes.Buffer
	l := slog.New(slog.NewTextHandler(&out, nil))
	logThrough(l, context.Background(), "no span", "n", 1)

	_, a := api.Begin(context.Background(), sdktrace.NewTracerProvider().Tracer("t"), "op")
	logAttrsThrough(l, context.Background(), "with span", slog.Group("g", slog.String("k", "v")), slog.Any("err", errors.New("bad")))
	debug := slog.LevelDebug
	msg := "dropped by the handler's level"
	c := context.Background()
	var none []any
	logEnter(&l, &c, &debug, &msg, &none)
	a.End()

	if len(exp.records) != 2 {
		t.Fatalf("%d records exported, want 2 (the debug one is below the handler's level)", len(exp.records))
	}
	first, second := exp.records[0], exp.records[1]
	if first.Body().AsString() != "no span" || first.Severity() != otellog.SeverityInfo || first.SeverityText() != "INFO" || first.TraceID().IsValid() {
		t.Errorf("first record: body %q severity %v %q trace %v", first.Body().AsString(), first.Severity(), first.SeverityText(), first.TraceID())
	}
	got := map[string]string{}
	second.WalkAttributes(func(kv logvalue.KeyValue) bool { got[logvalue.Key(kv)] = kv.Value.String(); return true })
	if second.TraceID() != a.Span().SpanContext().TraceID() || second.SpanID() != a.Span().SpanContext().SpanID() {
		t.Errorf("second record trace %v span %v, want the current span's", second.TraceID(), second.SpanID())
	}
	if got["err"] != "bad" || got["g"] == "" || got["trace_id"] != "" {
		t.Errorf("second record attributes %v: want err and the group, not the id attributes", got)
	}
}

func TestSeverity(t *testing.T) {
	for level, want := range map[slog.Level]otellog.Severity{
		slog.LevelDebug: otellog.SeverityDebug,
		slog.LevelInfo:  otellog.SeverityInfo,
		slog.LevelWarn:  otellog.SeverityWarn,
		slog.LevelError: otellog.SeverityError,
		-100:            otellog.SeverityTrace1,
		100:             otellog.SeverityFatal4,
	} {
		if got := severity(level); got != want {
			t.Errorf("severity(%v) = %v, want %v", level, got, want)
		}
	}
}
