package zap

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"unsafe"

	"autotel.dev/go/api"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// hookedCore calls writeEnter as the rewritten (*ioCore).Write does.
type hookedCore struct{ zapcore.Core }

func (c hookedCore) With(fields []zapcore.Field) zapcore.Core { return hookedCore{c.Core.With(fields)} }

func (c hookedCore) Check(ent zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.Enabled(ent.Level) {
		return ce.AddCore(ent, c)
	}
	return ce
}

func (c hookedCore) Write(ent zapcore.Entry, fields []zapcore.Field) error {
	recv := unsafe.Pointer(&c.Core)
	writeEnter(recv, &ent, &fields)
	return c.Core.Write(ent, fields)
}

func logger(enc zapcore.Encoder) (*zap.Logger, *bytes.Buffer) {
	var buf bytes.Buffer
	core := zapcore.NewCore(enc, zapcore.AddSync(&buf), zapcore.DebugLevel)
	return zap.New(hookedCore{core}), &buf
}

// current makes a span current, as goroutine-local context does in an
// instrumented build, until the test ends.
func current(t *testing.T) trace.SpanContext {
	_, span := sdktrace.NewTracerProvider().Tracer("test").Start(context.Background(), "request")
	sc := span.SpanContext()
	currentSpanContext = func() trace.SpanContext { return sc }
	t.Cleanup(func() { currentSpanContext = api.CurrentSpanContext; span.End() })
	return sc
}

func TestJSONRecordsCarryTheCurrentSpan(t *testing.T) {
	l, buf := logger(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()))
	sc := current(t)
	fields := []zap.Field{zap.String("user", "ann")}
	l.Info("inside", fields...)
	var rec map[string]any
	if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
		t.Fatal(err)
	}
	if rec["trace_id"] != sc.TraceID().String() || rec["span_id"] != sc.SpanID().String() || rec["user"] != "ann" {
		t.Fatalf("record %s", buf)
	}
	if len(fields) != 1 || cap(fields) != 1 {
		t.Fatal("the caller's fields were modified")
	}
}

func TestConsoleRecordsCarryTheCurrentSpan(t *testing.T) {
	cfg := zap.NewDevelopmentEncoderConfig()
	cfg.TimeKey = ""
	l, buf := logger(zapcore.NewConsoleEncoder(cfg))
	sc := current(t)
	l.Warn("slow")
	want := "WARN\tslow\t{\"trace_id\": \"" + sc.TraceID().String() + "\", \"span_id\": \"" + sc.SpanID().String() + "\"}\n"
	if buf.String() != want {
		t.Fatalf("got  %q\nwant %q", buf.String(), want)
	}
}

func TestNothingChangesWithoutASpan(t *testing.T) {
	currentSpanContext = func() trace.SpanContext { return trace.SpanContext{} }
	t.Cleanup(func() { currentSpanContext = api.CurrentSpanContext })
	l, buf := logger(zapcore.NewJSONEncoder(zapcore.EncoderConfig{MessageKey: "msg"}))
	l.Info("quiet", zap.Int("n", 1))
	if strings.TrimSpace(buf.String()) != `{"msg":"quiet","n":1}` {
		t.Fatalf("got %s", buf)
	}
}
