// Package stdlog is autotel's log correlation for the standard library's
// log package (instrumentation name "log", rules in rules/log.yaml): while a
// span is current on the goroutine (goroutine-local context, see
// autotel.dev/go/gls), every line a log.Logger writes (log.Printf, the
// std logger, log.Default(), log.New(...)) ends with
// " trace_id=<32 hex> span_id=<16 hex>". Nothing changes when no span is
// current, nor for a Logger that writes into a buffer the program reads back
// (its writer has a Bytes or String method: bytes.Buffer, strings.Builder,
// bytebufferpool's ByteBuffer...): such lines are the program's data, which
// its code or tests compare, not logs leaving the process. Lines to files,
// standard output and error, pipes, sockets and other writers get the ids.
//
// The hook is outputEnter on (*log.Logger).output(pc uintptr, calldepth int,
// appendOutput func([]byte) []byte) error, the funnel of every Logger method
// in Go 1.23 to 1.26. It wraps appendOutput, so the header (date, prefix,
// file:line) and the message are untouched and the ids come last, before the
// final newline.
package stdlog

import (
	"bytes"
	"io"
	"log"

	"autotel.dev/go/api"
)

var inst = api.NewInstrumentation("log")

// outputEnter is the enter hook of (*log.Logger).output. It never asks for an
// exit call.
func outputEnter(l **log.Logger, _ *uintptr, _ *int, appendOutput *func([]byte) []byte) (*struct{}, bool) {
	defer api.Guard("stdlog.outputEnter")
	if !inst.Enabled() {
		return nil, false
	}
	sc := api.CurrentSpanContext()
	if !sc.IsValid() || appendOutput == nil || *appendOutput == nil || l == nil || *l == nil || readBack((*l).Writer()) {
		return nil, false
	}
	*appendOutput = withIDs(*appendOutput, sc.TraceID().String(), sc.SpanID().String())
	return nil, false
}

// readBack reports whether w is a buffer the program reads its lines back
// from. (*log.Logger).Writer takes the Logger's output lock, which output
// takes only after this hook has returned.
func readBack(w io.Writer) bool {
	switch w.(type) {
	case interface{ Bytes() []byte }, interface{ String() string }:
		return true
	}
	return false
}

// withIDs returns appendOutput followed by " trace_id=… span_id=…", kept
// before a trailing newline. Lines that already carry the trace id are left
// alone: log/slog's default handler writes through log's output with the ids
// its own hook added.
func withIDs(appendOutput func([]byte) []byte, traceID, spanID string) func([]byte) []byte {
	return func(b []byte) []byte {
		start := len(b)
		b = appendOutput(b)
		if bytes.Contains(b[start:], []byte("trace_id="+traceID)) {
			return b
		}
		newline := len(b) > start && b[len(b)-1] == '\n'
		if newline {
			b = b[:len(b)-1]
		}
		b = append(b, " trace_id="...)
		b = append(b, traceID...)
		b = append(b, " span_id="...)
		b = append(b, spanID...)
		if newline {
			b = append(b, '\n')
		}
		return b
	}
}
