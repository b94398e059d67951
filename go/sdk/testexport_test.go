package sdk

import (
	"context"
	goruntime "runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// recordingExport keeps the batches a timedBatcher exports.
type recordingExport struct {
	mu      sync.Mutex
	batches [][]int
	afters  int
}

func (r *recordingExport) export(_ context.Context, batch []int) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.batches = append(r.batches, batch)
	return nil
}

func (r *recordingExport) after() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.afters++
}

func (r *recordingExport) snapshot() ([][]int, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.batches), r.afters
}

// goroutinesIn counts the goroutines whose stack names fn.
func goroutinesIn(fn string) int {
	buf := make([]byte, 1<<20)
	n := 0
	for _, g := range strings.Split(string(buf[:goruntime.Stack(buf, true)]), "\n\n") {
		if strings.Contains(g, fn) {
			n++
		}
	}
	return n
}

func TestTimedBatcherExportsFullBatchesAtOnceAndTheRestAfterItsDelay(t *testing.T) {
	rec := &recordingExport{}
	woken := 0
	b := &timedBatcher[int]{
		cfg:    batchConfig{delay: 50 * time.Millisecond, timeout: time.Second, maxQueue: 100, maxBatch: 3},
		export: rec.export, after: rec.after, wake: func() { woken++ },
	}
	for i := range 7 {
		b.add(i)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if batches, _ := rec.snapshot(); len(batches) == 3 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	batches, afters := rec.snapshot()
	if !slices.EqualFunc(batches, [][]int{{0, 1, 2}, {3, 4, 5}, {6}}, slices.Equal) {
		t.Fatalf("batches %v, want [[0 1 2] [3 4 5] [6]]", batches)
	}
	if afters != 3 || woken != 1 {
		t.Errorf("after ran %d times (want 3), wake %d (want 1)", afters, woken)
	}
	time.Sleep(20 * time.Millisecond) // the timer's goroutine returns from its last export
	if n := goroutinesIn("timedBatcher"); n != 0 {
		t.Errorf("%d goroutines of the batcher between exports", n)
	}
}

func TestTimedBatcherDropsWhatItsQueueCannotHoldAndFlushesAtShutdown(t *testing.T) {
	rec := &recordingExport{}
	b := &timedBatcher[int]{
		cfg:    batchConfig{delay: time.Hour, timeout: time.Second, maxQueue: 5, maxBatch: 10},
		export: rec.export, after: rec.after, wake: func() {},
	}
	for i := range 8 {
		b.add(i)
	}
	if batches, _ := rec.snapshot(); len(batches) != 0 {
		t.Fatalf("exported %v before the delay", batches)
	}
	if err := b.shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	b.add(99) // after shutdown: dropped
	if err := b.flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if batches, _ := rec.snapshot(); !slices.EqualFunc(batches, [][]int{{0, 1, 2, 3, 4}}, slices.Equal) {
		t.Fatalf("batches %v, want the queue's 5 items once", batches)
	}
}

// countingMetricExporter counts the exports of a metricExport.
type countingMetricExporter struct {
	mu      sync.Mutex
	exports int
}

func (e *countingMetricExporter) Temporality(k sdkmetric.InstrumentKind) metricdata.Temporality {
	return sdkmetric.DefaultTemporalitySelector(k)
}

func (e *countingMetricExporter) Aggregation(k sdkmetric.InstrumentKind) sdkmetric.Aggregation {
	return sdkmetric.DefaultAggregationSelector(k)
}

func (e *countingMetricExporter) ForceFlush(context.Context) error { return nil }

func (e *countingMetricExporter) Export(context.Context, *metricdata.ResourceMetrics) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.exports++
	return nil
}

func (e *countingMetricExporter) Shutdown(context.Context) error { return nil }

func (e *countingMetricExporter) count() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.exports
}

func TestTimedMetricExportsRunFromATimer(t *testing.T) {
	exp := &countingMetricExporter{}
	m := newMetricExport(exp, 30*time.Millisecond, time.Second)
	m.afterExport = func() {}
	sdkmetric.NewMeterProvider(sdkmetric.WithReader(m.reader))
	m.start()
	time.Sleep(200 * time.Millisecond)
	if n := goroutinesIn("(*metricExport).run"); n != 0 {
		t.Errorf("%d export loop goroutines in a test binary", n)
	}
	if n := exp.count(); n < 2 {
		t.Errorf("%d timed exports in 200 ms at a 30 ms interval", n)
	}
	if err := m.shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	after := exp.count()
	time.Sleep(100 * time.Millisecond)
	if n := exp.count(); n != after {
		t.Errorf("%d exports after shutdown", n-after)
	}
}
