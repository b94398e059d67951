// Package zerolog is autotel's log correlation for github.com/rs/zerolog
// (instrumentation name "zerolog", rules in rules/zerolog.yaml, versions
// >=1.20.0). msgEnter runs on entry to (*zerolog.Event).msg, which Msg, Msgf,
// MsgFunc and Send all end in: while a span is current on the goroutine
// (api.CurrentSpanContext), the event gets two more fields, trace_id and
// span_id (hex), written through the event's own Str, so they are encoded as
// the build encodes every field (JSON, or CBOR with the binary_log tag) and
// come after the application's fields and before the message. A disabled
// event (nil) is left alone, and an event whose fields, or whose logger's
// context, already hold a trace_id is not changed.
package zerolog

import (
	"bytes"
	"unsafe"

	"autotel.dev/go/api"
	"github.com/rs/zerolog"
)

var inst = api.NewInstrumentation("zerolog")

// Field names added to correlated events.
const (
	TraceIDKey = "trace_id"
	SpanIDKey  = "span_id"
)

// currentSpanContext is api.CurrentSpanContext; tests replace it, since
// goroutine-local context needs an instrumented runtime.
var currentSpanContext = api.CurrentSpanContext

// eventFields returns the encoded fields of an event (given as
// unsafe.Pointer). Registered by the file added to package zerolog during its
// init; no initializer, so that this package's init does not erase it.
var eventFields func(unsafe.Pointer) []byte

// registerEventFields is pulled with //go:linkname by
// rules/files/zerolog_event.go.
func registerEventFields(f func(unsafe.Pointer) []byte) {
	if f != nil {
		eventFields = f
	}
}

// The trace_id key as the two encodings write it: JSON `"trace_id":` and
// CBOR's text string of length 8 (major type 3: 0x60|8).
var (
	jsonKey = []byte(`"` + TraceIDKey + `":`)
	cborKey = append([]byte{0x60 | byte(len(TraceIDKey))}, TraceIDKey...)
)

// hasTraceID reports whether the encoded fields already hold a trace_id key.
func hasTraceID(fields []byte) bool {
	return bytes.Contains(fields, jsonKey) || bytes.Contains(fields, cborKey)
}

// msgEnter is the enter hook of (*zerolog.Event).msg(msg string). It never
// asks for an exit call.
func msgEnter(e **zerolog.Event, _ *string) (*struct{}, bool) {
	defer api.Guard("zerolog.msgEnter")
	if !inst.Enabled() || *e == nil {
		return nil, false
	}
	sc := currentSpanContext()
	if !sc.IsValid() {
		return nil, false
	}
	if eventFields != nil && hasTraceID(eventFields(unsafe.Pointer(*e))) {
		return nil, false
	}
	(*e).Str(TraceIDKey, sc.TraceID().String()).Str(SpanIDKey, sc.SpanID().String())
	return nil, false
}
