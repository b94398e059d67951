package sdk

// Exports in a test binary. Leak checkers that look after every test
// (goleak.VerifyNone in a test, grpc's internal/leakcheck, etcd's
// AfterTest) fail a test that leaves a goroutine behind, and the SDK's batch
// processors and the periodic metric export are goroutines that live from
// the first telemetry to the end of the run. So in a test binary
// (isTestBinary) nothing of the bootstrap runs between exports: spans and
// log records wait in a queue with the batch processors' schedule and bounds
// (OTEL_BSP_*, OTEL_BLRP_*), metrics are collected every
// OTEL_METRIC_EXPORT_INTERVAL, and each export runs on the goroutine of a
// timer (time.AfterFunc: a pending timer is no goroutine), which ends with
// it; after an export the OTLP transports' idle connections are closed (the
// goroutines of HTTP/1 and HTTP/2 connections, gRPC's included).
// A program that is not a test binary keeps the SDK's processors.

import (
	"context"
	"errors"
	"sync"
	"time"

	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// timedBatcher queues items and exports them in batches from a timer.
type timedBatcher[T any] struct {
	cfg    batchConfig
	export func(context.Context, []T) error
	after  func() // after each export
	wake   func() // on the first item

	mu     sync.Mutex
	queue  []T
	timer  *time.Timer
	woken  bool
	closed bool

	exporting sync.Mutex // one export at a time, in queue order
}

// add queues item, dropping it when the queue is full (as the SDK's batch
// processors do) or after shutdown.
func (b *timedBatcher[T]) add(item T) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed || len(b.queue) >= b.cfg.maxQueue {
		return
	}
	if !b.woken {
		b.woken = true
		b.wake()
	}
	b.queue = append(b.queue, item)
	switch {
	case len(b.queue) >= b.cfg.maxBatch:
		b.arm(0)
	case len(b.queue) == 1:
		b.arm(b.cfg.delay)
	}
}

func (b *timedBatcher[T]) arm(d time.Duration) {
	if b.timer == nil {
		b.timer = time.AfterFunc(d, func() { b.flush(context.Background()) })
		return
	}
	b.timer.Reset(d)
}

// flush exports everything queued, a batch at a time; each export has the
// configured timeout within ctx.
func (b *timedBatcher[T]) flush(ctx context.Context) error {
	b.exporting.Lock()
	defer b.exporting.Unlock()
	var errs []error
	for {
		b.mu.Lock()
		n := min(len(b.queue), b.cfg.maxBatch)
		batch := append([]T(nil), b.queue[:n]...)
		b.queue = append(b.queue[:0], b.queue[n:]...)
		clear(b.queue[len(b.queue) : n+len(b.queue)])
		b.mu.Unlock()
		if n == 0 {
			return errors.Join(errs...)
		}
		ectx, cancel := context.WithTimeout(ctx, b.cfg.timeout)
		errs = append(errs, b.export(ectx, batch))
		cancel()
		b.after()
	}
}

// shutdown stops the timer and exports what is queued; later items are
// dropped.
func (b *timedBatcher[T]) shutdown(ctx context.Context) error {
	b.mu.Lock()
	b.closed = true
	if b.timer != nil {
		b.timer.Stop()
	}
	b.mu.Unlock()
	return b.flush(ctx)
}

// timedSpanProcessor is the span processor of a test binary.
type timedSpanProcessor struct {
	exporter sdktrace.SpanExporter
	batch    timedBatcher[sdktrace.ReadOnlySpan]
}

func newTimedSpanProcessor(exporter sdktrace.SpanExporter, cfg batchConfig, wake, after func()) *timedSpanProcessor {
	p := &timedSpanProcessor{exporter: exporter}
	p.batch = timedBatcher[sdktrace.ReadOnlySpan]{cfg: cfg, export: exporter.ExportSpans, after: after, wake: wake}
	return p
}

func (p *timedSpanProcessor) OnStart(context.Context, sdktrace.ReadWriteSpan) {}

// OnEnd queues sampled spans, as the SDK's batch processor does.
func (p *timedSpanProcessor) OnEnd(s sdktrace.ReadOnlySpan) {
	if s.SpanContext().IsSampled() {
		p.batch.add(s)
	}
}

func (p *timedSpanProcessor) ForceFlush(ctx context.Context) error { return p.batch.flush(ctx) }

func (p *timedSpanProcessor) Shutdown(ctx context.Context) error {
	return errors.Join(p.batch.shutdown(ctx), p.exporter.Shutdown(ctx))
}

// timedLogProcessor is the log processor of a test binary.
type timedLogProcessor struct {
	exporter sdklog.Exporter
	batch    timedBatcher[sdklog.Record]
}

func newTimedLogProcessor(exporter sdklog.Exporter, cfg batchConfig, wake, after func()) *timedLogProcessor {
	p := &timedLogProcessor{exporter: exporter}
	p.batch = timedBatcher[sdklog.Record]{cfg: cfg, export: exporter.Export, after: after, wake: wake}
	return p
}

// OnEmit queues a copy of r: the SDK reuses the record it hands processors.
func (p *timedLogProcessor) OnEmit(_ context.Context, r *sdklog.Record) error {
	p.batch.add(r.Clone())
	return nil
}

// Enabled lets every record through (see lazyLogProcessor.Enabled).
func (p *timedLogProcessor) Enabled(context.Context, sdklog.EnabledParameters) bool { return true }

func (p *timedLogProcessor) ForceFlush(ctx context.Context) error {
	return errors.Join(p.batch.flush(ctx), p.exporter.ForceFlush(ctx))
}

func (p *timedLogProcessor) Shutdown(ctx context.Context) error {
	return errors.Join(p.batch.shutdown(ctx), p.exporter.Shutdown(ctx))
}
