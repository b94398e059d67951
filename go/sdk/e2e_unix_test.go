//go:build unix

package sdk

import (
	"os"
	"slices"
	"syscall"
	"testing"
)

// TestEndToEndSIGTERM: the program does not listen for SIGTERM, so SIGTERM
// kills it; with autotel it still dies of SIGTERM, after the flush.
func TestEndToEndSIGTERM(t *testing.T) {
	c := newCollector(t)
	res := runApp(t, "sigterm", appEnv("OTEL_EXPORTER_OTLP_ENDPOINT="+c.URL), func(p *os.Process) {
		if err := p.Signal(syscall.SIGTERM); err != nil {
			t.Error(err)
		}
	})
	ws, ok := res.state.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() || ws.Signal() != syscall.SIGTERM {
		t.Fatalf("process ended with %v, want death by SIGTERM; stdout:\n%s\nstderr:\n%s", res.state, res.stdout, res.stderr)
	}
	if spans, _, _, _ := c.snapshot(); !slices.Equal(spans, []string{"sigterm"}) {
		t.Errorf("spans %q, want [sigterm]", spans)
	}
	if res.stderr != "" {
		t.Errorf("the flush on a signal printed:\n%s", res.stderr)
	}
}

// TestEndToEndSIGINT: the same for SIGINT (Ctrl-C).
func TestEndToEndSIGINT(t *testing.T) {
	c := newCollector(t)
	res := runApp(t, "sigterm", appEnv("OTEL_EXPORTER_OTLP_ENDPOINT="+c.URL), func(p *os.Process) {
		if err := p.Signal(syscall.SIGINT); err != nil {
			t.Error(err)
		}
	})
	ws, ok := res.state.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() || ws.Signal() != syscall.SIGINT {
		t.Fatalf("process ended with %v, want death by SIGINT; stdout:\n%s\nstderr:\n%s", res.state, res.stdout, res.stderr)
	}
	if spans, _, _, _ := c.snapshot(); !slices.Equal(spans, []string{"sigterm"}) {
		t.Errorf("spans %q, want [sigterm]", spans)
	}
	if res.stderr != "" {
		t.Errorf("the flush on a signal printed:\n%s", res.stderr)
	}
}

// TestEndToEndSIGTERMHandledByTheApp: the program listens for SIGTERM and
// shuts down on its own (os.Exit(7)); autotel only flushes and lets it.
func TestEndToEndSIGTERMHandledByTheApp(t *testing.T) {
	c := newCollector(t)
	res := runApp(t, "handled", appEnv("OTEL_EXPORTER_OTLP_ENDPOINT="+c.URL), func(p *os.Process) {
		if err := p.Signal(syscall.SIGTERM); err != nil {
			t.Error(err)
		}
	})
	if code := res.state.ExitCode(); code != 7 {
		t.Fatalf("process ended with %v, want exit code 7; stdout:\n%s\nstderr:\n%s", res.state, res.stdout, res.stderr)
	}
	spans, _, _, _ := c.snapshot()
	slices.Sort(spans)
	if !slices.Equal(spans, []string{"handled", "shutdown"}) {
		t.Errorf("spans %q, want [handled shutdown]", spans)
	}
	if res.stderr != "" {
		t.Errorf("the flush on a signal printed:\n%s", res.stderr)
	}
}
