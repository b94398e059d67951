package sdk

import (
	"context"
	"errors"
	"fmt"
	"os"

	"autotel.dev/go/api"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploggrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/exporters/stdout/stdoutlog"
	"go.opentelemetry.io/otel/exporters/stdout/stdoutmetric"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	logglobal "go.opentelemetry.io/otel/log/global"
	"go.opentelemetry.io/otel/propagation"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// providers are the SDK providers the bootstrap installed; nil members were
// not configured (exporter "none").
type providers struct {
	tracer *sdktrace.TracerProvider
	meter  *sdkmetric.MeterProvider
	logger *sdklog.LoggerProvider
}

// newProviders builds the providers of cfg. It fails only when nothing at all
// could be built; an exporter that cannot be created is reported and left out.
//
// Memory and latency stay bounded when the collector is down or slow: spans
// go through a BatchSpanProcessor (queue of OTEL_BSP_MAX_QUEUE_SIZE, 2048 by
// default, that drops when full instead of blocking), metrics through a
// PeriodicReader and logs through a BatchProcessor (bounded queue as well);
// every export has the exporters' timeout (OTEL_EXPORTER_OTLP_TIMEOUT, 10 s),
// and no application goroutine ever waits for an export.
func newProviders(ctx context.Context, cfg config, res *resource.Resource) (*providers, error) {
	var p providers
	var errs []error

	var spanExporters []sdktrace.SpanExporter
	for _, name := range cfg.traces.exporters {
		e, err := newSpanExporter(ctx, name, cfg.traces)
		if err != nil {
			errs = append(errs, fmt.Errorf("traces exporter %s: %w", name, err))
			continue
		}
		spanExporters = append(spanExporters, suppressedSpanExporter{e})
	}
	if len(spanExporters) > 0 {
		opts := []sdktrace.TracerProviderOption{
			sdktrace.WithResource(res),
			sdktrace.WithSampler(buildSampler(cfg.sampler)),
		}
		for _, e := range spanExporters {
			opts = append(opts, sdktrace.WithBatcher(e))
		}
		p.tracer = sdktrace.NewTracerProvider(opts...)
	}

	var readers []sdkmetric.Option
	for _, name := range cfg.metrics.exporters {
		e, err := newMetricExporter(ctx, name, cfg.metrics)
		if err != nil {
			errs = append(errs, fmt.Errorf("metrics exporter %s: %w", name, err))
			continue
		}
		readers = append(readers, sdkmetric.WithReader(sdkmetric.NewPeriodicReader(suppressedMetricExporter{e})))
	}
	if len(readers) > 0 {
		p.meter = sdkmetric.NewMeterProvider(append(readers, sdkmetric.WithResource(res))...)
	}

	var logProcessors []sdklog.LoggerProviderOption
	for _, name := range cfg.logs.exporters {
		e, err := newLogExporter(ctx, name, cfg.logs)
		if err != nil {
			errs = append(errs, fmt.Errorf("logs exporter %s: %w", name, err))
			continue
		}
		logProcessors = append(logProcessors, sdklog.WithProcessor(sdklog.NewBatchProcessor(suppressedLogExporter{e})))
	}
	if len(logProcessors) > 0 {
		p.logger = sdklog.NewLoggerProvider(append(logProcessors, sdklog.WithResource(res))...)
	}
	return &p, errors.Join(errs...)
}

// install makes the providers and the configured propagators the globals.
func (p *providers) install(cfg config) {
	if p.tracer != nil {
		otel.SetTracerProvider(p.tracer)
	}
	if p.meter != nil {
		otel.SetMeterProvider(p.meter)
	}
	if p.logger != nil {
		logglobal.SetLoggerProvider(p.logger)
	}
	otel.SetTextMapPropagator(buildPropagator(cfg.propagators))
}

func buildPropagator(names []string) propagation.TextMapPropagator {
	var ps []propagation.TextMapPropagator
	for _, name := range names {
		switch name {
		case "tracecontext":
			ps = append(ps, propagation.TraceContext{})
		case "baggage":
			ps = append(ps, propagation.Baggage{})
		}
	}
	return propagation.NewCompositeTextMapPropagator(ps...)
}

func newSpanExporter(ctx context.Context, name string, sc signalConfig) (sdktrace.SpanExporter, error) {
	switch {
	case name == exporterConsole:
		return stdouttrace.New(stdouttrace.WithWriter(os.Stdout))
	case sc.protocol == protocolGRPC:
		var opts []otlptracegrpc.Option
		if sc.insecureDefault {
			opts = append(opts, otlptracegrpc.WithInsecure())
		}
		return otlptracegrpc.New(ctx, opts...)
	default:
		var opts []otlptracehttp.Option
		if sc.insecureDefault {
			opts = append(opts, otlptracehttp.WithInsecure())
		}
		return otlptracehttp.New(ctx, opts...)
	}
}

func newMetricExporter(ctx context.Context, name string, sc signalConfig) (sdkmetric.Exporter, error) {
	switch {
	case name == exporterConsole:
		return stdoutmetric.New(stdoutmetric.WithWriter(os.Stdout))
	case sc.protocol == protocolGRPC:
		var opts []otlpmetricgrpc.Option
		if sc.insecureDefault {
			opts = append(opts, otlpmetricgrpc.WithInsecure())
		}
		return otlpmetricgrpc.New(ctx, opts...)
	default:
		var opts []otlpmetrichttp.Option
		if sc.insecureDefault {
			opts = append(opts, otlpmetrichttp.WithInsecure())
		}
		return otlpmetrichttp.New(ctx, opts...)
	}
}

func newLogExporter(ctx context.Context, name string, sc signalConfig) (sdklog.Exporter, error) {
	switch {
	case name == exporterConsole:
		return stdoutlog.New(stdoutlog.WithWriter(os.Stdout))
	case sc.protocol == protocolGRPC:
		var opts []otlploggrpc.Option
		if sc.insecureDefault {
			opts = append(opts, otlploggrpc.WithInsecure())
		}
		return otlploggrpc.New(ctx, opts...)
	default:
		var opts []otlploghttp.Option
		if sc.insecureDefault {
			opts = append(opts, otlploghttp.WithInsecure())
		}
		return otlploghttp.New(ctx, opts...)
	}
}

// The exporters are wrapped so that their requests are suppressed: the
// net/http client hook must not trace the SDK's own exports.

type suppressedSpanExporter struct{ sdktrace.SpanExporter }

func (e suppressedSpanExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	return e.SpanExporter.ExportSpans(api.Suppress(ctx), spans)
}

type suppressedMetricExporter struct{ sdkmetric.Exporter }

// Export also skips collections without data: a program that records no
// metric must not contact the collector (and report it down) at every
// interval and at exit.
func (e suppressedMetricExporter) Export(ctx context.Context, rm *metricdata.ResourceMetrics) error {
	if rm == nil || len(rm.ScopeMetrics) == 0 {
		return nil
	}
	return e.Exporter.Export(api.Suppress(ctx), rm)
}

type suppressedLogExporter struct{ sdklog.Exporter }

func (e suppressedLogExporter) Export(ctx context.Context, records []sdklog.Record) error {
	return e.Exporter.Export(api.Suppress(ctx), records)
}
