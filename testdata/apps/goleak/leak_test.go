// Package leak is a test suite that checks for leaked goroutines with goleak,
// as zap's and many others' do: built with `autotel go test`
// (crates/autotel/tests/gls), its tests make an instrumented HTTP call and
// log through log/slog, so the SDK has spans, metrics and log records to
// send, and yet goleak must find no goroutine of autotel's (with either
// OTLP protocol): not in a test before any telemetry, not at the end of each
// test that made some (VerifyNone, as suites that check every test do, grpc's
// among them), not after a test that waited for the exports to run, and not
// after all tests ran (goleak.Find); nor may the goroutine count be more than
// one then, as coder/websocket's TestMain demands (os/signal's goroutine,
// which goleak ignores, counts there).
package leak

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if err := goleak.Find(); err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	if n := runtime.NumGoroutine(); n != 1 {
		stacks := make([]byte, 1<<16)
		fmt.Printf("goroutine count: %d goroutines left, want 1\n%s\n", n, stacks[:runtime.Stack(stacks, true)])
		os.Exit(1)
	}
	os.Exit(code)
}

// Runs first: no telemetry yet, so nothing of the SDK may run.
func TestBeforeAnyTelemetry(t *testing.T) {
	defer goleak.VerifyNone(t)
}

func TestHTTPCall(t *testing.T) {
	defer goleak.VerifyNone(t)
	call(t)
}

// call makes an instrumented HTTP call to a server of its own.
func call(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "pong")
	}))
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	resp, err := client.Get(srv.URL + "/ping")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if string(body) != "pong" {
		t.Fatalf("body %q", body)
	}
}

func TestLog(t *testing.T) {
	defer goleak.VerifyNone(t)
	slog.Info("goleak log record")
}

// TestAfterExports waits past the span and log schedule delays and a metric
// interval (the suite runs with OTEL_BSP_SCHEDULE_DELAY=100 and
// OTEL_METRIC_EXPORT_INTERVAL=500): the exports have run, and ended.
func TestAfterExports(t *testing.T) {
	defer goleak.VerifyNone(t)
	call(t)
	slog.Info("goleak log record after exports")
	time.Sleep(1500 * time.Millisecond)
}
