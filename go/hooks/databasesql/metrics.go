package databasesql

import (
	"context"
	"database/sql"
	"time"
	"unsafe"

	"autotel.dev/go/api"
	"autotel.dev/go/internal/dbpool"
	"go.opentelemetry.io/otel/metric"
)

// pools are the DBs the hooks have seen, for the connection-pool metrics. A DB
// leaves when it is closed.
var pools = dbpool.NewRegistry()

var metrics = api.NewInstruments(inst, func(m metric.Meter) dbpool.Instruments {
	return dbpool.NewInstruments(m, pools)
})

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
	metrics.Get().RecordWait(infoOf(st.db).pool, st.start)
}

// closeEnter is the enter hook of (*DB).Close: the DB leaves the
// connection-count callback.
func closeEnter(db **sql.DB) (*struct{}, bool) {
	defer api.Guard("databasesql.closeEnter")
	if *db != nil {
		pools.Remove(*db)
	}
	return nil, false
}
