package sdk

// The periodic metric export, started only once there is telemetry (see
// lazy.go). It replaces the SDK's PeriodicReader, which starts its goroutine
// as soon as the MeterProvider exists: a ManualReader (no goroutine) is
// registered instead, and metricExport collects and exports it every
// OTEL_METRIC_EXPORT_INTERVAL from the first telemetry on, and once more at
// shutdown. In a test binary (testexport.go) the exports run from a timer
// instead of a goroutine of their own.

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// metricExport exports one reader through one exporter.
type metricExport struct {
	reader   *sdkmetric.ManualReader
	exporter sdkmetric.Exporter
	interval time.Duration
	timeout  time.Duration
	// afterExport, set in a test binary, runs after each timed export.
	afterExport func()
	mu          sync.Mutex // one collection at a time
	loop        lazy[*exportLoop]
}

type exportLoop struct {
	stop  chan struct{}
	done  chan struct{}
	timer atomic.Pointer[time.Timer] // in a test binary, the next export's, in place of the goroutine
}

func newMetricExport(exporter sdkmetric.Exporter, interval, timeout time.Duration) *metricExport {
	return &metricExport{
		reader: sdkmetric.NewManualReader(
			sdkmetric.WithTemporalitySelector(exporter.Temporality),
			sdkmetric.WithAggregationSelector(exporter.Aggregation),
		),
		exporter: exporter,
		interval: interval,
		timeout:  timeout,
	}
}

// start begins the periodic exports (once; never after shutdown).
func (m *metricExport) start() {
	m.loop.get(func() *exportLoop {
		l := &exportLoop{stop: make(chan struct{}), done: make(chan struct{})}
		if m.afterExport != nil {
			close(l.done)
			m.arm(l)
			return l
		}
		go m.run(l)
		return l
	})
}

// arm schedules the next timed export.
func (m *metricExport) arm(l *exportLoop) {
	l.timer.Store(time.AfterFunc(m.interval, func() { m.tick(l) }))
}

// tick is one timed export; it arms the next one.
func (m *metricExport) tick(l *exportLoop) {
	select {
	case <-l.stop:
		return
	default:
	}
	ctx, cancel := context.WithTimeout(context.Background(), m.timeout)
	if err := m.export(ctx); err != nil {
		otel.Handle(err)
	}
	cancel()
	m.afterExport()
	select {
	case <-l.stop:
	default:
		m.arm(l)
	}
}

func (m *metricExport) run(l *exportLoop) {
	defer close(l.done)
	t := time.NewTicker(m.interval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), m.timeout)
			if err := m.export(ctx); err != nil {
				otel.Handle(err)
			}
			cancel()
		case <-l.stop:
			return
		}
	}
}

// export collects and exports once; after shutdown (a flush racing the
// program's exit) there is nothing to do.
func (m *metricExport) export(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	var rm metricdata.ResourceMetrics
	if err := m.reader.Collect(ctx, &rm); err != nil {
		if errors.Is(err, sdkmetric.ErrReaderShutdown) {
			return nil
		}
		return err
	}
	return m.exporter.Export(ctx, &rm)
}

// forceFlush exports what was recorded and flushes the exporter.
func (m *metricExport) forceFlush(ctx context.Context) error {
	return errors.Join(m.export(ctx), m.exporter.ForceFlush(ctx))
}

// shutdown stops the periodic exports, exports a last time and shuts the
// exporter down.
func (m *metricExport) shutdown(ctx context.Context) error {
	if l := m.loop.close(); l != nil {
		close((*l).stop)
		if t := (*l).timer.Load(); t != nil {
			t.Stop()
		}
		select {
		case <-(*l).done:
		case <-ctx.Done():
		}
	}
	return errors.Join(m.export(ctx), m.exporter.Shutdown(ctx)) // the meter provider shuts the reader down
}
