package sdk

import (
	"errors"
	"testing"
)

func TestExportFailuresAreSaidOncePerStreakAndCounted(t *testing.T) {
	errs := captureErrors(t)
	traces := &exportHealth{signal: "traces", unit: "spans"}
	logs := &exportHealth{signal: "logs", unit: "log records"}
	down := errors.New("connection refused")

	for _, n := range []int{3, 4, 5} {
		if err := traces.done(n, down); err != nil {
			t.Fatalf("done returned %v: the SDK would print it again", err)
		}
	}
	if got := errs.all(); len(got) != 1 || got[0].Error() != "cannot export traces, dropping them until an export succeeds (said once; what is lost is counted at exit): connection refused" || !errors.Is(got[0], down) {
		t.Fatalf("reports %v, want one", got)
	}
	traces.done(2, nil) // the collector is back
	traces.done(1, down)
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
