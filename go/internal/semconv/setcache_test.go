package semconv

import (
	"fmt"
	"sync"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

func TestMetricAttributeSetsAreMadeOncePerKey(t *testing.T) {
	s := HTTPServer{Method: "GET", Scheme: "http", ProtocolVersion: "1.1"}
	first := recorded(s.MetricOptions(200, "/items/{id}", ""))
	if got := recorded(s.MetricOptions(200, "/items/{id}", "")); !got.Equals(&first) {
		t.Fatalf("the same request's set differs: %v, then %v", first.Encoded(attribute.DefaultEncoder()), got.Encoded(attribute.DefaultEncoder()))
	}
	if other := recorded(s.MetricOptions(404, "/items/{id}", "")); other.Equals(&first) {
		t.Fatal("another status got the first status's set")
	}
	c := HTTPClient{Method: "POST", ServerAddress: "db", ServerPort: 8080}
	r := GRPCCall{Method: "pkg.Svc/Call"}
	allocs := testing.AllocsPerRun(100, func() {
		s.MetricOptions(200, "/items/{id}", "")
		c.MetricOptions(503, "1.1", "503")
		r.MetricOptions(0, "", false)
	})
	if allocs != 0 {
		t.Errorf("%.0f allocations per call once the sets are made", allocs)
	}
}

// recorded is the attribute set that record options carry, as the metric
// SDK reads it.
func recorded(opts []metric.RecordOption) attribute.Set {
	return metric.NewRecordConfig(opts).Attributes()
}

func TestASetCacheStopsGrowingAtItsLimitAndStaysRight(t *testing.T) {
	var c setCache[int]
	build := func(k int) attribute.Set { return attribute.NewSet(attribute.Int("k", k)) }
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := g; k < 3*setCacheLimit; k += 4 {
				set := recorded(c.get(k, build))
				if v, _ := set.Value("k"); v.AsInt64() != int64(k) {
					panic(fmt.Sprintf("key %d got the set of %d", k, v.AsInt64()))
				}
			}
		}()
	}
	wg.Wait()
	if n := len(*c.sets.Load()); n != setCacheLimit {
		t.Errorf("the cache holds %d sets, want its limit %d", n, setCacheLimit)
	}
	past := recorded(c.get(3*setCacheLimit+5, build))
	if v, _ := past.Value("k"); v.AsInt64() != 3*setCacheLimit+5 {
		t.Errorf("a key past the limit got %d", v.AsInt64())
	}
}
