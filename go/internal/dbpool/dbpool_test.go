package dbpool

import (
	"testing"
	"time"

	"autotel.dev/go/internal/dbpool/dbpooltest"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

func TestNamesAreUniquePerBase(t *testing.T) {
	r := NewRegistry()
	got := []string{r.Name("db:5432"), r.Name("db:5432"), r.Name("sqlite"), r.Name("db:5432")}
	want := []string{"db:5432", "db:5432#2", "sqlite", "db:5432#3"}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("names %q, want %q", got, want)
		}
	}
}

func TestEveryRegisteredPoolIsObservedUntilRemoved(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	meter := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)).Meter("test")
	r := NewRegistry()
	inst := NewInstruments(meter, r)
	a, b := new(int), new(int)
	r.Add(a, r.Name("db:5432"), func() Stats { return Stats{Idle: 2, Used: 1, Max: 10} })
	r.Add(b, r.Name("sqlite"), func() Stats { return Stats{Idle: 1} })
	set, ok := r.Attributes(a)
	if !ok {
		t.Fatal("a is registered")
	}
	inst.RecordWait(set, time.Now().Add(-time.Millisecond))

	got := dbpooltest.Points(t, reader)
	want := map[string]int64{
		"db.client.connection.count db:5432 idle": 2,
		"db.client.connection.count db:5432 used": 1,
		"db.client.connection.max db:5432 ":       10,
		"db.client.connection.count sqlite idle":  1,
		"db.client.connection.count sqlite used":  0,
		"db.client.connection.wait_time db:5432 ": 1,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v (all: %v)", k, got[k], v, got)
		}
	}
	if _, ok := got["db.client.connection.max sqlite "]; ok {
		t.Errorf("a pool without a limit has no db.client.connection.max: %v", got)
	}

	r.Remove(a)
	if _, ok := r.Attributes(a); ok {
		t.Error("a removed pool keeps its attributes")
	}
	got = dbpooltest.Points(t, reader)
	if _, ok := got["db.client.connection.count db:5432 idle"]; ok {
		t.Errorf("a removed pool is still observed: %v", got)
	}
}
