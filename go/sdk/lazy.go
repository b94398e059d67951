package sdk

// What the bootstrap starts only once there is telemetry to send: the batch
// span processors, the log batch processors, the periodic metric exports and
// the signal listener are goroutines, and a program (or a test binary under
// goleak) that never records anything must not have them. Each is made on
// first use and never after shutdown; the hot path is one atomic load.

import (
	"context"
	"sync"
	"sync/atomic"

	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/exemplar"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// lazy holds a value made on first use, and never made after close.
type lazy[T any] struct {
	v    atomic.Pointer[T]
	once sync.Once
}

// get returns the value, made by make on the first call; nil after close.
func (l *lazy[T]) get(make func() T) *T {
	if v := l.v.Load(); v != nil {
		return v
	}
	l.once.Do(func() {
		v := make()
		l.v.Store(&v)
	})
	return l.v.Load()
}

// close prevents any later make and returns the value if it was made
// (waiting for a make under way).
func (l *lazy[T]) close() *T {
	l.once.Do(func() {})
	return l.v.Load()
}

// lazySpanProcessor is a BatchSpanProcessor of exporter made when the first
// span ends; wake tells the bootstrap that there is telemetry.
type lazySpanProcessor struct {
	exporter sdktrace.SpanExporter
	wake     func()
	batch    lazy[sdktrace.SpanProcessor]
}

func (p *lazySpanProcessor) started() sdktrace.SpanProcessor {
	b := p.batch.get(func() sdktrace.SpanProcessor {
		p.wake()
		return sdktrace.NewBatchSpanProcessor(p.exporter)
	})
	if b == nil {
		return nil
	}
	return *b
}

func (p *lazySpanProcessor) OnStart(context.Context, sdktrace.ReadWriteSpan) {}

func (p *lazySpanProcessor) OnEnd(s sdktrace.ReadOnlySpan) {
	if b := p.started(); b != nil {
		b.OnEnd(s)
	}
}

// Shutdown stops the batch processor if it was started (exporting its
// queue) and shuts the exporter down either way.
func (p *lazySpanProcessor) Shutdown(ctx context.Context) error {
	if b := p.batch.close(); b != nil {
		return (*b).Shutdown(ctx)
	}
	return p.exporter.Shutdown(ctx)
}

func (p *lazySpanProcessor) ForceFlush(ctx context.Context) error {
	if b := p.batch.v.Load(); b != nil {
		return (*b).ForceFlush(ctx)
	}
	return nil
}

// lazyLogProcessor is a log BatchProcessor of exporter made when the first
// record is emitted.
type lazyLogProcessor struct {
	exporter sdklog.Exporter
	wake     func()
	batch    lazy[*sdklog.BatchProcessor]
}

func (p *lazyLogProcessor) OnEmit(ctx context.Context, r *sdklog.Record) error {
	b := p.batch.get(func() *sdklog.BatchProcessor {
		p.wake()
		return sdklog.NewBatchProcessor(p.exporter)
	})
	if b == nil {
		return nil
	}
	return (*b).OnEmit(ctx, r)
}

// Enabled lets every record through, as a BatchProcessor does: the SDK's
// Processor interface requires it from log v1.47.0 on (before, it makes this a
// FilterProcessor that filters nothing).
func (p *lazyLogProcessor) Enabled(context.Context, sdklog.EnabledParameters) bool { return true }

func (p *lazyLogProcessor) Shutdown(ctx context.Context) error {
	if b := p.batch.close(); b != nil {
		return (*b).Shutdown(ctx)
	}
	return p.exporter.Shutdown(ctx)
}

func (p *lazyLogProcessor) ForceFlush(ctx context.Context) error {
	if b := p.batch.v.Load(); b != nil {
		return (*b).ForceFlush(ctx)
	}
	return nil
}

// wakingExemplarFilter is the exemplar filter named by
// OTEL_METRICS_EXEMPLAR_FILTER, which the metric SDK consults on every
// synchronous measurement: the first one wakes the bootstrap.
func wakingExemplarFilter(name string, wake func()) exemplar.Filter {
	inner := exemplar.TraceBasedFilter
	switch name {
	case "always_on":
		inner = exemplar.AlwaysOnFilter
	case "always_off":
		inner = exemplar.AlwaysOffFilter
	}
	var awake atomic.Bool
	return func(ctx context.Context) bool {
		if !awake.Load() {
			awake.Store(true)
			wake()
		}
		return inner(ctx)
	}
}

// wakingView is a view that changes nothing and wakes the bootstrap when an
// asynchronous instrument is made: its callbacks are telemetry that only the
// periodic collections gather, and no measurement of theirs passes the
// exemplar filter (a program that only observes gauges would otherwise
// export once, at exit).
func wakingView(wake func()) sdkmetric.View {
	return func(i sdkmetric.Instrument) (sdkmetric.Stream, bool) {
		switch i.Kind {
		case sdkmetric.InstrumentKindObservableCounter, sdkmetric.InstrumentKindObservableUpDownCounter, sdkmetric.InstrumentKindObservableGauge:
			wake()
		}
		return sdkmetric.Stream{}, false
	}
}
