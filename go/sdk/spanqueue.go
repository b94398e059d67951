package sdk

// spanqueue.go owns the span processor of programs that export spans over
// OTLP: each sampled span is encoded to its wire bytes when it ends
// (spanexport.go's encodeSpan) into a bounded queue, and one goroutine, made
// when the first span ends (lazy.go), exports the queue in batches through
// the exporter's official OTLP client.
//
// Why not the SDK's BatchSpanProcessor: its queue holds the SDK's span
// snapshots (each with its attribute, event and link slices) until they
// are exported. When the collector accepts and never answers, an export
// hangs until its timeout while the queue fills to OTEL_BSP_MAX_QUEUE_SIZE
// snapshots plus the batch in flight: the demo server's RSS rose by about
// 30% (bench/outage-memory.md). Encoded, a span is a few hundred bytes (in
// chunks shared with the spans that ended around it), and the snapshot is
// garbage as soon as OnEnd returns.
//
// The schedule and bounds are the BatchSpanProcessor's, from OTEL_BSP_*
// (config.go): a batch of OTEL_BSP_MAX_EXPORT_BATCH_SIZE is exported as soon
// as it is queued, a smaller one after OTEL_BSP_SCHEDULE_DELAY; each export
// has OTEL_BSP_EXPORT_TIMEOUT (and the client its OTLP timeout). The queue
// holds at most OTEL_BSP_MAX_QUEUE_SIZE spans, counting those of the export
// under way: a span that ends when it is full is dropped, never waited for,
// and counted (said at exit, exporthealth.go).

import (
	"context"
	"errors"
	"sync"
	"time"

	"autotel.dev/go/api"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// encodedSpanExporter exports spans encoded by encodeSpan (spanExporter, or
// the deferred OTLP/gRPC one).
type encodedSpanExporter interface {
	sdktrace.SpanExporter
	exportEncoded(ctx context.Context, spans []encodedSpan) error
}

// Spans are encoded into chunks of chunkSize bytes, a new one when less than
// chunkReserve is left (a longer span moves on to a larger array, as append
// does). A chunk lives as long as a span of it is queued or being exported:
// what the queue holds is its spans' bytes, not a buffer grown by doubling
// to its largest size so far.
const (
	chunkSize    = 16 << 10
	chunkReserve = 2 << 10
)

// wireSpanProcessor queues spans encoded and exports them in batches.
type wireSpanProcessor struct {
	exporter encodedSpanExporter
	health   *exportHealth
	cfg      batchConfig
	wake     func() // on the first span

	mu       sync.Mutex
	chunk    []byte        // where the next span is encoded
	spans    []encodedSpan // the queued spans
	inFlight int           // spans taken by the export under way
	scopes   scopeTable
	started  bool
	closed   bool

	full chan struct{} // a batch is queued (capacity 1)
	stop chan struct{} // closed by Shutdown
	done chan struct{} // closed when the goroutine has returned
	// cancel ends the goroutine's export under way (Shutdown, when its
	// context ends first, with that context's cause).
	ctx    context.Context
	cancel context.CancelCauseFunc

	// exporting is held (a value in it) by the one export under way, and
	// owns batch.
	exporting chan struct{}
	batch     []encodedSpan
}

func newWireSpanProcessor(exporter encodedSpanExporter, health *exportHealth, cfg batchConfig, wake func()) *wireSpanProcessor {
	ctx, cancel := context.WithCancelCause(context.Background())
	return &wireSpanProcessor{
		exporter: exporter, health: health, cfg: cfg, wake: wake,
		full: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{}),
		ctx: ctx, cancel: cancel, exporting: make(chan struct{}, 1),
	}
}

func (p *wireSpanProcessor) OnStart(context.Context, sdktrace.ReadWriteSpan) {}

// OnEnd queues s encoded if it is sampled (as the SDK's batch processor
// does), or drops it when the queue is full.
func (p *wireSpanProcessor) OnEnd(s sdktrace.ReadOnlySpan) {
	if !s.SpanContext().IsSampled() {
		return
	}
	if !spanIsValid(s) {
		s = validSpan(s)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	if len(p.spans)+p.inFlight >= p.cfg.maxQueue {
		p.health.overflow.Add(1)
		return
	}
	if !p.started {
		p.started = true
		p.wake()
		go p.run()
	}
	if cap(p.chunk)-len(p.chunk) < chunkReserve {
		p.chunk = make([]byte, 0, chunkSize)
	}
	var span encodedSpan
	p.chunk, span = encodeSpan(p.chunk, &p.scopes, s)
	p.spans = append(p.spans, span)
	if len(p.spans) == p.cfg.maxBatch {
		select {
		case p.full <- struct{}{}:
		default:
		}
	}
}

// run exports full batches as they are queued and everything queued every
// schedule delay, until Shutdown.
func (p *wireSpanProcessor) run() {
	defer close(p.done)
	timer := time.NewTimer(p.cfg.delay)
	defer timer.Stop()
	for {
		all := false
		select {
		case <-p.stop:
			return
		case <-p.full:
		case <-timer.C:
			all = true
		}
		p.export(p.ctx, all)
		if !timer.Stop() && !all {
			select {
			case <-timer.C:
			default:
			}
		}
		timer.Reset(p.cfg.delay)
	}
}

// export sends what is queued, all of it or only whole batches, one batch
// per request; it waits for an export under way, or until ctx ends (its
// only error: what could not be sent then is counted as failed).
func (p *wireSpanProcessor) export(ctx context.Context, all bool) error {
	select {
	case p.exporting <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-p.exporting }()
	if err := ctx.Err(); err != nil {
		return err
	}
	spans := p.take(all)
	for len(spans) > 0 {
		n := min(len(spans), p.cfg.maxBatch)
		ectx, cancel := context.WithTimeout(api.Suppress(ctx), p.cfg.timeout)
		// A failure is said once and counted by health, not returned (as
		// suppressedSpanExporter does).
		p.health.done(ctx, n, p.exporter.exportEncoded(ectx, spans[:n]))
		cancel()
		spans = spans[n:]
		p.mu.Lock()
		p.inFlight -= n
		p.mu.Unlock()
	}
	clear(p.batch)
	return ctx.Err()
}

// take moves the queued spans (all, or as many as fill whole batches) to
// p.batch, which the caller owns (it holds p.exporting).
func (p *wireSpanProcessor) take(all bool) []encodedSpan {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := len(p.spans)
	if !all {
		n -= n % p.cfg.maxBatch
	}
	p.batch = append(p.batch[:0], p.spans[:n]...)
	rest := copy(p.spans, p.spans[n:])
	clear(p.spans[rest:])
	p.spans = p.spans[:rest]
	p.inFlight = n
	return p.batch
}

// ForceFlush exports everything queued (after the export under way).
func (p *wireSpanProcessor) ForceFlush(ctx context.Context) error {
	return p.export(ctx, true)
}

// Shutdown stops the goroutine, exports what is queued and shuts the
// exporter down; later spans are dropped. If ctx ends first, the export
// under way is cancelled.
func (p *wireSpanProcessor) Shutdown(ctx context.Context) error {
	p.mu.Lock()
	started, wasClosed := p.started, p.closed
	p.closed = true
	p.mu.Unlock()
	if wasClosed {
		return nil
	}
	defer p.cancel(nil)
	var err error
	if started {
		close(p.stop)
		select {
		case <-p.done:
		case <-ctx.Done():
			p.cancel(context.Cause(ctx)) // ends the export under way, for the same reason
			return ctx.Err()
		}
		err = p.export(ctx, true)
	}
	return errors.Join(err, p.exporter.Shutdown(ctx))
}
