package otlp

// retry.go owns the retries of one export, as the official exporters make
// them (their internal/retry with cenkalti/backoff's defaults): exponential
// backoff from 5 s, ×1.5 per attempt with ±50 % jitter, at most 30 s between
// attempts, giving up once a minute has passed; a delay the server asks for
// (Retry-After, gRPC RetryInfo) is waited when longer. The export's context
// bounds it all: a retry that could not start before its deadline is not
// waited for, the last failure is returned at once.

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

type retryPolicy struct {
	initial, max, maxElapsed time.Duration
}

var defaultRetry = retryPolicy{initial: 5 * time.Second, max: 30 * time.Second, maxElapsed: time.Minute}

// retryableError is an attempt's failure that may succeed when tried again;
// throttle is the delay the server asked for (0: none).
type retryableError struct {
	err      error
	throttle time.Duration
}

func (e *retryableError) Error() string { return e.err.Error() }
func (e *retryableError) Unwrap() error { return e.err }

// do calls attempt until it succeeds, fails for good, or the policy or ctx
// ends the retries; the error returned is the last attempt's (unwrapped from
// retryableError), saying why no more attempts were made.
func (p retryPolicy) do(ctx context.Context, attempt func(context.Context) error) error {
	start := time.Now()
	interval := p.initial
	var last *retryableError
	for {
		err := attempt(ctx)
		if err == nil {
			return nil
		}
		r, ok := err.(*retryableError)
		if !ok {
			if last != nil && (ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded)) {
				// The deadline cut a retry short: what failed before says more.
				return fmt.Errorf("%w (retried until: %w)", last.err, err)
			}
			return err
		}
		last = r
		if ctx.Err() != nil {
			return fmt.Errorf("%w (%w)", r.err, context.Cause(ctx))
		}
		delay := jitter(interval)
		interval = min(time.Duration(float64(interval)*1.5), p.max)
		delay = max(delay, r.throttle)

		if time.Since(start)+delay > p.maxElapsed {
			return fmt.Errorf("%w (retries gave up after %v)", r.err, p.maxElapsed)
		}
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < delay {
			return fmt.Errorf("%w (no time left to retry in %v before the export's deadline)", r.err, delay.Round(time.Millisecond))
		}
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w (%w)", r.err, context.Cause(ctx))
		}
	}
}

// jitter spreads d by ±50 % (the official exporters' randomization factor).
func jitter(d time.Duration) time.Duration {
	return time.Duration(float64(d) * (0.5 + rand.Float64()))
}
