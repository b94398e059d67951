package semconv

// setcache.go keeps the attribute sets of the duration metrics. A request's
// set depends on a handful of values (method, route, status, …) that repeat
// from request to request, and building one (a slice, a sort, the set's own
// array) is an allocation and a few hundred nanoseconds on every request,
// sampled or not. Each kind of set is made once per distinct key and then
// read without locking or allocating.

import (
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
)

// setCacheLimit bounds a cache: keys past it (a client calling thousands of
// hosts, say) get their set built on each call, as without a cache.
const setCacheLimit = 1024

// setCache maps keys to attribute sets. Readers load an immutable map; a
// miss builds the set and publishes a copy of the map with it.
type setCache[K comparable] struct {
	sets atomic.Pointer[map[K]attribute.Set]
	mu   sync.Mutex // serialises the copies
}

// get returns the set of k, made by build (a function of k alone) on a miss.
func (c *setCache[K]) get(k K, build func(K) attribute.Set) attribute.Set {
	if m := c.sets.Load(); m != nil {
		if s, ok := (*m)[k]; ok {
			return s
		}
	}
	s := build(k)
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.sets.Load()
	if old != nil && len(*old) >= setCacheLimit {
		return s
	}
	m := make(map[K]attribute.Set, 1+lenOf(old))
	if old != nil {
		for key, set := range *old {
			m[key] = set
		}
	}
	m[k] = s
	c.sets.Store(&m)
	return s
}

func lenOf[K comparable](m *map[K]attribute.Set) int {
	if m == nil {
		return 0
	}
	return len(*m)
}
