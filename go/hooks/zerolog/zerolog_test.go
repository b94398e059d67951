package zerolog

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/rs/zerolog"
	"go.opentelemetry.io/otel/trace"
)

var testSpan = trace.NewSpanContext(trace.SpanContextConfig{
	TraceID:    trace.TraceID{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36},
	SpanID:     trace.SpanID{0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7},
	TraceFlags: trace.FlagsSampled,
})

// withSpan makes sc the current span context for the test.
func withSpan(t *testing.T, sc trace.SpanContext) {
	saved := currentSpanContext
	currentSpanContext = func() trace.SpanContext { return sc }
	t.Cleanup(func() { currentSpanContext = saved })
}

// logged runs the hook the way the woven msg would, then writes the event.
func logged(t *testing.T, event func(zerolog.Logger) *zerolog.Event) map[string]any {
	t.Helper()
	var out bytes.Buffer
	e := event(zerolog.New(&out))
	msg := "hello"
	msgEnter(&e, &msg)
	e.Msg(msg)
	var record map[string]any
	if err := json.Unmarshal(out.Bytes(), &record); err != nil {
		t.Fatalf("%v: %q", err, out.String())
	}
	return record
}

func TestEventsWhileASpanIsCurrentCarryItsIDs(t *testing.T) {
	withSpan(t, testSpan)
	record := logged(t, func(l zerolog.Logger) *zerolog.Event { return l.Info().Str("user", "7") })
	want := map[string]any{"level": "info", "user": "7", "trace_id": testSpan.TraceID().String(), "span_id": testSpan.SpanID().String(), "message": "hello"}
	if len(record) != len(want) {
		t.Fatalf("got %v, want %v", record, want)
	}
	for k, v := range want {
		if record[k] != v {
			t.Errorf("%s = %v, want %v", k, record[k], v)
		}
	}
}

func TestWithoutASpanNothingChanges(t *testing.T) {
	withSpan(t, trace.SpanContext{})
	record := logged(t, func(l zerolog.Logger) *zerolog.Event { return l.Info() })
	if _, ok := record[TraceIDKey]; ok {
		t.Errorf("trace_id without a span: %v", record)
	}
}

func TestADisabledEventIsLeftAlone(t *testing.T) {
	withSpan(t, testSpan)
	var out bytes.Buffer
	l := zerolog.New(&out).Level(zerolog.WarnLevel)
	e := l.Info()
	msg := "dropped"
	msgEnter(&e, &msg)
	e.Msg(msg)
	if out.Len() != 0 || e != nil {
		t.Errorf("a disabled event wrote %q", out.String())
	}
}

func TestATraceIDAlreadyEncodedIsRecognised(t *testing.T) {
	for name, fields := range map[string][]byte{
		"json": []byte(`{"level":"info","trace_id":"abc"`),
		"cbor": append([]byte{0xbf, 0x65, 'l', 'e', 'v', 'e', 'l'}, append([]byte{0x68}, "trace_id"...)...),
	} {
		if !hasTraceID(fields) {
			t.Errorf("%s: trace_id in %q not found", name, fields)
		}
	}
	for name, fields := range map[string][]byte{
		"json value": []byte(`{"message":"trace_id"`),
		"json other": []byte(`{"my_trace_id_x":1`),
	} {
		if hasTraceID(fields) {
			t.Errorf("%s: %q has no trace_id key", name, fields)
		}
	}
}
