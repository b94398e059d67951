package api

import (
	"reflect"
	"sync/atomic"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// Instrumentation is one instrumentation as hooks see it: its name (as in its
// rule file and in OTEL_GO_*_INSTRUMENTATIONS), whether it is enabled, and its
// tracer and meter. Hook packages create one at package level:
//
//	var inst = api.NewInstrumentation("nethttp")
//
// The tracer and meter follow the global providers (otel.SetTracerProvider,
// otel.SetMeterProvider): they are looked up again, once, whenever the global
// provider changes, so an application that installs its own provider, or a
// test, gets the hooks' telemetry there too.
type Instrumentation struct {
	name  string
	scope string

	enabled atomic.Pointer[enabledEntry]
	tracer  atomic.Pointer[tracerEntry]
	meter   atomic.Pointer[meterEntry]
}

// enabledEntry caches Enabled for one parse of the environment.
type enabledEntry struct {
	switches *switches
	on       bool
}

type tracerEntry struct {
	provider trace.TracerProvider
	tracer   trace.Tracer
}

type meterEntry struct {
	provider metric.MeterProvider
	meter    metric.Meter
}

// NewInstrumentation returns the instrumentation called name, whose
// instrumentation scope is ScopePrefix+name with version [Version].
func NewInstrumentation(name string) *Instrumentation {
	return &Instrumentation{name: name, scope: ScopePrefix + name}
}

// Name is the instrumentation's name, e.g. "nethttp".
func (i *Instrumentation) Name() string { return i.name }

// ScopeName is the instrumentation scope name, e.g. "autotel.dev/go/hooks/nethttp".
func (i *Instrumentation) ScopeName() string { return i.scope }

// Enabled is [Enabled] for this instrumentation, cached: every enter hook
// asks it first and returns (nil, false) when it is false, so it costs two
// atomic loads.
func (i *Instrumentation) Enabled() bool {
	sw := current.Load()
	if e := i.enabled.Load(); e != nil && e.switches == sw {
		return e.on
	}
	e := &enabledEntry{switches: sw, on: sw.enabled(i.name)}
	i.enabled.Store(e)
	return e.on
}

// Tracer returns the instrumentation's tracer from the global TracerProvider.
func (i *Instrumentation) Tracer() trace.Tracer {
	tp := otel.GetTracerProvider()
	if e := i.tracer.Load(); e != nil && sameProvider(e.provider, tp) {
		return e.tracer
	}
	e := &tracerEntry{provider: tp, tracer: tp.Tracer(i.scope, trace.WithInstrumentationVersion(Version))}
	i.tracer.Store(e)
	return e.tracer
}

// Meter returns the instrumentation's meter from the global MeterProvider.
func (i *Instrumentation) Meter() metric.Meter {
	mp := otel.GetMeterProvider()
	if e := i.meter.Load(); e != nil && sameProvider(e.provider, mp) {
		return e.meter
	}
	e := &meterEntry{provider: mp, meter: mp.Meter(i.scope, metric.WithInstrumentationVersion(Version))}
	i.meter.Store(e)
	return e.meter
}

// Instruments holds the metric instruments of one instrumentation, created
// once per global MeterProvider by the function given to [NewInstruments].
type Instruments[T any] struct {
	inst  *Instrumentation
	build func(metric.Meter) T
	cache atomic.Pointer[instrumentsEntry[T]]
}

type instrumentsEntry[T any] struct {
	meter metric.Meter
	value T
}

// NewInstruments returns a lazily built set of instruments: build is called
// with the instrumentation's meter on first use, and again only when the
// global MeterProvider changes. build reports its own errors (otel.Handle) and
// must return usable (possibly no-op) instruments.
func NewInstruments[T any](inst *Instrumentation, build func(metric.Meter) T) *Instruments[T] {
	return &Instruments[T]{inst: inst, build: build}
}

// Get returns the instruments for the current global MeterProvider.
func (c *Instruments[T]) Get() T {
	m := c.inst.Meter()
	if e := c.cache.Load(); e != nil && sameProvider(e.meter, m) {
		return e.value
	}
	e := &instrumentsEntry[T]{meter: m, value: c.build(m)}
	c.cache.Store(e)
	return e.value
}

// sameProvider compares two provider (or meter) interface values without
// panicking on dynamic types that are not comparable; those never compare
// equal, which only costs a fresh lookup.
func sameProvider(a, b any) bool {
	ta := reflect.TypeOf(a)
	if ta != reflect.TypeOf(b) {
		return false
	}
	if ta == nil {
		return true
	}
	return ta.Comparable() && a == b
}
