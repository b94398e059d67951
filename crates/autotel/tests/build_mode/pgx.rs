//! pgx v5 used natively, in build mode: testdata/apps/pgx built with `autotel go build` and run
//! against a real PostgreSQL (Debian's, started by peersuite's server starter), inside an HTTP
//! request: Exec, Query, QueryRow without a ctx (goroutine-local context), a transaction, a
//! batch, CopyFrom, an explicit Prepare (its own span; pgx's implicit ones get none), a failing
//! statement, and one query through database/sql with pgx/v5/stdlib
//! and a database/sql transaction (one span per call, database/sql's); for the oldest pgx v5
//! release the rule covers and the newest.

use crate::support::*;
use otlp::model::{Span, SpanKind, StatusCode};
use peersuite::servers::{self, Server};
use peersuite::suites::{ServerKind, ServerSpec};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

/// The newest pgx v5 release (`go list -m -versions github.com/jackc/pgx/v5`).
const NEWEST_PGX: &str = "v5.13.0";

fn start_postgres(dir: &std::path::Path) -> Server {
    servers::start(&ServerSpec { kind: ServerKind::Postgres, port: None }, dir).unwrap_or_else(|e| panic!("start PostgreSQL: {e}"))
}

/// The spans the app makes, by name, with their db.query.text (None for no text), in the order
/// the handler runs them. pgx's Begin and Commit are the statements "begin" and "commit".
const PGX_SPANS: [(&str, Option<&str>); 11] = [
    ("CREATE TABLE widgets", Some("CREATE TABLE widgets (id int PRIMARY KEY, name text NOT NULL)")),
    ("INSERT widgets", Some("INSERT INTO widgets (id, name) VALUES ($1, ?)")),
    ("SELECT widgets", Some("SELECT id, name FROM widgets WHERE id > ?")),
    ("BEGIN", Some("begin")),
    ("UPDATE widgets", Some("UPDATE widgets SET name = $1 WHERE id = ?")),
    ("COMMIT", Some("commit")),
    ("BATCH INSERT widgets", Some("INSERT INTO widgets (id, name) VALUES ($1, $2); INSERT INTO widgets (id, name) VALUES ($1, $2)")),
    ("COPY widgets", None),
    ("PREPARE widgets", Some("SELECT name FROM widgets WHERE id = $1")),
    ("SELECT widgets", Some("SELECT count(*) FROM widgets")),
    ("SELECT missing_table", Some("SELECT * FROM missing_table")),
];

/// database/sql's spans of the calls through pgx/v5/stdlib.
const SQL_SPANS: [(&str, Option<&str>); 4] = [
    ("SELECT widgets", Some("SELECT name FROM widgets WHERE id = $1")),
    ("BEGIN", None),
    ("DELETE widgets", Some("DELETE FROM widgets WHERE id = $1")),
    ("COMMIT", None),
];

