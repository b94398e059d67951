package api

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

func TestInstrumentationFollowsGlobalProviders(t *testing.T) {
	prevTP, prevMP := otel.GetTracerProvider(), otel.GetMeterProvider()
	t.Cleanup(func() { otel.SetTracerProvider(prevTP); otel.SetMeterProvider(prevMP) })

	inst := NewInstrumentation("demo")
	if inst.ScopeName() != "autotel.dev/go/hooks/demo" {
		t.Fatalf("scope name %q", inst.ScopeName())
	}
	built := 0
	counters := NewInstruments(inst, func(m metric.Meter) metric.Int64Counter {
		built++
		c, _ := m.Int64Counter("demo.calls")
		return c
	})

	for round := 1; round <= 2; round++ {
		rec := tracetest.NewSpanRecorder()
		otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)))
		reader := sdkmetric.NewManualReader()
		otel.SetMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)))

		_, span := inst.Tracer().Start(context.Background(), "op")
		span.End()
		counters.Get().Add(context.Background(), 1)
		counters.Get().Add(context.Background(), 1)

		ended := rec.Ended()
		if len(ended) != 1 {
			t.Fatalf("round %d: %d spans recorded, want 1", round, len(ended))
		}
		scope := ended[0].InstrumentationScope()
		if scope.Name != "autotel.dev/go/hooks/demo" || scope.Version != Version {
			t.Fatalf("round %d: scope %+v", round, scope)
		}
		var rm metricdata.ResourceMetrics
		if err := reader.Collect(context.Background(), &rm); err != nil {
			t.Fatal(err)
		}
		if len(rm.ScopeMetrics) != 1 || rm.ScopeMetrics[0].Scope.Name != "autotel.dev/go/hooks/demo" {
			t.Fatalf("round %d: scope metrics %+v", round, rm.ScopeMetrics)
		}
		sum := rm.ScopeMetrics[0].Metrics[0].Data.(metricdata.Sum[int64])
		if v := sum.DataPoints[0].Value; v != 2 {
			t.Fatalf("round %d: counter = %d, want 2", round, v)
		}
		if built != round {
			t.Fatalf("round %d: instruments built %d times, want once per provider", round, built)
		}
	}
}

// uncomparableProvider has a dynamic type that == would panic on.
type uncomparableProvider struct {
	metric.MeterProvider
	_ []int
}

func TestSameProviderNeverPanics(t *testing.T) {
	a := uncomparableProvider{MeterProvider: otel.GetMeterProvider()}
	if sameProvider(a, a) {
		t.Fatal("uncomparable values compared equal")
	}
	if !sameProvider(nil, nil) {
		t.Fatal("nil != nil")
	}
	p := sdkmetric.NewMeterProvider()
	if !sameProvider(p, p) || sameProvider(p, sdkmetric.NewMeterProvider()) {
		t.Fatal("pointer providers compared wrongly")
	}
}
