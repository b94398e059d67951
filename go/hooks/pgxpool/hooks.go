package pgxpool

import (
	"context"
	"net"
	"strconv"
	"time"

	"autotel.dev/go/api"
	"autotel.dev/go/internal/dbpool"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.opentelemetry.io/otel/metric"
)

// inst shares the pgx instrumentation's name (OTEL_GO_DISABLED_INSTRUMENTATIONS=pgx
// turns the spans and the pool metrics off together) and so its scope.
var inst = api.NewInstrumentation("pgx")

// pools are the open pools, for the metrics' callbacks; a pool leaves when it
// is closed.
var pools = dbpool.NewRegistry()

var metrics = api.NewInstruments(inst, func(m metric.Meter) dbpool.Instruments {
	return dbpool.NewInstruments(m, pools)
})

// newState carries one NewWithConfig call: the pool's name, from its config.
type newState struct {
	name string
}

// newEnter is the enter hook of NewWithConfig(ctx, config) (*Pool, error),
// which New calls too: the pool is named after the server it connects to.
func newEnter(_ *context.Context, config **pgxpool.Config) (*newState, bool) {
	defer api.Guard("pgxpool.newEnter")
	if !inst.Enabled() || config == nil || *config == nil || (*config).ConnConfig == nil {
		return nil, false
	}
	cc := (*config).ConnConfig
	base := "postgresql"
	if cc.Host != "" {
		base = net.JoinHostPort(cc.Host, strconv.Itoa(int(cc.Port)))
	}
	return &newState{name: base}, false
}

// newExit registers the pool NewWithConfig made.
func newExit(st *newState, pool **pgxpool.Pool, err *error) {
	defer api.Guard("pgxpool.newExit")
	if st == nil || pool == nil || *pool == nil || (err != nil && *err != nil) {
		return
	}
	p := *pool
	pools.Add(p, pools.Name(st.name), func() dbpool.Stats {
		s := p.Stat()
		return dbpool.Stats{Idle: int64(s.IdleConns()), Used: int64(s.AcquiredConns()), Max: int64(s.MaxConns())}
	})
	metrics.Get() // registers the pool metrics' callbacks
}

// acquireState carries one Acquire call.
type acquireState struct {
	pool  *pgxpool.Pool
	start time.Time
}

// acquireEnter is the enter hook of (*Pool).Acquire(ctx) (*Conn, error):
// getting a connection from the pool, waiting or connecting if needed.
func acquireEnter(pool **pgxpool.Pool, _ *context.Context) (*acquireState, bool) {
	defer api.Guard("pgxpool.acquireEnter")
	if !inst.Enabled() || pool == nil || *pool == nil {
		return nil, false
	}
	return &acquireState{pool: *pool, start: time.Now()}, false
}

func acquireExit(st *acquireState, _ **pgxpool.Conn, _ *error) {
	defer api.Guard("pgxpool.acquireExit")
	if st == nil {
		return
	}
	if set, ok := pools.Attributes(st.pool); ok {
		metrics.Get().RecordWait(set, st.start)
	}
}

// closeEnter is the enter hook of (*Pool).Close: the pool leaves the metrics.
func closeEnter(pool **pgxpool.Pool) (*struct{}, bool) {
	defer api.Guard("pgxpool.closeEnter")
	if pool != nil && *pool != nil {
		pools.Remove(*pool)
	}
	return nil, false
}
