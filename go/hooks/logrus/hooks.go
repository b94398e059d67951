package logrus

import (
	"unsafe"

	"autotel.dev/go/api"
	"github.com/sirupsen/logrus"
	"go.opentelemetry.io/otel/trace"
)

var inst = api.NewInstrumentation("logrus")

// Field names added to correlated records.
const (
	TraceIDKey = "trace_id"
	SpanIDKey  = "span_id"
)

// currentSpanContext is api.CurrentSpanContext; tests replace it, since
// goroutine-local context needs an instrumented runtime.
var currentSpanContext = api.CurrentSpanContext

// formatEnter is the enter hook of (*TextFormatter).Format(entry) and
// (*JSONFormatter).Format(entry); the receiver is not used.
func formatEnter(_ unsafe.Pointer, entry **logrus.Entry) (*struct{}, bool) {
	defer api.Guard("logrus.formatEnter")
	e := *entry
	if e == nil || !inst.Enabled() {
		return nil, false
	}
	var sc trace.SpanContext
	if e.Context != nil {
		sc = trace.SpanContextFromContext(e.Context)
	}
	if !sc.IsValid() {
		sc = currentSpanContext()
	}
	if !sc.IsValid() {
		return nil, false
	}
	if _, set := e.Data[TraceIDKey]; set {
		return nil, false
	}
	data := make(logrus.Fields, len(e.Data)+2)
	for k, v := range e.Data {
		data[k] = v
	}
	data[TraceIDKey] = sc.TraceID().String()
	data[SpanIDKey] = sc.SpanID().String()
	dup := *e
	dup.Data = data
	*entry = &dup
	return nil, false
}
