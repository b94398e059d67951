package zap

import (
	"unsafe"

	"autotel.dev/go/api"
	"go.uber.org/zap/zapcore"
)

var inst = api.NewInstrumentation("zap")

// Field names added to correlated records.
const (
	TraceIDKey = "trace_id"
	SpanIDKey  = "span_id"
)

// currentSpanContext is api.CurrentSpanContext; tests replace it, since
// goroutine-local context needs an instrumented runtime.
var currentSpanContext = api.CurrentSpanContext

// writeEnter is the enter hook of zapcore's (*ioCore).Write(ent Entry, fields
// []Field); the receiver (an unexported type) is not used.
func writeEnter(_ unsafe.Pointer, _ *zapcore.Entry, fields *[]zapcore.Field) (*struct{}, bool) {
	defer api.Guard("zap.writeEnter")
	if !inst.Enabled() {
		return nil, false
	}
	sc := currentSpanContext()
	if !sc.IsValid() {
		return nil, false
	}
	for _, f := range *fields {
		if f.Key == TraceIDKey {
			return nil, false
		}
	}
	out := make([]zapcore.Field, len(*fields), len(*fields)+2)
	copy(out, *fields)
	out = append(out,
		zapcore.Field{Key: TraceIDKey, Type: zapcore.StringType, String: sc.TraceID().String()},
		zapcore.Field{Key: SpanIDKey, Type: zapcore.StringType, String: sc.SpanID().String()})
	*fields = out
	return nil, false
}