/// Builds and runs the app in `app` against a fresh PostgreSQL; checks its spans.
fn run_and_check(app: &App) {
    let scratch = tempfile::tempdir().unwrap();
    let server = start_postgres(scratch.path());
    let url = server.values["postgres.url"].clone();
    let port = server.values["postgres.port"].clone();
    app.autotel_go(&["build", "-o", "bin/pgx", "."]);
    let receiver = receiver();
    let mut command = Command::new(app.binary("pgx"));
    command.env("DATABASE_URL", &url);
    otel_env(&mut command, &receiver, "pgx-app");
    let out = command.output().unwrap();
    assert!(out.status.success(), "the app failed:\n{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "widgets: 5, widget 5: w5\n");
    drop(server);

    let store = receiver.store();
    let is_pgx = |s: &Span| s.scope.name == "autotel.dev/go/hooks/pgx";
    // 10 pgx spans, database/sql's 4, the HTTP server and client spans.
    assert!(
        store.wait_until(Duration::from_secs(60), |s| s.spans().len() >= PGX_SPANS.len() + SQL_SPANS.len() + 2),
        "the spans arrive; got {:#?}",
        store.spans()
    );
    std::thread::sleep(Duration::from_millis(500));
    let spans = store.spans();
    let server_span = spans.iter().find(|s| s.kind == SpanKind::Server).unwrap_or_else(|| panic!("an HTTP server span: {spans:#?}"));
    let mut pgx: Vec<&Arc<Span>> = spans.iter().filter(|s| is_pgx(s)).collect();
    pgx.sort_by_key(|s| s.start_unix_nanos);
    let names: Vec<&str> = pgx.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, PGX_SPANS.iter().map(|(n, _)| *n).collect::<Vec<_>>(), "{pgx:#?}");
    for (span, (name, text)) in pgx.iter().zip(PGX_SPANS) {
        assert_eq!(span.kind, SpanKind::Client, "{span:#?}");
        assert_eq!(span.parent_span_id, Some(server_span.span_id), "{name}: a child of the request's span: {span:#?}");
        assert_eq!(span.trace_id, server_span.trace_id);
        assert_eq!(attr(span, "db.system.name").as_deref(), Some("postgresql"), "{span:#?}");
        assert_eq!(attr(span, "db.namespace").as_deref(), Some("pgx_test"), "{span:#?}");
        assert_eq!(attr(span, "server.address").as_deref(), Some("127.0.0.1"), "{span:#?}");
        assert_eq!(attr(span, "server.port").as_deref(), Some(port.as_str()), "{span:#?}");
        assert_eq!(attr(span, "db.query.text").as_deref(), text, "{span:#?}");
        assert!(span.end_unix_nanos >= span.start_unix_nanos);
    }
    let by_name = |n: &str| pgx.iter().find(|s| s.name == n).unwrap();
    assert_eq!(attr(by_name("INSERT widgets"), "db.operation.name").as_deref(), Some("INSERT"));
    assert_eq!(attr(by_name("INSERT widgets"), "db.collection.name").as_deref(), Some("widgets"));
    assert_eq!(attr(by_name("INSERT widgets"), "db.query.summary").as_deref(), Some("INSERT widgets"));
    let batch = by_name("BATCH INSERT widgets");
    assert_eq!(attr(batch, "db.operation.name").as_deref(), Some("BATCH INSERT"));
    assert_eq!(attr(batch, "db.operation.batch.size").as_deref(), Some("2"));
    let copy = by_name("COPY widgets");
    assert_eq!((attr(copy, "db.operation.name").as_deref(), attr(copy, "db.collection.name").as_deref()), (Some("COPY"), Some("widgets")));
    let failed = by_name("SELECT missing_table");
    assert_eq!(failed.status.code, StatusCode::Error, "{failed:#?}");
    assert_eq!(attr(failed, "error.type").as_deref(), Some("42P01"), "undefined_table's SQLSTATE: {failed:#?}");
    assert_eq!(attr(failed, "db.response.status_code").as_deref(), Some("42P01"));
    for span in pgx.iter().filter(|s| s.name != "SELECT missing_table") {
        assert_ne!(span.status.code, StatusCode::Error, "{span:#?}");
    }
    // The database/sql calls through pgx/v5/stdlib: database/sql's spans, and no pgx span under
    // them or beside them (the pgx spans are exactly PGX_SPANS above).
    let mut sql: Vec<&Arc<Span>> = spans.iter().filter(|s| s.scope.name == "autotel.dev/go/hooks/databasesql").collect();
    sql.sort_by_key(|s| s.start_unix_nanos);
    let sql_names: Vec<(&str, Option<String>)> = sql.iter().map(|s| (s.name.as_str(), attr(s, "db.query.text"))).collect();
    let want: Vec<(&str, Option<String>)> = SQL_SPANS.iter().map(|(n, t)| (*n, t.map(str::to_string))).collect();
    assert_eq!(sql_names, want, "{sql:#?}");
    for s in &sql {
        assert!(!pgx.iter().any(|p| p.parent_span_id == Some(s.span_id)), "a pgx span under {s:#?}");
    }
    assert_eq!(spans.len(), PGX_SPANS.len() + SQL_SPANS.len() + 2, "{spans:#?}");
    let violations = semconv_violations(&spans);
    assert!(violations.is_empty(), "{violations:#?}");

    // pgxpool's metrics (rules/pgxpool.yaml): each of the pool's 9 calls in the handler
    // (Exec ×3, Query, Begin, SendBatch, CopyFrom, Acquire, QueryRow) waited for a connection
    // once, under the pool named by its server; the cumulative count arrives by the last export.
    let pool = format!("127.0.0.1:{port}");
    let waits = |s: &otlp::Store| -> Vec<(Option<String>, u64)> {
        s.metric_points()
            .iter()
            .filter(|p| p.name == "db.client.connection.wait_time" && p.scope.name == "autotel.dev/go/hooks/pgx")
            .map(|p| {
                let name = p.attributes.get("db.client.connection.pool.name").and_then(|v| v.as_str()).map(str::to_string);
                let count = match &p.value {
                    otlp::model::MetricValue::Histogram(h) => h.count,
                    other => panic!("wait_time is a histogram: {other:?}"),
                };
                (name, count)
            })
            .collect()
    };
    let arrived = store.wait_until(Duration::from_secs(20), |s| waits(s).iter().any(|(_, count)| *count == 9));
    let points = waits(&store);
    assert!(arrived, "pgxpool's wait time for 9 acquires; got {points:?}");
    assert!(points.iter().all(|(name, _)| name.as_deref() == Some(pool.as_str())), "every wait is the pool's ({pool}): {points:?}");
}

/// The rule's floor, v5.0.0 (the app's own requirement and the hook module's).
#[test]
fn pgx_oldest_release_traces_every_call_kind() {
    run_and_check(&App::copy("pgx"));
}

/// The newest release builds and traces the same calls.
#[test]
fn pgx_newest_release_traces_every_call_kind() {
    let app = App::copy("pgx");
    let get = app.go(&["get", &format!("github.com/jackc/pgx/v5@{NEWEST_PGX}")]);
    assert!(get.status.success(), "{}", String::from_utf8_lossy(&get.stderr));
    run_and_check(&app);
}
