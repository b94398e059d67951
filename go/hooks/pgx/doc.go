// Package pgx is autotel's instrumentation of github.com/jackc/pgx/v5 used
// natively (instrumentation name "pgx", rules in rules/pgx.yaml, versions
// >=5.0.0, <6). The rewritten connect, which every pgx.Connect,
// ConnectConfig and ConnectWithOptions reaches (pgxpool and pgx/v5/stdlib
// open their connections through ConnectConfig), calls connectEnter, which
// sets pgx's own tracer hook (ConnConfig.Tracer) on the private copy of the
// config that connection is built from: the application's config is not
// touched, and (*Conn).Config's exit hook (configExit) puts the
// application's own tracer back into the copy it returns, so the program sees
// the config it set. A tracer the application set is kept and called as before (the
// five tracer interfaces of pgx v5: query, batch, copy-from, prepare,
// connect); one from otelpgx (the application traces pgx itself) is left
// alone and autotel adds nothing (design.md §1.9).
//
//   - Query, QueryRow and Exec (on Conn, Tx, pgxpool.Pool and Conn, which all
//     reach *pgx.Conn; Begin, Commit and Rollback are "begin", "commit" and
//     "rollback" statements): one CLIENT span per statement, from
//     TraceQueryStart to TraceQueryEnd (for Query, until the rows are closed,
//     so reading them and their error are included), named and described by
//     the SQL rules database/sql's hooks use (autotel.dev/go/internal/sqlconv):
//     db.query.summary as the name ("SELECT widgets"), db.operation.name and
//     db.collection.name when the text has one operation and table,
//     db.query.text sanitized (OTEL_GO_DB_QUERY_SANITIZE=false keeps it);
//   - SendBatch: ONE span for the batch, named "BATCH {operation}
//     {collection}" when all its statements share them ("BATCH INSERT
//     widgets"), else "BATCH", with db.operation.batch.size and the statements'
//     texts joined by "; " (a batch of one statement is that statement);
//   - CopyFrom: one span "COPY {table}", db.operation.name COPY;
//   - Prepare called by the application: one span "PREPARE {table}",
//     db.operation.name PREPARE (database/sql's shape); pgx's own prepares
//     for its statement cache happen inside the traced call and get none;
//   - on every span: db.system.name postgresql, db.namespace (the database of
//     the connection's config), server.address and server.port (its first
//     host; none for a unix socket); a failure sets error.type (the SQLSTATE
//     of a server error, also db.response.status_code, else api.ErrorType)
//     and the span status.
//
// The parent is the span in the ctx pgx passes, or, when that has none, the
// goroutine's current span (api.Parent). pgx's spans are not made current on
// the goroutine: nothing runs inside them that a hook traces, and a Rows the
// application never closes must not capture later spans.
//
// pgx behind database/sql (pgx/v5/stdlib): database/sql's hooks already give
// each call a span; a statement whose ctx or goroutine holds database/sql's
// open CLIENT span (autotel's databasesql scope) gets no second one.
package pgx
