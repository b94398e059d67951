// Package dbpool holds what the database clients' hooks share for the
// connection-pool metrics of the semantic conventions (db.client.connection.*):
// a registry of a client library's open pools under names unique in the
// process, and the instruments (names, units, descriptions and buckets in one
// place) whose callbacks observe every registered pool.
//
// Used by database/sql's hooks (one pool per *sql.DB) and pgxpool's (one per
// *pgxpool.Pool); each instrumentation has its own Registry and meter.
package dbpool

import (
	"context"
	"fmt"
	"sync"
	"time"

	sc "autotel.dev/go/internal/semconv/keys"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// Stats is a pool's state at one collection. Max is the most connections the
// pool opens; 0 when it has no limit (then db.client.connection.max is not
// reported for it).
type Stats struct {
	Idle, Used, Max int64
}

// Registry lists the open pools of one client library.
type Registry struct {
	mu    sync.RWMutex
	pools map[any]pool
	names map[string]int
}

type pool struct {
	name  attribute.KeyValue // db.client.connection.pool.name
	set   attribute.Set      // the name alone, for the wait time
	stats func() Stats
}

func NewRegistry() *Registry {
	return &Registry{pools: map[any]pool{}, names: map[string]int{}}
}

// Name returns a pool name unique in the registry: base (the server address,
// or the database system without one), with "#2", "#3"… for further pools of
// the same base.
func (r *Registry) Name(base string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.names[base]++
	if n := r.names[base]; n > 1 {
		return fmt.Sprintf("%s#%d", base, n)
	}
	return base
}

// Add registers the pool identified by key (its handle: *sql.DB,
// *pgxpool.Pool) under name; stats is called at each collection.
func (r *Registry) Add(key any, name string, stats func() Stats) {
	r.mu.Lock()
	defer r.mu.Unlock()
	kv := sc.DBClientConnectionPoolNameKey.String(name)
	r.pools[key] = pool{name: kv, set: attribute.NewSet(kv), stats: stats}
}

// Attributes returns the attribute set naming the pool of key, for
// [Instruments.RecordWait]; false when key is not registered.
func (r *Registry) Attributes(key any) (attribute.Set, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	p, ok := r.pools[key]
	return p.set, ok
}

// PoolAttributes is the attribute set naming pool name.
func PoolAttributes(name string) attribute.Set {
	return attribute.NewSet(sc.DBClientConnectionPoolNameKey.String(name))
}

// Remove unregisters a closed pool.
func (r *Registry) Remove(key any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.pools, key)
}

func (r *Registry) snapshot() []pool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]pool, 0, len(r.pools))
	for _, p := range r.pools {
		out = append(out, p)
	}
	return out
}

// Instruments are the pool metrics of one instrumentation's meter.
type Instruments struct {
	waitTime metric.Float64Histogram // db.client.connection.wait_time
}

// NewInstruments makes db.client.connection.wait_time, and
// db.client.connection.count and db.client.connection.max observing every
// pool of r. An instrument the meter refuses is reported and left out.
func NewInstruments(m metric.Meter, r *Registry) Instruments {
	wait, err := m.Float64Histogram("db.client.connection.wait_time",
		metric.WithUnit("s"),
		metric.WithDescription("The time it took to obtain an open connection from the pool."),
		metric.WithExplicitBucketBoundaries(0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10))
	if err != nil {
		otel.Handle(err)
	}
	_, err = m.Int64ObservableUpDownCounter("db.client.connection.count",
		metric.WithUnit("{connection}"),
		metric.WithDescription("The number of connections that are currently in the state described by the state attribute."),
		metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
			for _, p := range r.snapshot() {
				s := p.stats()
				o.Observe(s.Idle, metric.WithAttributes(p.name, sc.DBClientConnectionStateIdle))
				o.Observe(s.Used, metric.WithAttributes(p.name, sc.DBClientConnectionStateUsed))
			}
			return nil
		}))
	if err != nil {
		otel.Handle(err)
	}
	_, err = m.Int64ObservableUpDownCounter("db.client.connection.max",
		metric.WithUnit("{connection}"),
		metric.WithDescription("The maximum number of open connections allowed."),
		metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
			for _, p := range r.snapshot() {
				if s := p.stats(); s.Max > 0 {
					o.Observe(s.Max, metric.WithAttributes(p.name))
				}
			}
			return nil
		}))
	if err != nil {
		otel.Handle(err)
	}
	return Instruments{waitTime: wait}
}

// RecordWait records how long obtaining a connection from the pool took,
// from start; pool names it ([Registry.Attributes], [PoolAttributes]).
func (i Instruments) RecordWait(pool attribute.Set, start time.Time) {
	if i.waitTime == nil {
		return
	}
	d := time.Since(start)
	if d < 0 {
		d = 0
	}
	i.waitTime.Record(context.Background(), d.Seconds(), metric.WithAttributeSet(pool))
}
