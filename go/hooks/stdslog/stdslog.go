// Package stdslog is autotel's log correlation for log/slog (instrumentation
// name "slog", rules in rules/slog.yaml): every record logged through a
// *slog.Logger while a span is active carries the attributes trace_id and
// span_id, whatever the handler (TextHandler: trace_id=…, JSONHandler:
// "trace_id":"…", custom handlers: two more attributes). The span is the one
// in the ctx passed to the *Context methods or, without one, the span current
// on the goroutine (autotel.dev/go/gls). Nothing changes when there is none.
//
// The hooks are on the two funnels of every Logger method in Go 1.23 to 1.26:
// (*Logger).log(ctx, level, msg, args ...any) and (*Logger).logAttrs(ctx,
// level, msg, attrs ...Attr). Records that a handler receives without going
// through a Logger (handler.Handle called directly) are not changed.
package stdslog

import (
	"context"
	"log/slog"

	"autotel.dev/go/api"
	"go.opentelemetry.io/otel/trace"
)

var inst = api.NewInstrumentation("slog")

// Attribute keys added to records.
const (
	TraceIDKey = "trace_id"
	SpanIDKey  = "span_id"
)

// spanContext returns the span context a record logged with ctx belongs to.
func spanContext(ctx context.Context) trace.SpanContext {
	if ctx != nil {
		if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
			return sc
		}
	}
	return api.CurrentSpanContext()
}

// prepare decides what to do with one logging call: ok=false when nothing
// (disabled, or neither a span nor an exporter wants the record, or the
// level is not enabled: then nothing is allocated). It exports the record
// when the global LoggerProvider wants it, and returns the id attributes to
// add when a span is active.
func prepare(l *slog.Logger, ctx context.Context, level slog.Level, msg string, add func(*slog.Record)) (traceID, spanID slog.Attr, ok bool) {
	if !inst.Enabled() || l == nil {
		return traceID, spanID, false
	}
	sc := spanContext(ctx)
	if ctx == nil {
		ctx = context.Background()
	}
	lg, exported := exporting(ctx, level)
	if !sc.IsValid() && !exported {
		return traceID, spanID, false
	}
	if !l.Enabled(ctx, level) {
		return traceID, spanID, false
	}
	if exported {
		export(lg, ctx, sc, level, msg, add)
	}
	if !sc.IsValid() {
		return traceID, spanID, false
	}
	return slog.String(TraceIDKey, sc.TraceID().String()), slog.String(SpanIDKey, sc.SpanID().String()), true
}

// logEnter is the enter hook of (*slog.Logger).log. The caller's args slice
// is not written to: the hook gives log a copy with two more attributes.
func logEnter(l **slog.Logger, ctx *context.Context, level *slog.Level, msg *string, args *[]any) (*struct{}, bool) {
	defer api.Guard("stdslog.logEnter")
	given := *args
	t, s, ok := prepare(*l, *ctx, *level, *msg, func(r *slog.Record) { r.Add(given...) })
	if !ok {
		return nil, false
	}
	out := make([]any, len(given), len(given)+2)
	copy(out, given)
	*args = append(out, t, s)
	return nil, false
}

// logAttrsEnter is the enter hook of (*slog.Logger).logAttrs.
func logAttrsEnter(l **slog.Logger, ctx *context.Context, level *slog.Level, msg *string, attrs *[]slog.Attr) (*struct{}, bool) {
	defer api.Guard("stdslog.logAttrsEnter")
	given := *attrs
	t, s, ok := prepare(*l, *ctx, *level, *msg, func(r *slog.Record) { r.AddAttrs(given...) })
	if !ok {
		return nil, false
	}
	out := make([]slog.Attr, len(given), len(given)+2)
	copy(out, given)
	*attrs = append(out, t, s)
	return nil, false
}
