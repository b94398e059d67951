package sdk

// OTLP/gRPC exporters made on their first export. A gRPC client runs
// goroutines from the moment it exists (otlp*grpc.New creates one), so
// exporters made at startup would run them in a program, or a test binary
// under goleak, that has not sent anything, or never does (see lazy.go for
// the rest of what starts with the first telemetry). Exports happen on the
// processors' and the metric export's goroutines, never the application's;
// an exporter never made has nothing to shut down.
//
// A metric exporter is asked for its temporality and aggregation when
// instruments are made, before any export: the deferred one answers with
// the selectors of an OTLP/HTTP exporter of the same configuration (both
// read OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE and
// OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION with the same
// code, and make no goroutine).

import (
	"context"
	"errors"
	"sync/atomic"

	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// errExporterShutdown is the answer of an export after shutdown.
var errExporterShutdown = errors.New("exporter is shut down")

// deferred is an exporter made by its first use, never after shutdown; or,
// eachExport (a test binary, testexport.go), one made for each export and
// shut down after it, so that no gRPC client outlives its export.
type deferred[E interface{ Shutdown(context.Context) error }] struct {
	make       func() (E, error)
	eachExport bool
	exporter   lazy[made[E]]
	shut       atomic.Bool
}

type made[E any] struct {
	exporter E
	err      error // why it could not be made; each export returns it
}

// get returns the exporter, made now if it was not yet.
func (d *deferred[E]) get() (E, error) {
	m := d.exporter.get(func() made[E] {
		e, err := d.make()
		return made[E]{e, err}
	})
	if m == nil {
		var zero E
		return zero, errExporterShutdown
	}
	return m.exporter, m.err
}

// use runs export with the exporter.
func (d *deferred[E]) use(ctx context.Context, export func(E) error) error {
	if d.eachExport {
		if d.shut.Load() {
			return errExporterShutdown
		}
		e, err := d.make()
		if err != nil {
			return err
		}
		return errors.Join(export(e), e.Shutdown(ctx))
	}
	e, err := d.get()
	if err != nil {
		return err
	}
	return export(e)
}

// ifMade returns the exporter if it was made.
func (d *deferred[E]) ifMade() (E, bool) {
	if m := d.exporter.v.Load(); m != nil && m.err == nil {
		return m.exporter, true
	}
	var zero E
	return zero, false
}

// shutdown shuts the exporter down if it was made, and prevents its making.
func (d *deferred[E]) shutdown(ctx context.Context) error {
	d.shut.Store(true)
	if m := d.exporter.close(); m != nil && m.err == nil {
		return m.exporter.Shutdown(ctx)
	}
	return nil
}

type deferredSpanExporter struct {
	deferred[*spanExporter]
}

func (d *deferredSpanExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	return d.use(ctx, func(e *spanExporter) error { return e.ExportSpans(ctx, spans) })
}

func (d *deferredSpanExporter) exportEncoded(ctx context.Context, spans []encodedSpan) error {
	return d.use(ctx, func(e *spanExporter) error { return e.exportEncoded(ctx, spans) })
}

func (d *deferredSpanExporter) Shutdown(ctx context.Context) error { return d.shutdown(ctx) }

type deferredLogExporter struct {
	deferred[sdklog.Exporter]
}

func (d *deferredLogExporter) Export(ctx context.Context, records []sdklog.Record) error {
	return d.use(ctx, func(e sdklog.Exporter) error { return e.Export(ctx, records) })
}

func (d *deferredLogExporter) ForceFlush(ctx context.Context) error {
	if e, ok := d.ifMade(); ok {
		return e.ForceFlush(ctx)
	}
	return nil
}

func (d *deferredLogExporter) Shutdown(ctx context.Context) error { return d.shutdown(ctx) }

type deferredMetricExporter struct {
	deferred[sdkmetric.Exporter]
	selectors sdkmetric.Exporter // answers Temporality and Aggregation
}

func (d *deferredMetricExporter) Temporality(k sdkmetric.InstrumentKind) metricdata.Temporality {
	return d.selectors.Temporality(k)
}

func (d *deferredMetricExporter) Aggregation(k sdkmetric.InstrumentKind) sdkmetric.Aggregation {
	return d.selectors.Aggregation(k)
}

func (d *deferredMetricExporter) Export(ctx context.Context, rm *metricdata.ResourceMetrics) error {
	return d.use(ctx, func(e sdkmetric.Exporter) error { return e.Export(ctx, rm) })
}

func (d *deferredMetricExporter) ForceFlush(ctx context.Context) error {
	if e, ok := d.ifMade(); ok {
		return e.ForceFlush(ctx)
	}
	return nil
}

func (d *deferredMetricExporter) Shutdown(ctx context.Context) error { return d.shutdown(ctx) }
