package logrus

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"unsafe"

	"autotel.dev/go/api"
	"github.com/sirupsen/logrus"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// hookedFormatter calls formatEnter as the rewritten Format methods do.
type hookedFormatter struct{ logrus.Formatter }

func (f hookedFormatter) Format(entry *logrus.Entry) ([]byte, error) {
	recv := f.Formatter
	formatEnter(unsafe.Pointer(&recv), &entry)
	return f.Formatter.Format(entry)
}

func logger(f logrus.Formatter) (*logrus.Logger, *bytes.Buffer) {
	var buf bytes.Buffer
	l := logrus.New()
	l.Out = &buf
	l.Formatter = hookedFormatter{f}
	return l, &buf
}

func spanContext(t *testing.T) (context.Context, trace.SpanContext) {
	tp := sdktrace.NewTracerProvider()
	ctx, span := tp.Tracer("test").Start(context.Background(), "request")
	t.Cleanup(func() { span.End() })
	return ctx, span.SpanContext()
}

func TestJSONRecordsCarryTheSpanOfTheirContext(t *testing.T) {
	ctx, sc := spanContext(t)
	l, buf := logger(&logrus.JSONFormatter{})
	entry := l.WithContext(ctx).WithField("user", "ann")
	entry.Info("inside")
	// logrus 1.4.0 keeps Context in the entries of its pool: another logger.
	l2, buf2 := logger(&logrus.JSONFormatter{})
	l2.WithField("user", "ann").Info("outside")
	lines := []string{strings.TrimSpace(buf.String()), strings.TrimSpace(buf2.String())}
	var inside, outside map[string]any
	json.Unmarshal([]byte(lines[0]), &inside)
	json.Unmarshal([]byte(lines[1]), &outside)
	if inside["trace_id"] != sc.TraceID().String() || inside["span_id"] != sc.SpanID().String() || inside["user"] != "ann" || inside["msg"] != "inside" {
		t.Fatalf("record with a span: %s", lines[0])
	}
	if _, ok := outside["trace_id"]; ok || outside["user"] != "ann" {
		t.Fatalf("record without a span changed: %s", lines[1])
	}
	if len(entry.Data) != 1 {
		t.Fatalf("the caller's entry was modified: %v", entry.Data)
	}
}

func TestTextRecordsCarryKeyValues(t *testing.T) {
	ctx, sc := spanContext(t)
	l, buf := logger(&logrus.TextFormatter{DisableColors: true, DisableTimestamp: true})
	l.WithContext(ctx).Warn("slow")
	want := "level=warning msg=slow span_id=" + sc.SpanID().String() + " trace_id=" + sc.TraceID().String() + "\n"
	if buf.String() != want {
		t.Fatalf("got  %q\nwant %q", buf.String(), want)
	}
}

func TestApplicationsOwnTraceIDWins(t *testing.T) {
	ctx, _ := spanContext(t)
	l, buf := logger(&logrus.TextFormatter{DisableColors: true, DisableTimestamp: true})
	l.WithContext(ctx).WithField("trace_id", "mine").Info("x")
	if buf.String() != "level=info msg=x trace_id=mine\n" {
		t.Fatalf("got %q", buf.String())
	}
}

func TestRecordsCarryTheCurrentSpanWithoutContext(t *testing.T) {
	_, sc := spanContext(t)
	currentSpanContext = func() trace.SpanContext { return sc }
	t.Cleanup(func() { currentSpanContext = api.CurrentSpanContext })
	l, buf := logger(&logrus.TextFormatter{DisableColors: true, DisableTimestamp: true})
	l.Info("no ctx")
	want := "level=info msg=\"no ctx\" span_id=" + sc.SpanID().String() + " trace_id=" + sc.TraceID().String() + "\n"
	if buf.String() != want {
		t.Fatalf("got  %q\nwant %q", buf.String(), want)
	}
}
