package sdk

// Export failures, said once. An unreachable collector would otherwise print
// one line per failed export (every batch, every metric interval) on the
// application's stderr. The exporters' wrappers (providers.go) report each
// signal's failure once, when its exports start failing (again after one
// succeeded), count what the failed exports carried, and hand the SDK no
// error to print; shutdown prints the counts once, at exit.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"go.opentelemetry.io/otel"
)

// exportHealth is the export state of one signal.
type exportHealth struct {
	signal  string // "traces", "metrics", "logs"
	unit    string // what is counted: "spans", "metrics", "log records"
	failing atomic.Bool
	dropped atomic.Int64
	// overflow counts what was dropped because the export queue was full
	// (spanqueue.go).
	overflow atomic.Int64
}

// exportFailed is the one report of a signal whose exports fail.
type exportFailed struct {
	signal string
	err    error
}

func (e *exportFailed) Error() string {
	return fmt.Sprintf("cannot export %s, dropping them until an export succeeds (said once; what is lost is counted at exit): %v", e.signal, e.err)
}

func (e *exportFailed) Unwrap() error { return e.err }

// done records the outcome of exporting n items under ctx: on the first
// failure in a row it reports err once, unless the export was cut off by the
// bound of a flush (the flush says so itself, shutdown.go). It returns nil:
// the SDK must not print it again.
func (h *exportHealth) done(ctx context.Context, n int, err error) error {
	if err == nil {
		h.failing.Store(false)
		return nil
	}
	h.dropped.Add(int64(n))
	if errors.Is(context.Cause(ctx), errFlushBound) {
		return nil
	}
	if !h.failing.Swap(true) {
		otel.Handle(&exportFailed{signal: h.signal, err: err})
	}
	return nil
}

// droppedSummary is the line said at exit when exports failed or a queue
// was full: "" when
// nothing was lost.
func droppedSummary(hs ...*exportHealth) string {
	var failed, overflow []string
	for _, h := range hs {
		if n := h.dropped.Load(); n > 0 {
			failed = append(failed, fmt.Sprintf("%d %s", n, h.unit))
		}
		if n := h.overflow.Load(); n > 0 {
			overflow = append(overflow, fmt.Sprintf("%d %s", n, h.unit))
		}
	}
	var lines []string
	if len(failed) > 0 {
		lines = append(lines, "not exported, the exports failed: "+strings.Join(failed, ", "))
	}
	if len(overflow) > 0 {
		lines = append(lines, "dropped, the export queue was full: "+strings.Join(overflow, ", "))
	}
	return strings.Join(lines, "; ")
}

// droppedSummary is the line said at exit for p's signals ("" when nothing
// was lost, or p counts nothing).
func (p *providers) droppedSummary() string {
	if p.traces == nil {
		return ""
	}
	return droppedSummary(p.traces, p.metrics, p.logs)
}
