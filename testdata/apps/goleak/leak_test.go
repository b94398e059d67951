// Package leak is a test suite that checks for leaked goroutines with goleak,
// as zap's and many others' do: built with `autotel go test`
// (crates/autotel/tests/gls), its tests make an instrumented HTTP call and
// log through log/slog, so the SDK has spans, metrics and log records to
// send, and yet goleak must find no goroutine of autotel's (with either
// OTLP protocol), neither in a test before any telemetry (VerifyNone) nor
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
	slog.Info("goleak log record")
}
