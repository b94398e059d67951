package stdslog

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"autotel.dev/go/api"
	"autotel.dev/go/gls"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// logThrough calls the hooks as the trampolines of (*Logger).log and
// logAttrs do, then logs what the hook left, as those functions do.
func logThrough(l *slog.Logger, ctx context.Context, msg string, args ...any) {
	level := slog.LevelInfo
	logEnter(&l, &ctx, &level, &msg, &args)
	l.Log(ctx, level, msg, args...)
}

func logAttrsThrough(l *slog.Logger, ctx context.Context, msg string, attrs ...slog.Attr) {
	level := slog.LevelInfo
	logAttrsEnter(&l, &ctx, &level, &msg, &attrs)
	l.LogAttrs(ctx, level, msg, attrs...)
}

func TestRecordsCarryIDs(t *testing.T) {
	defer gls.InstallFakeForTests()()
	tp := sdktrace.NewTracerProvider()
	var text, js bytes.Buffer
	textLog := slog.New(slog.NewTextHandler(&text, nil))
	jsonLog := slog.New(slog.NewJSONHandler(&js, nil))

	logThrough(textLog, context.Background(), "before")
	if strings.Contains(text.String(), "trace_id") {
		t.Fatalf("ids without a span: %s", text.String())
	}

	// The goroutine's current span, for calls without a ctx span.
	_, a := api.Begin(context.Background(), tp.Tracer("t"), "op")
	sc := a.Span().SpanContext()
	text.Reset()
	args := []any{"k", "v"}
	logThrough(textLog, context.Background(), "inside", args...)
	want := "k=v trace_id=" + sc.TraceID().String() + " span_id=" + sc.SpanID().String() + "\n"
	if !strings.HasSuffix(text.String(), want) {
		t.Errorf("text: %q, want suffix %q", text.String(), want)
	}
	if len(args) != 2 {
		t.Error("the caller's args changed")
	}

	// A span in ctx wins.
	ctx, other := tp.Tracer("t").Start(context.Background(), "other", trace.WithNewRoot())
	logAttrsThrough(jsonLog, ctx, "json", slog.Int("n", 1))
	var rec map[string]any
	if err := json.Unmarshal(js.Bytes(), &rec); err != nil {
		t.Fatal(err)
	}
	if rec["trace_id"] != other.SpanContext().TraceID().String() || rec["span_id"] != other.SpanContext().SpanID().String() || rec["n"] != 1.0 {
		t.Errorf("json record %v, want the ctx span's ids", rec)
	}
	other.End()
	a.End()

	// Disabled levels get nothing (and allocate nothing).
	debug := slog.LevelDebug
	l := textLog
	c := context.Background()
	m := "x"
	var none []any
	_, a = api.Begin(context.Background(), tp.Tracer("t"), "op")
	logEnter(&l, &c, &debug, &m, &none)
	if len(none) != 0 {
		t.Error("ids added to a record whose level is disabled")
	}
	a.End()
}
