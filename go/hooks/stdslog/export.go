package stdslog

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"sync/atomic"
	"time"

	"autotel.dev/go/api"
	"autotel.dev/go/logvalue"
	otellog "go.opentelemetry.io/otel/log"
	logglobal "go.opentelemetry.io/otel/log/global"
	"go.opentelemetry.io/otel/trace"
)

// Records are also exported as OpenTelemetry log records through the global
// LoggerProvider, which the SDK bootstrap configures from OTEL_LOGS_EXPORTER
// (none: the global provider is a no-op and nothing is built). The record's
// trace context is the span's; its attributes are the ones given to the
// logging call (those added with Logger.With or WithGroup live in the handler
// and are not seen here).

type loggerEntry struct {
	provider otellog.LoggerProvider
	logger   otellog.Logger
}

var exportLogger atomic.Pointer[loggerEntry]

// otelLogger returns this instrumentation's logger of the current global
// LoggerProvider.
func otelLogger() otellog.Logger {
	lp := logglobal.GetLoggerProvider()
	if e := exportLogger.Load(); e != nil && sameProvider(e.provider, lp) {
		return e.logger
	}
	e := &loggerEntry{provider: lp, logger: lp.Logger(inst.ScopeName(), otellog.WithInstrumentationVersion(api.Version))}
	exportLogger.Store(e)
	return e.logger
}

func sameProvider(a, b otellog.LoggerProvider) (same bool) {
	defer func() {
		if recover() != nil {
			same = false // not comparable: look up again
		}
	}()
	return a == b
}

// severity maps slog levels onto OpenTelemetry severities (slog's levels are
// 4 apart: DEBUG -4, INFO 0, WARN 4, ERROR 8).
func severity(level slog.Level) otellog.Severity {
	s := otellog.Severity(int(level) + int(otellog.SeverityInfo))
	switch {
	case s < otellog.SeverityTrace1:
		return otellog.SeverityTrace1
	case s > otellog.SeverityFatal4:
		return otellog.SeverityFatal4
	}
	return s
}

// exporting reports whether records of this level are exported.
func exporting(ctx context.Context, level slog.Level) (otellog.Logger, bool) {
	lg := otelLogger()
	return lg, lg.Enabled(ctx, otellog.EnabledParameters{Severity: severity(level)})
}

// export emits one record. add puts the call's arguments on a slog.Record,
// whose attribute parsing (key-value pairs, Attrs, !BADKEY) is slog's own.
func export(lg otellog.Logger, ctx context.Context, sc trace.SpanContext, level slog.Level, msg string, add func(*slog.Record)) {
	now := time.Now()
	var rec otellog.Record
	rec.SetTimestamp(now)
	rec.SetObservedTimestamp(now)
	rec.SetSeverity(severity(level))
	rec.SetSeverityText(level.String())
	rec.SetBody(logvalue.String(msg))
	r := slog.NewRecord(now, level, msg, 0)
	add(&r)
	r.Attrs(func(a slog.Attr) bool {
		if !a.Equal(slog.Attr{}) {
			rec.AddAttributes(logvalue.Pair(a.Key, logValue(a.Value)))
		}
		return true
	})
	if sc.IsValid() && !trace.SpanContextFromContext(ctx).IsValid() {
		ctx = trace.ContextWithSpanContext(ctx, sc)
	}
	lg.Emit(ctx, rec)
}

// logValue converts a slog value (logvalue names the types and constructors
// of the build's OpenTelemetry Logs API).
func logValue(v slog.Value) logvalue.Value {
	v = v.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return logvalue.String(v.String())
	case slog.KindInt64:
		return logvalue.Int64(v.Int64())
	case slog.KindUint64:
		u := v.Uint64()
		if u > math.MaxInt64 {
			return logvalue.String(fmt.Sprint(u))
		}
		return logvalue.Int64(int64(u))
	case slog.KindFloat64:
		return logvalue.Float64(v.Float64())
	case slog.KindBool:
		return logvalue.Bool(v.Bool())
	case slog.KindDuration:
		return logvalue.Int64(v.Duration().Nanoseconds())
	case slog.KindTime:
		return logvalue.String(v.Time().Format(time.RFC3339Nano))
	case slog.KindGroup:
		attrs := v.Group()
		kvs := make([]logvalue.KeyValue, 0, len(attrs))
		for _, a := range attrs {
			kvs = append(kvs, logvalue.Pair(a.Key, logValue(a.Value)))
		}
		return logvalue.Map(kvs...)
	}
	switch x := v.Any().(type) {
	case error:
		return logvalue.String(x.Error())
	case []byte:
		return logvalue.Bytes(x)
	case fmt.Stringer:
		return logvalue.String(x.String())
	}
	return logvalue.String(fmt.Sprint(v.Any()))
}
