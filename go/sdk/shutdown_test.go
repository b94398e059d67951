package sdk

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"autotel.dev/go/api"
	"go.opentelemetry.io/otel"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// countingExporter counts exports and shutdowns and can block in them.
type countingExporter struct {
	exported, shutdowns atomic.Int32
	suppressed          atomic.Bool
	block               chan struct{} // nil: never block
}

func (e *countingExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	e.suppressed.Store(api.Suppressed(ctx))
	if e.block != nil {
		<-e.block // ignores ctx on purpose
	}
	e.exported.Add(int32(len(spans)))
	return nil
}

func (e *countingExporter) Shutdown(context.Context) error {
	e.shutdowns.Add(1)
	return nil
}

func testRuntime(e *countingExporter, timeout time.Duration) *runtime {
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(suppressedSpanExporter{e, &exportHealth{}}))
	return &runtime{providers: &providers{tracer: tp}, shutdownTimeout: timeout}
}

func TestShutdownFlushesOnce(t *testing.T) {
	e := &countingExporter{}
	r := testRuntime(e, 5*time.Second)
	_, span := r.providers.tracer.Tracer("t").Start(context.Background(), "s")
	span.End()

	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() { defer wg.Done(); r.shutdown() }()
	}
	wg.Wait()
	r.shutdown()

	if n := e.exported.Load(); n != 1 {
		t.Errorf("exported %d spans, want 1", n)
	}
	if n := e.shutdowns.Load(); n != 1 {
		t.Errorf("exporter shut down %d times, want 1", n)
	}
	if !e.suppressed.Load() {
		t.Error("the export context is not suppressed")
	}
}

func TestForceFlushKeepsProvidersRunning(t *testing.T) {
	e := &countingExporter{}
	r := testRuntime(e, 5*time.Second)
	tracer := r.providers.tracer.Tracer("t")
	_, span := tracer.Start(context.Background(), "before")
	span.End()
	r.forceFlush()
	if n := e.exported.Load(); n != 1 {
		t.Fatalf("forceFlush exported %d spans, want 1", n)
	}
	_, span = tracer.Start(context.Background(), "after")
	span.End()
	r.shutdown()
	if n := e.exported.Load(); n != 2 {
		t.Fatalf("exported %d spans after shutdown, want 2", n)
	}
	if n := e.shutdowns.Load(); n != 1 {
		t.Fatalf("shut down %d times, want 1", n)
	}
}

func TestShutdownIsBoundedWhenTheExporterHangs(t *testing.T) {
	errs := captureErrors(t)
	e := &countingExporter{block: make(chan struct{})}
	defer close(e.block)
	r := testRuntime(e, 200*time.Millisecond)
	_, span := r.providers.tracer.Tracer("t").Start(context.Background(), "s")
	span.End()

	start := time.Now()
	r.shutdown()
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("shutdown took %v with a 200ms bound", d)
	}
	if len(errs.all()) == 0 {
		t.Fatal("a flush that timed out was not reported")
	}
}

func TestShutdownWithoutProviders(t *testing.T) {
	r := &runtime{providers: &providers{}, shutdownTimeout: time.Second}
	r.shutdown()
	r.forceFlush()
}

func TestSuppressedMetricExporter(t *testing.T) {
	inner := &ctxMetricExporter{}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewPeriodicReader(suppressedMetricExporter{inner, &exportHealth{}})))
	c, _ := mp.Meter("t").Int64Counter("c")
	c.Add(context.Background(), 1)
	if err := mp.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !inner.suppressed.Load() {
		t.Fatal("metric export context is not suppressed")
	}
}

type ctxMetricExporter struct {
	sdkmetric.Exporter
	suppressed atomic.Bool
}

func (e *ctxMetricExporter) Temporality(k sdkmetric.InstrumentKind) metricdata.Temporality {
	return sdkmetric.DefaultTemporalitySelector(k)
}

func (e *ctxMetricExporter) Aggregation(k sdkmetric.InstrumentKind) sdkmetric.Aggregation {
	return sdkmetric.DefaultAggregationSelector(k)
}

func (e *ctxMetricExporter) Export(ctx context.Context, _ *metricdata.ResourceMetrics) error {
	e.suppressed.Store(api.Suppressed(ctx))
	return nil
}

func (e *ctxMetricExporter) ForceFlush(context.Context) error { return nil }
func (e *ctxMetricExporter) Shutdown(context.Context) error   { return nil }

// errorLog captures what reaches otel.Handle.
type errorLog struct {
	mu   sync.Mutex
	errs []error
}

func (l *errorLog) Handle(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errs = append(l.errs, err)
}

func (l *errorLog) all() []error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]error(nil), l.errs...)
}

func captureErrors(t *testing.T) *errorLog {
	t.Helper()
	log := &errorLog{}
	prev := otel.GetErrorHandler()
	otel.SetErrorHandler(log)
	t.Cleanup(func() { otel.SetErrorHandler(prev) })
	return log
}
