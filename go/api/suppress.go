package api

import "context"

type suppressKey struct{}

// Suppress returns a context under which hooks produce no telemetry for the
// operation that carries it. The SDK bootstrap wraps its exporters so that
// their export requests are suppressed: without it, the net/http client hook
// would trace the exporter's own POSTs, whose spans would be exported again.
func Suppress(ctx context.Context) context.Context {
	if Suppressed(ctx) {
		return ctx
	}
	return context.WithValue(ctx, suppressKey{}, true)
}

// Suppressed reports whether ctx comes from [Suppress]. A nil ctx is not
// suppressed.
func Suppressed(ctx context.Context) bool {
	if ctx == nil {
		return false
	}
	return ctx.Value(suppressKey{}) != nil
}
