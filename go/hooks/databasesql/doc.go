// Package databasesql is autotel's instrumentation of database/sql
// (instrumentation name "databasesql", rules in rules/databasesql.yaml), for
// every driver. It owns:
//
//   - a CLIENT span per query, exec, prepare, statement query/exec, begin,
//     commit, rollback and ping, once per public call of DB, Conn, Tx and
//     Stmt, in Go 1.23 to 1.26. DB methods are hooked themselves
//     (QueryContext, ExecContext, PrepareContext, BeginTx, PingContext), so
//     their span covers getting a connection and database/sql's retries, and
//     an unreachable server gives an error span; they mark the ctx they hand
//     down so that the funnels shared with Conn and Tx ((*DB).queryDC, execDC,
//     prepareDC) do not start a second span. Conn.BeginTx, Conn.PingContext,
//     (*Stmt).QueryContext and ExecContext, (*Tx).Commit and Rollback are
//     hooked directly. Calls without a ctx (or with one that has no span) are
//     children of the span current on the goroutine (api.Begin);
//   - the stable DB semantic conventions: db.system.name from the driver's
//     package, db.query.text sanitized (literals become "?"; set
//     OTEL_GO_DB_QUERY_SANITIZE=false to keep them), db.query.summary (the
//     span name: "SELECT orders customers", summary.go), db.operation.name
//     and db.collection.name when the query has one operation (and one
//     table), server.address and server.port from the connector or DSN,
//     error.type; testdata/semantics/sql.json at the repository root holds
//     these and attach mode's to the same rows;
//   - the metrics db.client.connection.count and db.client.connection.max
//     (observed from DB.Stats; max only for a DB with a limit) and
//     db.client.connection.wait_time (measured around (*DB).conn), made by
//     internal/dbpool, shared with pgxpool's hooks.
//
// database/sql keeps what the hooks need unexported: a file added to the
// package (rules/files/databasesql_access.go) registers accessors through
// registerAccessors, and a field added to DB (autotel_info) caches what the
// hooks learn about a DB once.
//
// Hooks never change arguments or results. driver.ErrSkip, sql.ErrNoRows and
// driver.ErrBadConn retried by database/sql are not recorded as the
// application's errors except where they reach it.
package databasesql

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"unsafe"

	"autotel.dev/go/api"
)

var inst = api.NewInstrumentation("databasesql")

// accessors read what database/sql keeps unexported. They are registered
// from database/sql's init (rules/files/databasesql_access.go), so this
// variable has no initializer; nil without instrumentation (unit tests set it).
var accessors *access

type access struct {
	// stmt returns the DB and the query text a statement was prepared from.
	stmt func(*sql.Stmt) (*sql.DB, string)
	// tx returns the DB of a transaction, the context it was begun with and
	// whether it is already done.
	tx func(*sql.Tx) (*sql.DB, context.Context, bool)
	// connector returns a DB's connector and, when it was opened with a DSN
	// (sql.Open on a driver without OpenConnector), that DSN.
	connector func(*sql.DB) (driver.Connector, string)
	// info returns the address of the field added to DB.
	info func(*sql.DB) *unsafe.Pointer
	// conn returns the DB of a Conn.
	conn func(*sql.Conn) *sql.DB
}

// registerAccessors is pulled with //go:linkname by the file added to
// database/sql.
func registerAccessors(
	stmt func(*sql.Stmt) (*sql.DB, string),
	tx func(*sql.Tx) (*sql.DB, context.Context, bool),
	connector func(*sql.DB) (driver.Connector, string),
	info func(*sql.DB) *unsafe.Pointer,
	conn func(*sql.Conn) *sql.DB,
) {
	accessors = &access{stmt: stmt, tx: tx, connector: connector, info: info, conn: conn}
}

// ctxOrNil guards against a nil ctx: database/sql's own funnels never get
// one, but a hook must not panic on it.
func ctxOrNil(p *context.Context) context.Context {
	if p == nil {
		return nil
	}
	return *p
}
