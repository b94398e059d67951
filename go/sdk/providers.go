package sdk

import (
	"context"
	"errors"
	"fmt"
	"os"

	"autotel.dev/go/api"
	"autotel.dev/go/internal/otlp"
	"go.opentelemetry.io/otel"
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
	// metricExports are the meter provider's readers and their exports.
	metricExports []*metricExport
	// clients carry the OTLP exports (newOTLPClient).
	clients []*otlp.Client
	// traces, metrics and logs count each signal's failed exports.
	traces, metrics, logs *exportHealth
}

// newProviders builds the providers of cfg. It fails only when nothing at all
// could be built; an exporter that cannot be created is reported and left out.
// Nothing runs in the background until wake is called (see lazy.go): the
// span and log processors call it when the first span ends or the first
// record is emitted, the meter provider on the first measurement or when the
// first asynchronous instrument (whose callbacks the collections call) is made.
//
// Memory and latency stay bounded when the collector is down or slow: OTLP
// spans go through autotel's own batch processor, which queues them encoded
// (spanqueue.go: at most OTEL_BSP_MAX_QUEUE_SIZE, 2048 by default, dropped
// when full instead of blocking; console spans through a
// BatchSpanProcessor, bounded the same way), metrics are collected
// and exported every OTEL_METRIC_EXPORT_INTERVAL (metricExport) and logs go
// through a BatchProcessor (bounded queue as well); every export has the
// exporters' timeout (OTEL_EXPORTER_OTLP_TIMEOUT, 10 s), and no application
// goroutine ever waits for an export. The OTLP transports connect on their
// first export (newOTLPClient).
func newProviders(cfg config, res *resource.Resource, wake func()) (*providers, error) {
	p := providers{
		traces:  &exportHealth{signal: "traces", unit: "spans"},
		metrics: &exportHealth{signal: "metrics", unit: "metrics"},
		logs:    &exportHealth{signal: "logs", unit: "log records"},
	}
	var errs []error

	var spanProcessors []sdktrace.TracerProviderOption
	for _, name := range cfg.traces.exporters {
		e, err := p.newSpanExporter(name, cfg.traces, cfg.getenv)
		if err != nil {
			errs = append(errs, fmt.Errorf("traces exporter %s: %w", name, err))
			continue
		}
		// Test binaries export from timers (testexport.go), OTLP exporters
		// from autotel's encoded queue (spanqueue.go), the console exporter
		// through the SDK's BatchSpanProcessor (lazy.go).
		var sp sdktrace.SpanProcessor
		ee, encodes := e.(encodedSpanExporter)
		switch {
		case cfg.testBinary:
			sp = newTimedSpanProcessor(suppressedSpanExporter{e, p.traces}, cfg.spanBatch, wake, p.closeIdleConnections)
		case encodes:
			sp = newWireSpanProcessor(ee, p.traces, cfg.spanBatch, wake)
		default:
			sp = &lazySpanProcessor{exporter: suppressedSpanExporter{e, p.traces}, wake: wake}
		}
		spanProcessors = append(spanProcessors, sdktrace.WithSpanProcessor(sp))
	}
	if len(spanProcessors) > 0 {
		opts := append(spanProcessors, sdktrace.WithResource(res), sdktrace.WithSampler(buildSampler(cfg.sampler)))
		p.tracer = sdktrace.NewTracerProvider(opts...)
	}

	var readers []sdkmetric.Option
	for _, name := range cfg.metrics.exporters {
		e, err := p.newMetricExporter(name, cfg.metrics, cfg.metricSelectors, cfg.getenv)
		if err != nil {
			errs = append(errs, fmt.Errorf("metrics exporter %s: %w", name, err))
			continue
		}
		m := newMetricExport(suppressedMetricExporter{e, p.metrics}, cfg.metricInterval, cfg.metricTimeout)
		if cfg.testBinary {
			m.afterExport = p.closeIdleConnections
		}
		p.metricExports = append(p.metricExports, m)
		readers = append(readers, sdkmetric.WithReader(m.reader))
	}
	if len(readers) > 0 {
		p.meter = sdkmetric.NewMeterProvider(append(readers,
			sdkmetric.WithResource(res),
			sdkmetric.WithExemplarFilter(wakingExemplarFilter(cfg.exemplarFilter, wake)),
			sdkmetric.WithView(wakingView(wake)),
		)...)
	}

	var logProcessors []sdklog.LoggerProviderOption
	for _, name := range cfg.logs.exporters {
		e, err := p.newLogExporter(name, cfg.logs, cfg.getenv)
		if err != nil {
			errs = append(errs, fmt.Errorf("logs exporter %s: %w", name, err))
			continue
		}
		var lp sdklog.Processor = &lazyLogProcessor{exporter: suppressedLogExporter{e, p.logs}, wake: wake}
		if cfg.testBinary {
			lp = newTimedLogProcessor(suppressedLogExporter{e, p.logs}, cfg.logBatch, wake, p.closeIdleConnections)
		}
		logProcessors = append(logProcessors, sdklog.WithProcessor(lp))
	}
	if len(logProcessors) > 0 {
		p.logger = sdklog.NewLoggerProvider(append(logProcessors, sdklog.WithResource(res))...)
	}
	return &p, errors.Join(errs...)
}

