// Package zap is autotel's log correlation for go.uber.org/zap
// (instrumentation name "zap", rules in rules/zap.yaml, versions >=1.13.0).
// writeEnter runs on entry to zapcore's (*ioCore).Write, where every core
// built by zap.New, zap.NewProduction, zap.NewDevelopment and zapcore.NewCore
// (also behind NewTee and the sampler) writes a record: while a span is
// current on the goroutine (api.CurrentSpanContext), the record gets two
// more fields, trace_id and span_id (hex): "trace_id":"…" in JSON, and in
// zap's console format inside the fields object that zap appends to the
// line. The caller's field slice is never modified; without a span nothing
// changes; a trace_id field the application set itself wins. Custom cores
// that do not wrap an ioCore are not covered.
package zap
