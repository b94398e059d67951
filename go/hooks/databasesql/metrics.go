package databasesql

import (
	"context"
	"database/sql"
	"time"
	"unsafe"

	"autotel.dev/go/api"
	sc "autotel.dev/go/internal/semconv/keys"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

type instruments struct {
	waitTime metric.Float64Histogram // db.client.connection.wait_time
}

var metrics = api.NewInstruments(inst, func(m metric.Meter) instruments {
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
		metric.WithInt64Callback(observeConnections))
	if err != nil {
		otel.Handle(err)
	}
	return instruments{waitTime: wait}
})

// observeConnections reports idle and used connections of every open DB.
func observeConnections(_ context.Context, o metric.Int64Observer) error {
	for _, info := range pools.snapshot() {
		s := info.db.Stats()
		pool := sc.DBClientConnectionPoolNameKey.String(info.poolName)
		o.Observe(int64(s.Idle), metric.WithAttributes(pool, sc.DBClientConnectionStateIdle))
		o.Observe(int64(s.InUse), metric.WithAttributes(pool, sc.DBClientConnectionStateUsed))
	}
	return nil
}

// connState carries one (*DB).conn call.
type connState struct {
	db    *sql.DB
	start time.Time
}

// connEnter is the enter hook of (*DB).conn(ctx, strategy) (*driverConn,
// error): getting a connection from the pool, waiting or dialing if needed.
func connEnter(db **sql.DB, _ *context.Context, _ unsafe.Pointer) (*connState, bool) {
	defer api.Guard("databasesql.connEnter")
	if !inst.Enabled() || *db == nil {
		return nil, false
	}
	return &connState{db: *db, start: time.Now()}, false
}

func connExit(st *connState, _ unsafe.Pointer, _ *error) {
	defer api.Guard("databasesql.connExit")
	if st == nil {
		return
	}
	d := time.Since(st.start)
	if d < 0 {
		d = 0
	}
	info := infoOf(st.db)
	metrics.Get().waitTime.Record(context.Background(), d.Seconds(),
		metric.WithAttributeSet(attribute.NewSet(sc.DBClientConnectionPoolNameKey.String(info.poolName))))
}

// closeEnter is the enter hook of (*DB).Close: the DB leaves the
// connection-count callback.
func closeEnter(db **sql.DB) (*struct{}, bool) {
	defer api.Guard("databasesql.closeEnter")
	if *db != nil {
		pools.remove(*db)
	}
	return nil, false
}