// startMetricExports begins the periodic metric exports.
func (p *providers) startMetricExports() {
	for _, m := range p.metricExports {
		m.start()
	}
}

// closeIdleConnections closes the OTLP exports' idle connections (their
// goroutines): after each export of a test binary (testexport.go) and at
// shutdown.
func (p *providers) closeIdleConnections() {
	for _, c := range p.clients {
		c.CloseIdleConnections()
	}
}

// install makes the providers and the configured propagators the globals.
// A global the program installed before the bootstrap ran (setByProgram)
// is kept.
func (p *providers) install(cfg config) {
	if p.tracer != nil && !setByProgram(otel.GetTracerProvider()) {
		otel.SetTracerProvider(p.tracer)
		// Hooks skip spans that this sampler is known to drop (api.Instrumentation.Quiet).
		api.SetSampler(p.tracer, cfg.sampler.name)
	}
	if p.meter != nil && !setByProgram(otel.GetMeterProvider()) {
		otel.SetMeterProvider(p.meter)
	}
	if p.logger != nil && !setByProgram(logglobal.GetLoggerProvider()) {
		logglobal.SetLoggerProvider(p.logger)
	}
	if !setByProgram(otel.GetTextMapPropagator()) {
		otel.SetTextMapPropagator(buildPropagator(cfg.propagators))
	}
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

// newSpanExporter makes the traces exporter name; an OTLP one exports spans
// encoded as they end (spanexport.go).
func (p *providers) newSpanExporter(name string, sc signalConfig, getenv func(string) string) (sdktrace.SpanExporter, error) {
	if name == exporterConsole {
		return stdouttrace.New(stdouttrace.WithWriter(os.Stdout))
	}
	c, err := p.newOTLPClient(otlp.Traces, sc, getenv)
	if err != nil {
		return nil, err
	}
	return newSpanExporterOver(c), nil
}

func (p *providers) newMetricExporter(name string, sc signalConfig, selectors metricSelectors, getenv func(string) string) (sdkmetric.Exporter, error) {
	if name == exporterConsole {
		return stdoutmetric.New(stdoutmetric.WithWriter(os.Stdout))
	}
	c, err := p.newOTLPClient(otlp.Metrics, sc, getenv)
	if err != nil {
		return nil, err
	}
	return newOTLPMetricExporter(c, selectors), nil
}

func (p *providers) newLogExporter(name string, sc signalConfig, getenv func(string) string) (sdklog.Exporter, error) {
	if name == exporterConsole {
		return stdoutlog.New(stdoutlog.WithWriter(os.Stdout))
	}
	c, err := p.newOTLPClient(otlp.Logs, sc, getenv)
	if err != nil {
		return nil, err
	}
	return newOTLPLogExporter(c), nil
}

// newOTLPClient makes the OTLP transport of one signal (go/internal/otlp
// reads its endpoint, headers, compression, timeout and certificates from
// the environment). It connects on its first export and starts no goroutine
// before it, so a program that sends nothing, or a test under goleak, has
// nothing of it running.
func (p *providers) newOTLPClient(s otlp.Signal, sc signalConfig, getenv func(string) string) (*otlp.Client, error) {
	c, err := otlp.New(s, sc.protocol, getenv)
	if err != nil {
		return nil, err
	}
	p.clients = append(p.clients, c)
	return c, nil
}

// The exporters are wrapped so that their requests are suppressed (the
// net/http client hook must not trace the SDK's own exports), so that every
// string they send is valid UTF-8 (validtext.go) and so that their failures
// are said once and counted (exporthealth.go).

type suppressedSpanExporter struct {
	sdktrace.SpanExporter
	health *exportHealth
}

func (e suppressedSpanExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	return e.health.done(ctx, len(spans), e.SpanExporter.ExportSpans(api.Suppress(ctx), validSpans(spans)))
}

type suppressedMetricExporter struct {
	sdkmetric.Exporter
	health *exportHealth
}

// Export also skips collections without data: a program that records no
// metric must not contact the collector (and report it down) at every
// interval and at exit.
func (e suppressedMetricExporter) Export(ctx context.Context, rm *metricdata.ResourceMetrics) error {
	if rm == nil || len(rm.ScopeMetrics) == 0 {
		return nil
	}
	n := 0
	for _, sm := range rm.ScopeMetrics {
		n += len(sm.Metrics)
	}
	validMetrics(rm)
	return e.health.done(ctx, n, e.Exporter.Export(api.Suppress(ctx), rm))
}

type suppressedLogExporter struct {
	sdklog.Exporter
	health *exportHealth
}

func (e suppressedLogExporter) Export(ctx context.Context, records []sdklog.Record) error {
	return e.health.done(ctx, len(records), e.Exporter.Export(api.Suppress(ctx), validRecords(records)))
}
