package sdk

import (
	"context"
	"errors"
	"sync"
	"time"

	"go.opentelemetry.io/otel"
)

// defaultShutdownTimeout bounds a flush: the program's exit is delayed by at
// most this much, whatever state the collector is in.
const defaultShutdownTimeout = 5 * time.Second

// errFlushBound is the cause of a flush's context ending at its bound: an
// export failing for it was cut off, not refused, and is not said on its own
// ("flush did not finish" says it for every signal at once).
var errFlushBound = errors.New("the flush's bound passed")

// runtime is the installed SDK and its flush-once state.
type runtime struct {
	providers       *providers
	shutdownTimeout time.Duration
	shutdownOnce    sync.Once
	// listensForSignals: the bootstrap flushes on SIGTERM and SIGINT; not
	// in a test binary (testbinary.go).
	listensForSignals bool
	// background is what runs once there is telemetry: the signal
	// listener (nil where there is none) and the periodic metric exports.
	background lazy[*signalListener]
}

// wake starts the background work, once: called on the first telemetry
// (span ended, record emitted, measurement made); never after shutdown.
func (r *runtime) wake() {
	r.background.get(func() *signalListener {
		r.providers.startMetricExports()
		if !r.listensForSignals {
			return nil
		}
		return listenForSignals(r)
	})
}

// shutdown flushes and shuts down every provider, once; later and
// concurrent calls wait for the first to finish (so whoever exits the
// process does so after the flush) and then return. Shutdown flushes: the
// span processor exports its queue (spanqueue.go), the metric readers are
// collected and exported a last time, the log BatchProcessor exports its
// queue. Then
// nothing of the bootstrap runs any more: no goroutine, no idle connection,
// no signal listener (test binaries end like this, see hooks.go).
func (r *runtime) shutdown() {
	r.shutdownOnce.Do(func() {
		if l := r.background.close(); l != nil && *l != nil {
			(*l).stop()
		}
		p := r.providers
		// What failed before the flush; the flush's own failures count only
		// if it finished: exports cut off by its bound fail at that same
		// moment, and "flush did not finish" already says they are lost.
		dropped := p.droppedSummary()
		finished := r.bounded(func(ctx context.Context) error {
			return parallel(ctx,
				func(ctx context.Context) error { return shutdownIfSet(ctx, p.tracer) },
				func(ctx context.Context) error {
					return errors.Join(forEach(ctx, p.metricExports, (*metricExport).shutdown), shutdownIfSet(ctx, p.meter))
				},
				func(ctx context.Context) error { return shutdownIfSet(ctx, p.logger) },
			)
		})
		p.closeIdleConnections()
		if finished {
			dropped = p.droppedSummary()
		}
		if dropped != "" {
			otel.Handle(errors.New(dropped))
		}
	})
}

// forceFlush exports what is buffered and keeps the providers running: used
// when a signal arrives that the application handles itself, so that its own
// shutdown (which ends in shutdown) still has telemetry to send.
func (r *runtime) forceFlush() {
	r.bounded(func(ctx context.Context) error {
		p := r.providers
		return parallel(ctx,
			func(ctx context.Context) error { return flushIfSet(ctx, p.tracer) },
			func(ctx context.Context) error { return forEach(ctx, p.metricExports, (*metricExport).forceFlush) },
			func(ctx context.Context) error { return flushIfSet(ctx, p.logger) },
		)
	})
}

// bounded runs fn with a context that expires after the shutdown timeout
// and returns by then even if fn does not honour the context; it says
// whether fn finished.
func (r *runtime) bounded(fn func(context.Context) error) bool {
	ctx, cancel := context.WithTimeoutCause(context.Background(), r.shutdownTimeout, errFlushBound)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- fn(ctx) }()
	select {
	case err := <-done:
		if err != nil {
			otel.Handle(err)
		}
		return true
	case <-ctx.Done():
		otel.Handle(errors.New("flush did not finish within " + r.shutdownTimeout.String() + "; telemetry may be lost"))
		return false
	}
}

func parallel(ctx context.Context, fns ...func(context.Context) error) error {
	errs := make([]error, len(fns))
	var wg sync.WaitGroup
	for i, fn := range fns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = fn(ctx)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func forEach[T any](ctx context.Context, items []T, fn func(T, context.Context) error) error {
	var errs []error
	for _, it := range items {
		errs = append(errs, fn(it, ctx))
	}
	return errors.Join(errs...)
}

type shutdowner interface {
	comparable
	Shutdown(context.Context) error
	ForceFlush(context.Context) error
}

func shutdownIfSet[P shutdowner](ctx context.Context, p P) error {
	var zero P
	if p == zero {
		return nil
	}
	return p.Shutdown(ctx)
}

func flushIfSet[P shutdowner](ctx context.Context, p P) error {
	var zero P
	if p == zero {
		return nil
	}
	return p.ForceFlush(ctx)
}
