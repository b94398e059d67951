package sdk

import (
	"context"
	"os"
	"regexp"
	goruntime "runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"autotel.dev/go/logvalue"
	otellog "go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/sdk/resource"
)

// backgroundFunctions matches the functions of the goroutines the bootstrap
// may run: the batch processors, the metric exports, the signal listener and
// the OTLP transports' connections (HTTP/1, and HTTP/2 for gRPC: net/http's
// own, x/net's on Go 1.23).
var backgroundFunctions = regexp.MustCompile(`^(go\.opentelemetry\.io/otel/sdk/(trace|log)\.|autotel\.dev/go/sdk\.\(\*(metricExport|wireSpanProcessor)\)\.run|autotel\.dev/go/sdk\.listenForSignals|net/http\.\(\*(persistConn|http2ClientConn)\)|golang\.org/x/net/http2\.\(\*ClientConn\))`)

// backgroundGoroutines returns the first background function of every
// goroutine that runs one, sorted.
func backgroundGoroutines() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:goruntime.Stack(buf, true)]
	var found []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		for _, line := range strings.Split(g, "\n") {
			if m := backgroundFunctions.FindString(line); m != "" {
				found = append(found, line[:strings.LastIndexByte(line, '(')])
				break
			}
		}
	}
	slices.Sort(found)
	return found
}

// waitForBackground polls until backgroundGoroutines satisfies ok (goroutines
// start and end asynchronously) or for 5 s, and returns the last answer.
func waitForBackground(ok func([]string) bool) []string {
	return waitForBackgroundFor(5*time.Second, ok)
}

func waitForBackgroundFor(d time.Duration, ok func([]string) bool) []string {
	deadline := time.Now().Add(d)
	for {
		g := backgroundGoroutines()
		if ok(g) || time.Now().After(deadline) {
			return g
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// With either protocol: an OTLP/gRPC export's HTTP/2 connection runs
// goroutines too.
func TestNothingRunsBeforeTelemetryNorAfterShutdown(t *testing.T) {
	t.Run("http/protobuf", func(t *testing.T) {
		c := newCollector(t)
		nothingRunsBeforeTelemetryNorAfterShutdown(t, c, c.URL)
	})
	t.Run("grpc", func(t *testing.T) {
		t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
		c, endpoint := newGRPCCollector(t)
		nothingRunsBeforeTelemetryNorAfterShutdown(t, c, endpoint)
	})
}

func nothingRunsBeforeTelemetryNorAfterShutdown(t *testing.T, c *collector, endpoint string) {
	if g := backgroundGoroutines(); len(g) != 0 {
		t.Fatalf("background goroutines before the test: %q", g)
	}
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint) // read by the exporters too
	t.Setenv("OTEL_METRIC_EXPORT_INTERVAL", "50")
	cfg := loadConfig(os.Getenv)
	r := &runtime{shutdownTimeout: 5 * time.Second, listensForSignals: true}
	p, err := newProviders(cfg, resource.Empty(), r.wake)
	if err != nil {
		t.Fatal(err)
	}
	r.providers = p

	// Instruments and tracers exist, nothing was recorded yet.
	counter, _ := p.meter.Meter("lazy").Int64Counter("lazy.count")
	tracer := p.tracer.Tracer("lazy")
	logger := p.logger.Logger("lazy")
	if g := waitForBackgroundFor(300*time.Millisecond, func(g []string) bool { return len(g) != 0 }); len(g) != 0 {
		t.Fatalf("goroutines before any telemetry: %q", g)
	}

	counter.Add(context.Background(), 1)
	want := []string{"autotel.dev/go/sdk.(*metricExport).run", "autotel.dev/go/sdk.listenForSignals.func1"}
	if g := waitForBackground(func(g []string) bool { return slices.Equal(g, want) }); !slices.Equal(g, want) {
		t.Fatalf("after the first measurement: %q, want %q", g, want)
	}
	_, span := tracer.Start(context.Background(), "lazy span")
	span.End()
	var rec otellog.Record
	rec.SetBody(logvalue.String("lazy record"))
	logger.Emit(context.Background(), rec)
	spanQueue := "autotel.dev/go/sdk.(*wireSpanProcessor).run"
	if g := waitForBackground(func(g []string) bool { return len(g) >= 4 && slices.Contains(g, spanQueue) }); len(g) < 4 || !slices.Contains(g, spanQueue) {
		t.Fatalf("after a span and a record: %q, want the batch processors (%s among them) as well", g, spanQueue)
	}

	r.shutdown()
	if g := waitForBackground(func(g []string) bool { return len(g) == 0 }); len(g) != 0 {
		t.Fatalf("goroutines after shutdown: %q", g)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !slices.Equal(c.spans, []string{"lazy span"}) || !slices.Contains(c.metrics, "lazy.count") || !slices.Equal(c.logs, []string{"lazy record"}) {
		t.Errorf("exported spans %q, metrics %q, logs %q", c.spans, c.metrics, c.logs)
	}

	// After shutdown, telemetry starts nothing again.
	counter.Add(context.Background(), 1)
	_, span = tracer.Start(context.Background(), "late span")
	span.End()
	logger.Emit(context.Background(), rec)
	if g := backgroundGoroutines(); len(g) != 0 {
		t.Fatalf("telemetry after shutdown started %q", g)
	}
}
