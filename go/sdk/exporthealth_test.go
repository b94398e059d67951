package sdk

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestExportFailuresAreSaidOncePerStreakAndCounted(t *testing.T) {
	errs := captureErrors(t)
	traces := &exportHealth{signal: "traces", unit: "spans"}
	logs := &exportHealth{signal: "logs", unit: "log records"}
	down := errors.New("connection refused")

	for _, n := range []int{3, 4, 5} {
		if err := traces.done(context.Background(), n, down); err != nil {
			t.Fatalf("done returned %v: the SDK would print it again", err)
		}
	}
	if got := errs.all(); len(got) != 1 || got[0].Error() != "cannot export traces, dropping them until an export succeeds (said once; what is lost is counted at exit): connection refused" || !errors.Is(got[0], down) {
		t.Fatalf("reports %v, want one", got)
	}
	traces.done(context.Background(), 2, nil) // the collector is back
	traces.done(context.Background(), 1, down)
	if got := errs.all(); len(got) != 2 {
		t.Fatalf("a new streak of failures was reported %d times in all, want 2", len(got))
	}
	if got, want := droppedSummary(traces, logs), "not exported, the exports failed: 13 spans"; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
	if got := droppedSummary(logs); got != "" {
		t.Errorf("summary without losses %q", got)
	}
}

// An export that fails because the bound of a flush passed is counted and not
// said: "flush did not finish" says that for every signal at once. One that
// fails within the bound is said.
func TestExportsCutOffByTheFlushBoundAreCountedNotSaid(t *testing.T) {
	errs := captureErrors(t)
	metrics := &exportHealth{signal: "metrics", unit: "metrics"}
	r := &runtime{shutdownTimeout: 50 * time.Millisecond}
	reported := make(chan struct{})
	finished := r.bounded(func(ctx context.Context) error {
		defer close(reported)
		metrics.done(ctx, 2, errors.New("connection refused")) // within the bound
		metrics.done(ctx, 1, nil)
		<-ctx.Done()
		metrics.done(ctx, 3, ctx.Err())
		return nil
	})
	<-reported
	if finished {
		t.Fatal("bounded says a flush that outlived its bound finished")
	}
	var said []string
	for _, err := range errs.all() {
		said = append(said, err.Error())
	}
	want := []string{
		"cannot export metrics, dropping them until an export succeeds (said once; what is lost is counted at exit): connection refused",
		"flush did not finish within 50ms; telemetry may be lost",
	}
	if len(said) != len(want) || said[0] != want[0] || said[1] != want[1] {
		t.Errorf("said %q, want %q", said, want)
	}
	if got := metrics.dropped.Load(); got != 5 {
		t.Errorf("counted %d metrics lost, want 5", got)
	}
}
