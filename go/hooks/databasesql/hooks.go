package databasesql

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"unsafe"

	"autotel.dev/go/api"
	"autotel.dev/go/internal/sqlconv"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// spanState carries one operation from its enter hook to its exit hook.
type spanState struct{ active *api.Active }

// Operation names of the calls that run no query text.
const (
	opBegin    = "BEGIN"
	opCommit   = "COMMIT"
	opRollback = "ROLLBACK"
	opPing     = "PING"
	opPrepare  = "PREPARE"
)

// start begins the CLIENT span of one operation on db. query is "" for
// operations without query text; operation overrides the query's keyword
// (PREPARE, BEGIN…).
func start(ctx context.Context, db *sql.DB, operation, query string) *spanState {
	st, _ := startWithContext(ctx, db, operation, query)
	return st
}

// startWithContext is start, also returning the span's context (nil when no
// span was started). Under a parent that is not sampled, and a sampler that
// follows it, nothing is built (api's Quiet): a query propagates nothing.
func startWithContext(ctx context.Context, db *sql.DB, operation, query string) (*spanState, context.Context) {
	if api.Suppressed(ctx) || inst.Quiet(ctx) {
		return nil, nil
	}
	info := infoOf(db)
	name, queryAttrs := sqlconv.Describe(operation, query, info.system)
	attrs := make([]attribute.KeyValue, 0, len(info.attrs)+len(queryAttrs))
	attrs = append(append(attrs, info.attrs...), queryAttrs...)
	spanCtx, a := api.Begin(ctx, inst.Tracer(), name,
		trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attrs...))
	return &spanState{active: a}, spanCtx
}

// operationKey marks the context that a DB-level hook (DB.QueryContext,
// ExecContext, PrepareContext) hands down to database/sql: the *DC funnel it
// reaches must not start a second span. The value is the *sql.DB.
type operationKey struct{}

// startDBLevel starts the span of a DB method that gets its own connection
// (so the span covers waiting for and opening it, and database/sql's
// retries), and replaces *ctx by the span's context, marked for the funnel.
func startDBLevel(db *sql.DB, ctx *context.Context, operation, query string) *spanState {
	if db == nil || *ctx == nil {
		return nil
	}
	st, spanCtx := startWithContext(*ctx, db, operation, query)
	if st != nil {
		*ctx = context.WithValue(spanCtx, operationKey{}, db)
	}
	return st
}

// inDBLevel reports whether ctx comes from startDBLevel for db.
func inDBLevel(ctx context.Context, db *sql.DB) bool {
	return ctx != nil && db != nil && ctx.Value(operationKey{}) == db
}

// end records err (unless it is one that is not a failure) and ends the span.
func (st *spanState) end(err error) {
	if st == nil {
		return
	}
	if err != nil && !errors.Is(err, driver.ErrSkip) && !errors.Is(err, sql.ErrNoRows) {
		api.RecordError(st.active.Span(), err)
	}
	st.active.End()
}

// dbQueryEnter is the enter hook of (*DB).QueryContext(ctx, query, args...)
// (DB.Query, QueryRow and QueryRowContext call it).
func dbQueryEnter(db **sql.DB, ctx *context.Context, query *string, _ *[]any) (*spanState, bool) {
	defer api.Guard("databasesql.dbQueryEnter")
	if !inst.Enabled() {
		return nil, false
	}
	return startDBLevel(*db, ctx, "", *query), false
}

// queryEnter is the enter hook of (*DB).queryDC(ctx, txctx, dc, releaseConn,
// query, args) (*Rows, error): Conn.Query* and Tx.Query* (DB.QueryContext's
// own span is dbQueryEnter's).
func queryEnter(db **sql.DB, ctx *context.Context, _ *context.Context, _ unsafe.Pointer, _ *func(error), query *string, _ *[]any) (*spanState, bool) {
	defer api.Guard("databasesql.queryEnter")
	if !inst.Enabled() || inDBLevel(ctxOrNil(ctx), *db) {
		return nil, false
	}
	return start(ctxOrNil(ctx), *db, "", *query), false
}

func queryExit(st *spanState, _ **sql.Rows, err *error) {
	defer api.Guard("databasesql.queryExit")
	st.end(*err)
}

// dbExecEnter is the enter hook of (*DB).ExecContext(ctx, query, args...).
func dbExecEnter(db **sql.DB, ctx *context.Context, query *string, _ *[]any) (*spanState, bool) {
	defer api.Guard("databasesql.dbExecEnter")
	if !inst.Enabled() {
		return nil, false
	}
	return startDBLevel(*db, ctx, "", *query), false
}

// execEnter is the enter hook of (*DB).execDC(ctx, dc, release, query, args)
// (Result, error): Conn.Exec* and Tx.Exec*.
func execEnter(db **sql.DB, ctx *context.Context, _ unsafe.Pointer, _ *func(error), query *string, _ *[]any) (*spanState, bool) {
	defer api.Guard("databasesql.execEnter")
	if !inst.Enabled() || inDBLevel(ctxOrNil(ctx), *db) {
		return nil, false
	}
	return start(ctxOrNil(ctx), *db, "", *query), false
}

func execExit(st *spanState, _ *sql.Result, err *error) {
	defer api.Guard("databasesql.execExit")
	st.end(*err)
}

