package stdlog

import (
	"bytes"
	"context"
	"io"
	"log"
	"os"
	"strings"
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

// toStderr is a Logger writing where logs leave the process.
func toStderr() *log.Logger { return log.New(os.Stderr, "", 0) }

func TestIDsAppendedWhileASpanIsCurrent(t *testing.T) {
	defer gls.InstallFakeForTests()()
	tp := sdktrace.NewTracerProvider()
	l := toStderr()

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

// A Logger writing into a buffer the program reads back writes its lines
// unchanged: the program compares them (fiber's logger middleware tests do).
func TestLinesIntoABufferTheProgramReadsAreLeftAlone(t *testing.T) {
	defer gls.InstallFakeForTests()()
	tp := sdktrace.NewTracerProvider()
	_, a := api.Begin(context.Background(), tp.Tracer("t"), "op")
	defer a.End()
	for name, w := range map[string]io.Writer{"bytes.Buffer": &bytes.Buffer{}, "strings.Builder": &strings.Builder{}, "Bytes only": bytesOnly{}} {
		if got := output(log.New(w, "", 0), "msg"); got != "HEADER msg\n" {
			t.Errorf("%s: %q", name, got)
		}
	}
	for name, w := range map[string]io.Writer{"stderr": os.Stderr, "io.MultiWriter": io.MultiWriter(io.Discard), "pipe": pipeWriter(t)} {
		if got := output(log.New(w, "", 0), "msg"); !strings.Contains(got, " trace_id=") {
			t.Errorf("%s: %q lacks the ids", name, got)
		}
	}
}

// bytesOnly is a writer with a Bytes method and no String method.
type bytesOnly struct{}

func (bytesOnly) Write(p []byte) (int, error) { return len(p), nil }
func (bytesOnly) Bytes() []byte               { return nil }

func pipeWriter(t *testing.T) *os.File {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); w.Close() })
	return w
}

func TestDisabledOrWithoutSpanDoesNotAllocate(t *testing.T) {
	l := toStderr()
	var pc uintptr
	depth := 2
	f := func(b []byte) []byte { return b }
	allocs := testing.AllocsPerRun(100, func() { outputEnter(&l, &pc, &depth, &f) })
	if allocs != 0 {
		t.Errorf("outputEnter without a span allocates %v times", allocs)
	}
}
