package semconv

// setcache.go keeps the attribute sets of the duration metrics. A request's
// set depends on a handful of values (method, route, status, …) that repeat
// from request to request, and building one (a slice, a sort, the set's own
// array) is an allocation and a few hundred nanoseconds on every request,
// sampled or not. Each kind of set is made once per distinct key and then
// read without locking or allocating, with the record options that carry it
// (metric.WithAttributeSet boxes the set: an allocation on each call).

import (
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// setCacheLimit bounds a cache: keys past it (a client calling thousands of
// hosts, say) get their set built on each call, as without a cache.
const setCacheLimit = 1024

// recordOptions are the options of a Record that carry one cached attribute
// set (read-only: callers pass them on as they are).
type recordOptions = []metric.RecordOption

// setCache maps keys to the record options of their attribute sets. Readers
// load an immutable map; a miss builds the set and publishes a copy of the
// map with it.
type setCache[K comparable] struct {
	sets atomic.Pointer[map[K]recordOptions]
	mu   sync.Mutex // serialises the copies
}

// get returns the record options of k's set, made by build (a function of k
// alone) on a miss.
func (c *setCache[K]) get(k K, build func(K) attribute.Set) recordOptions {
	if m := c.sets.Load(); m != nil {
		if s, ok := (*m)[k]; ok {
			return s
		}
	}
	s := recordOptions{metric.WithAttributeSet(build(k))}
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.sets.Load()
	if old != nil && len(*old) >= setCacheLimit {
		return s
	}
	m := make(map[K]recordOptions, 1+lenOf(old))
	if old != nil {
		for key, set := range *old {
			m[key] = set
		}
	}
	m[k] = s
	c.sets.Store(&m)
	return s
}

func lenOf[K comparable](m *map[K]recordOptions) int {
	if m == nil {
		return 0
	}
	return len(*m)
}
