package pgxpool

import (
	"context"
	"testing"

	"autotel.dev/go/api"
	"autotel.dev/go/internal/dbpool/dbpooltest"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.opentelemetry.io/otel"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

// collect installs a meter provider for the test and returns a function
// collecting its pool metrics (dbpooltest.Points).
func collect(t *testing.T) func() map[string]int64 {
	reader := sdkmetric.NewManualReader()
	prev := otel.GetMeterProvider()
	otel.SetMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)))
	t.Cleanup(func() { otel.SetMeterProvider(prev) })
	return func() map[string]int64 { return dbpooltest.Points(t, reader) }
}

// newPool runs NewWithConfig between the hooks, as the rewritten function does.
func newPool(t *testing.T, conn string) *pgxpool.Pool {
	t.Helper()
	ctx := context.Background()
	config, err := pgxpool.ParseConfig(conn)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := newEnter(&ctx, &config)
	pool, err := pgxpool.NewWithConfig(ctx, config)
	newExit(st, &pool, &err)
	if err != nil {
		t.Fatal(err)
	}
	return pool
}

func TestPoolMetrics(t *testing.T) {
	points := collect(t)
	// Nothing listens on port 1: the pool is made without connecting, and
	// Acquire fails at once.
	pool := newPool(t, "postgres://u@127.0.0.1:1/shop?pool_max_conns=7&connect_timeout=1")
	second := newPool(t, "postgres://u@127.0.0.1:1/other?pool_max_conns=3&connect_timeout=1")
	ctx := context.Background()
	st, _ := acquireEnter(&pool, &ctx)
	conn, err := pool.Acquire(ctx)
	acquireExit(st, &conn, &err)
	if err == nil {
		t.Fatal("Acquire from a closed port succeeded")
	}

	got := points()
	want := map[string]int64{
		"db.client.connection.count 127.0.0.1:1 idle": 0,
		"db.client.connection.count 127.0.0.1:1 used": 0,
		"db.client.connection.max 127.0.0.1:1 ":       7,
		"db.client.connection.max 127.0.0.1:1#2 ":     3,
		"db.client.connection.wait_time 127.0.0.1:1 ": 1,
	}
	for k, v := range want {
		if n, ok := got[k]; !ok || n != v {
			t.Errorf("%s = %v (present %v), want %v; all: %v", k, n, ok, v, got)
		}
	}

	closeEnter(&pool)
	pool.Close()
	got = points()
	if _, ok := got["db.client.connection.max 127.0.0.1:1 "]; ok {
		t.Errorf("a closed pool is still observed: %v", got)
	}
	if got["db.client.connection.max 127.0.0.1:1#2 "] != 3 {
		t.Errorf("the open pool is no longer observed: %v", got)
	}
	closeEnter(&second)
	second.Close()
}

func TestDisabledRegistersNothing(t *testing.T) {
	t.Cleanup(api.ReloadEnvironment) // after t.Setenv's own cleanup
	t.Setenv("OTEL_GO_DISABLED_INSTRUMENTATIONS", "pgx")
	api.ReloadEnvironment()
	ctx := context.Background()
	config, _ := pgxpool.ParseConfig("postgres://u@127.0.0.1:1/shop")
	if st, _ := newEnter(&ctx, &config); st != nil {
		t.Error("newEnter went on with the instrumentation disabled")
	}
}
