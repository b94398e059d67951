// Package pgxpool holds the hooks of rules/pgxpool.yaml: the connection-pool
// metrics of github.com/jackc/pgx/v5/pgxpool (db.client.connection.count,
// db.client.connection.max, db.client.connection.wait_time), the same
// instruments as database/sql's (internal/dbpool) under the pgx
// instrumentation. The pool's statements get their spans from the pgx hooks
// (go/hooks/pgx), which set autotel's tracer on every connection the pool
// opens.
//
// The hooks run inside the pgx library: they recover their own panics
// (api.Guard) and never change an argument or a result.
package pgxpool
