// Package early installs the program's own OpenTelemetry providers in an
// init function that runs before the bootstrap's (its import path sorts
// before the exporters the bootstrap depends on, so Go initializes it first),
// when APP_EARLY_PROVIDERS is set: what a test package or a library that
// sets up telemetry in init does. Its providers print what they get.
package early

import (
	"context"
	"fmt"
	"os"

	"go.opentelemetry.io/otel"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// Tracer and Meter are the program's providers (nil unless installed).
var (
	Tracer *sdktrace.TracerProvider
	Meter  *sdkmetric.MeterProvider
	Reader *sdkmetric.ManualReader
)

func init() {
	if os.Getenv("APP_EARLY_PROVIDERS") == "" {
		return
	}
	Tracer = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(printer{}))
	Reader = sdkmetric.NewManualReader()
	Meter = sdkmetric.NewMeterProvider(sdkmetric.WithReader(Reader))
	otel.SetTracerProvider(Tracer)
	otel.SetMeterProvider(Meter)
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) { fmt.Println("program's error handler:", err) }))
}

// PrintMetrics prints the names of the metrics the program's reader collects
// (nothing when the program's providers are not installed).
func PrintMetrics() {
	if Reader == nil {
		return
	}
	var rm metricdata.ResourceMetrics
	if err := Reader.Collect(context.Background(), &rm); err != nil {
		panic(err)
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			fmt.Println("program's metric:", m.Name)
		}
	}
}

type printer struct{}

func (printer) OnStart(context.Context, sdktrace.ReadWriteSpan) {}
func (printer) OnEnd(s sdktrace.ReadOnlySpan)                   { fmt.Println("program's span:", s.Name()) }
func (printer) Shutdown(context.Context) error                  { return nil }
func (printer) ForceFlush(context.Context) error                { return nil }
