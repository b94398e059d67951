package stdlog

import (
	"bytes"
	"context"
	"log"
	"testing"

	"autotel.dev/go/api"
	"autotel.dev/go/gls"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// output calls the hook as the trampoline of (*log.Logger).output does, then
// does what output does with appendOutput.
func output(l *log.Logger, msg string) string {
	var pc uintptr
	depth := 2
	appendOutput := func(b []byte) []byte { return append(b, msg...) }
	outputEnter(&l, &pc, &depth, &appendOutput)
	b := appendOutput([]byte("HEADER "))
	if len(b) == 0 || b[len(b)-1] != '\n' {
		b = append(b, '\n')
	}
	return string(b)
}

func TestIDsAppendedWhileASpanIsCurrent(t *testing.T) {
	defer gls.InstallFakeForTests()()
	tp := sdktrace.NewTracerProvider()
	l := log.New(&bytes.Buffer{}, "", 0)

	if got := output(l, "no span"); got != "HEADER no span\n" {
		t.Fatalf("without a span: %q", got)
	}
	_, a := api.Begin(context.Background(), tp.Tracer("t"), "op")
	sc := a.Span().SpanContext()
	ids := " trace_id=" + sc.TraceID().String() + " span_id=" + sc.SpanID().String()
	for msg, want := range map[string]string{
		"printf":    "HEADER printf" + ids + "\n",
		"println\n": "HEADER println" + ids + "\n",
		"":          "HEADER " + ids + "\n",
		// slog's default handler already added them.
		"msg trace_id=" + sc.TraceID().String() + " span_id=x": "HEADER msg trace_id=" + sc.TraceID().String() + " span_id=x\n",
	} {
		if got := output(l, msg); got != want {
			t.Errorf("%q: got %q, want %q", msg, got, want)
		}
	}
	a.End()
	if got := output(l, "after"); got != "HEADER after\n" {
		t.Fatalf("after End: %q", got)
	}
}

func TestDisabledOrWithoutSpanDoesNotAllocate(t *testing.T) {
	l := log.New(&bytes.Buffer{}, "", 0)
	var pc uintptr
	depth := 2
	f := func(b []byte) []byte { return b }
	allocs := testing.AllocsPerRun(100, func() { outputEnter(&l, &pc, &depth, &f) })
	if allocs != 0 {
		t.Errorf("outputEnter without a span allocates %v times", allocs)
	}
}