// dbPrepareEnter is the enter hook of (*DB).PrepareContext(ctx, query).
func dbPrepareEnter(db **sql.DB, ctx *context.Context, query *string) (*spanState, bool) {
	defer api.Guard("databasesql.dbPrepareEnter")
	if !inst.Enabled() {
		return nil, false
	}
	return startDBLevel(*db, ctx, opPrepare, *query), false
}

// prepareEnter is the enter hook of (*DB).prepareDC(ctx, dc, release, cg,
// query) (*Stmt, error): Conn.Prepare* and Tx.Prepare*.
func prepareEnter(db **sql.DB, ctx *context.Context, _ unsafe.Pointer, _ *func(error), _ unsafe.Pointer, query *string) (*spanState, bool) {
	defer api.Guard("databasesql.prepareEnter")
	if !inst.Enabled() || inDBLevel(ctxOrNil(ctx), *db) {
		return nil, false
	}
	return start(ctxOrNil(ctx), *db, opPrepare, *query), false
}

func prepareExit(st *spanState, _ **sql.Stmt, err *error) {
	defer api.Guard("databasesql.prepareExit")
	st.end(*err)
}

// stmtEnter is the enter hook of (*Stmt).QueryContext(ctx, args...) and
// (*Stmt).ExecContext(ctx, args...) (Stmt.Query, QueryRow, Exec included).
func stmtEnter(s **sql.Stmt, ctx *context.Context, _ *[]any) (*spanState, bool) {
	defer api.Guard("databasesql.stmtEnter")
	if !inst.Enabled() || *s == nil {
		return nil, false
	}
	var db *sql.DB
	var query string
	if a := accessors; a != nil && a.stmt != nil {
		db, query = a.stmt(*s)
	}
	return start(ctxOrNil(ctx), db, "", query), false
}

func stmtQueryExit(st *spanState, _ **sql.Rows, err *error) {
	defer api.Guard("databasesql.stmtQueryExit")
	st.end(*err)
}

func stmtExecExit(st *spanState, _ *sql.Result, err *error) {
	defer api.Guard("databasesql.stmtExecExit")
	st.end(*err)
}

// beginEnter is the enter hook of (*DB).BeginTx(ctx, opts) (DB.Begin calls
// it): the span covers getting the connection too.
func beginEnter(db **sql.DB, ctx *context.Context, _ **sql.TxOptions) (*spanState, bool) {
	defer api.Guard("databasesql.beginEnter")
	if !inst.Enabled() {
		return nil, false
	}
	return start(ctxOrNil(ctx), *db, opBegin, ""), false
}

// connBeginEnter is the enter hook of (*Conn).BeginTx(ctx, opts).
func connBeginEnter(c **sql.Conn, ctx *context.Context, _ **sql.TxOptions) (*spanState, bool) {
	defer api.Guard("databasesql.connBeginEnter")
	if !inst.Enabled() || *c == nil {
		return nil, false
	}
	return start(ctxOrNil(ctx), dbOfConn(*c), opBegin, ""), false
}

func beginExit(st *spanState, _ **sql.Tx, err *error) {
	defer api.Guard("databasesql.beginExit")
	st.end(*err)
}

// txEnd starts the span of Commit or Rollback; none for a transaction that
// is already done (the usual `defer tx.Rollback()` after Commit), which
// touches no database.
func txEnd(tx *sql.Tx, operation string) *spanState {
	if tx == nil {
		return nil
	}
	var db *sql.DB
	var ctx context.Context
	if a := accessors; a != nil && a.tx != nil {
		var done bool
		if db, ctx, done = a.tx(tx); done {
			return nil
		}
	}
	return start(ctx, db, operation, "")
}

// commitEnter is the enter hook of (*Tx).Commit() error.
func commitEnter(tx **sql.Tx) (*spanState, bool) {
	defer api.Guard("databasesql.commitEnter")
	if !inst.Enabled() {
		return nil, false
	}
	return txEnd(*tx, opCommit), false
}

// rollbackEnter is the enter hook of (*Tx).Rollback() error.
func rollbackEnter(tx **sql.Tx) (*spanState, bool) {
	defer api.Guard("databasesql.rollbackEnter")
	if !inst.Enabled() {
		return nil, false
	}
	return txEnd(*tx, opRollback), false
}

func txExit(st *spanState, err *error) {
	defer api.Guard("databasesql.txExit")
	st.end(*err)
}

// pingEnter is the enter hook of (*DB).PingContext(ctx) (DB.Ping calls it):
// the span covers getting the connection too, so a server that cannot be
// reached gives an error span.
func pingEnter(db **sql.DB, ctx *context.Context) (*spanState, bool) {
	defer api.Guard("databasesql.pingEnter")
	if !inst.Enabled() {
		return nil, false
	}
	return start(ctxOrNil(ctx), *db, opPing, ""), false
}

// connPingEnter is the enter hook of (*Conn).PingContext(ctx).
func connPingEnter(c **sql.Conn, ctx *context.Context) (*spanState, bool) {
	defer api.Guard("databasesql.connPingEnter")
	if !inst.Enabled() || *c == nil {
		return nil, false
	}
	return start(ctxOrNil(ctx), dbOfConn(*c), opPing, ""), false
}

// dbOfConn returns the DB a Conn belongs to (nil without the accessor).
func dbOfConn(c *sql.Conn) *sql.DB {
	if a := accessors; a != nil && a.conn != nil {
		return a.conn(c)
	}
	return nil
}

func pingExit(st *spanState, err *error) {
	defer api.Guard("databasesql.pingExit")
	st.end(*err)
}
