package otlp

// client_test.go: the Client's life cycle with both protocols: New starts
// nothing, an export's connections end with CloseIdleConnections and with
// Shutdown (no goroutine left), Shutdown waits for an export in flight or
// cancels it when its context ends, Export after Shutdown fails; and the
// package's dependencies (no grpc, protobuf or generated OTLP types).

import (
	"context"
	"errors"
	"net/http"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"
)

// endpoints start a collector of each protocol; slow makes the collector
// answer after that long.
func endpoints(t *testing.T, slow time.Duration) map[string]map[string]string {
	_, srv := newHTTPCollector(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		select {
		case <-time.After(slow):
		case <-r.Context().Done():
		}
	})
	_, addr := newGRPCCollector(t, nil, func(int) (int64, string, error) {
		time.Sleep(slow)
		return 0, "", nil
	})
	return map[string]map[string]string{
		ProtocolHTTPProtobuf: {"OTEL_EXPORTER_OTLP_ENDPOINT": srv.URL},
		ProtocolGRPC:         {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://" + addr},
	}
}

func TestClientLeavesNoGoroutine(t *testing.T) {
	for protocol, env := range endpoints(t, 0) {
		t.Run(protocol, func(t *testing.T) {
			before := settledGoroutines(t, -1) // whatever earlier tests leave winding down
			c, err := New(Traces, protocol, envOf(env))
			if err != nil {
				t.Fatal(err)
			}
			if n := settledGoroutines(t, before); n > before {
				t.Fatalf("New started %d goroutines:\n%s", n-before, goroutineDump())
			}
			body := marshal(t, testRequests(t)[Traces])
			if err := c.Export(context.Background(), body); err != nil {
				t.Fatal(err)
			}
			c.CloseIdleConnections()
			if n := settledGoroutines(t, before); n > before {
				t.Fatalf("%d goroutines left after CloseIdleConnections:\n%s", n-before, goroutineDump())
			}
			if err := c.Export(context.Background(), body); err != nil {
				t.Fatalf("Export after CloseIdleConnections: %v", err)
			}
			if err := c.Shutdown(context.Background()); err != nil {
				t.Fatal(err)
			}
			if n := settledGoroutines(t, before); n > before {
				t.Fatalf("%d goroutines left after Shutdown:\n%s", n-before, goroutineDump())
			}
			if err := c.Export(context.Background(), body); !errors.Is(err, ErrShutdown) {
				t.Errorf("Export after Shutdown = %v, want ErrShutdown", err)
			}
			if err := c.Shutdown(context.Background()); err != nil {
				t.Errorf("second Shutdown = %v", err)
			}
		})
	}
}

// exportInFlight starts an export of body and returns its outcome once it
// is under way (the collector answers slowly).
func exportInFlight(c *Client, body []byte) <-chan error {
	done := make(chan error, 1)
	go func() { done <- c.Export(context.Background(), body) }()
	time.Sleep(100 * time.Millisecond)
	return done
}

func TestShutdownWaitsForTheExportInFlight(t *testing.T) {
	for protocol, env := range endpoints(t, 300*time.Millisecond) {
		t.Run(protocol, func(t *testing.T) {
			c := newClient(t, Logs, protocol, env)
			done := exportInFlight(c, marshal(t, testRequests(t)[Logs]))
			start := time.Now()
			if err := c.Shutdown(context.Background()); err != nil {
				t.Errorf("Shutdown = %v", err)
			}
			if took := time.Since(start); took < 100*time.Millisecond {
				t.Errorf("Shutdown returned after %v, before the export ended", took)
			}
			if err := <-done; err != nil {
				t.Errorf("the export in flight = %v, want success", err)
			}
		})
	}
}

func TestShutdownCancelsTheExportWhenItsContextEnds(t *testing.T) {
	for protocol, env := range endpoints(t, 5*time.Second) {
		t.Run(protocol, func(t *testing.T) {
			c := newClient(t, Metrics, protocol, env)
			done := exportInFlight(c, marshal(t, testRequests(t)[Metrics]))
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			start := time.Now()
			if err := c.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("Shutdown = %v, want its context's deadline", err)
			}
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("Shutdown took %v", took)
			}
			select {
			case err := <-done:
				if !errors.Is(err, context.Canceled) {
					t.Errorf("the cancelled export = %v, want context.Canceled", err)
				}
			case <-time.After(2 * time.Second):
				t.Fatal("the export was not cancelled")
			}
		})
	}
}

// TestDependencies: the package links neither grpc nor protobuf nor the
// generated OTLP types, with the Go of the test and with Go 1.23 (whose
// cleartext HTTP/2 comes from golang.org/x/net/http2).
func TestDependencies(t *testing.T) {
	for _, toolchain := range []string{"", "go1.23.12"} {
		cmd := exec.Command("go", "list", "-deps", "autotel.dev/go/internal/otlp")
		if toolchain != "" {
			cmd.Env = append(cmd.Environ(), "GOTOOLCHAIN="+toolchain)
		}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("GOTOOLCHAIN=%s go list: %v\n%s", toolchain, err, out)
		}
		deps := strings.Fields(string(out))
		if len(deps) < 20 || deps[len(deps)-1] != "autotel.dev/go/internal/otlp" {
			t.Fatalf("GOTOOLCHAIN=%s go list printed no dependency list:\n%s", toolchain, out)
		}
		for _, d := range deps {
			for _, banned := range []string{"google.golang.org/grpc", "google.golang.org/protobuf", "go.opentelemetry.io/proto"} {
				if d == banned || strings.HasPrefix(d, banned+"/") {
					t.Errorf("GOTOOLCHAIN=%s: autotel.dev/go/internal/otlp depends on %s", toolchain, d)
				}
			}
		}
		x2 := false
		for _, d := range deps {
			x2 = x2 || d == "golang.org/x/net/http2"
		}
		if want := toolchain != "" || strings.HasPrefix(runtime.Version(), "go1.23."); x2 != want {
			t.Errorf("GOTOOLCHAIN=%s: golang.org/x/net/http2 linked: %v, want %v", toolchain, x2, want)
		}
	}
}
