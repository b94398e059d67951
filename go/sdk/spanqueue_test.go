package sdk

// The encoded span queue (spanqueue.go): what it sends is what the exporter
// sends for the same spans, its schedule, and its bounds against a
// collector that accepts and never answers.

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"autotel.dev/go/internal/otlp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// testTraceClient is an OTLP/HTTP traces client of endpoint whose
// connections are closed, and their goroutines gone, when the test ends
// (lazy_test.go counts them).
func testTraceClient(t *testing.T, endpoint string) *otlp.Client {
	c, err := otlp.New(otlp.Traces, protocolHTTPProtobuf, env(map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": endpoint}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.CloseIdleConnections()
		if g := waitForBackground(func(g []string) bool { return len(g) == 0 }); len(g) != 0 {
			t.Errorf("goroutines left: %q", g)
		}
	})
	return c
}

func testBatch(delay time.Duration, maxQueue, maxBatch int) batchConfig {
	return batchConfig{delay: delay, timeout: 30 * time.Second, maxQueue: maxQueue, maxBatch: maxBatch}
}

// sampledSpans are n sampled spans of one resource and scope.
func sampledSpans(n int, name string) []sdktrace.ReadOnlySpan {
	var stubs tracetest.SpanStubs
	for i := range n {
		stubs = append(stubs, tracetest.SpanStub{
			Name:        name,
			SpanContext: trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{1}, SpanID: trace.SpanID{byte(i + 1)}, TraceFlags: trace.FlagsSampled}),
		})
	}
	return stubs.Snapshots()
}

func TestWireSpanProcessorSendsWhatTheExporterSends(t *testing.T) {
	ctx := context.Background()
	spans := sampleSpans()
	direct, exp := capturingExporter(t)
	var sampled []sdktrace.ReadOnlySpan
	for _, s := range spans {
		if s.SpanContext().IsSampled() {
			sampled = append(sampled, s)
		}
	}
	if len(sampled) == 0 || len(sampled) == len(spans) {
		t.Fatalf("sampleSpans: %d of %d sampled; the test needs both kinds", len(sampled), len(spans))
	}
	if err := exp.ExportSpans(ctx, sampled); err != nil {
		t.Fatal(err)
	}

	queued, qexp := capturingExporter(t)
	woken := 0
	p := newWireSpanProcessor(qexp, &exportHealth{}, testBatch(time.Hour, 2048, 512), func() { woken++ })
	for _, s := range spans {
		p.OnEnd(s)
	}
	if err := p.ForceFlush(ctx); err != nil {
		t.Fatal(err)
	}
	if woken != 1 {
		t.Errorf("woken %d times, want once", woken)
	}
	want, got := direct.decoded(t), queued.decoded(t)
	if len(got) != len(want) {
		t.Fatalf("%d ResourceSpans, want %d", len(got), len(want))
	}
	for i := range want {
		if shorten(got[i]) != shorten(want[i]) {
			t.Errorf("ResourceSpans %d:\n got %s\nwant %s", i, shorten(got[i]), shorten(want[i]))
		}
	}
	if err := p.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	p.OnEnd(sampled[0]) // after shutdown: dropped, nothing exported
	if n := len(queued.uploads); n != len(want) {
		t.Errorf("%d uploads after a span ended after shutdown, want %d", n, len(want))
	}
}

func TestWireSpanProcessorExportsOnItsSchedule(t *testing.T) {
	c := newCollector(t)
	ctx := context.Background()
	exp := newSpanExporterOver(testTraceClient(t, c.URL+"/v1/traces"))
	health := &exportHealth{}
	p := newWireSpanProcessor(exp, health, testBatch(50*time.Millisecond, 100, 10), func() {})
	defer p.Shutdown(ctx)
	// One span: exported after the schedule delay.
	p.OnEnd(sampledSpans(1, "alone")[0])
	waitFor(t, func() bool { spans, _, _, _ := c.snapshot(); return len(spans) == 1 })
	// A full batch: exported without waiting for the delay to pass again.
	for _, s := range sampledSpans(10, "batch") {
		p.OnEnd(s)
	}
	waitFor(t, func() bool { spans, _, _, _ := c.snapshot(); return len(spans) == 11 })
	if n := health.dropped.Load() + health.overflow.Load(); n != 0 {
		t.Errorf("%d spans lost", n)
	}
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !ok(); {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// hangingCollector accepts connections and reads them, never answering.
func hangingCollector(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				buf := make([]byte, 32<<10)
				for {
					if _, err := conn.Read(buf); err != nil {
						return
					}
				}
			}()
		}
	}()
	return "http://" + l.Addr().String()
}

func TestWireSpanProcessorIsBoundedWhenTheCollectorHangs(t *testing.T) {
	ctx := context.Background()
	exp := newSpanExporterOver(testTraceClient(t, hangingCollector(t)+"/v1/traces"))
	health := &exportHealth{signal: "traces", unit: "spans"}
	errs := captureErrors(t)
	p := newWireSpanProcessor(exp, health, testBatch(time.Hour, 8, 4), func() {})
	// The goroutine takes the whole batches queued (4 or 8 spans) and hangs
	// in the first one's export; the queue holds 8 spans in all, counting
	// those: the other 12 are dropped, whenever the batches are taken.
	spans := sampledSpans(20, "s")
	for _, s := range spans {
		p.OnEnd(s)
	}
	waitFor(t, func() bool { p.mu.Lock(); defer p.mu.Unlock(); return p.inFlight > 0 })
	if n := health.overflow.Load(); n != 12 {
		t.Errorf("%d spans dropped, want 12", n)
	}
	if got, want := droppedSummary(health), "dropped, the export queue was full: 12 spans"; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
	// Shutdown is bounded by its context (as the flush bounds it): the
	// hanging export is cancelled, counted and not said on its own.
	sctx, cancel := context.WithTimeoutCause(ctx, 300*time.Millisecond, errFlushBound)
	defer cancel()
	start := time.Now()
	err := p.Shutdown(sctx)
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("shutdown took %v", took)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("shutdown: %v, want the context's deadline", err)
	}
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		t.Fatal("the export goroutine outlives its cancelled export")
	}
	// The cancelled batch, and the other one (taken with it, or queued) if
	// the flush got to it.
	if n := health.dropped.Load(); n != 4 && n != 8 {
		t.Errorf("%d spans counted as failed, want the cancelled batch's 4 (or 8)", n)
	}
	if s := droppedSummary(health); !strings.HasPrefix(s, "not exported, the exports failed: ") {
		t.Errorf("summary %q", s)
	}
	if said := errs.all(); len(said) != 0 {
		t.Errorf("the export cut off by the flush's bound was said: %v", said)
	}
}
