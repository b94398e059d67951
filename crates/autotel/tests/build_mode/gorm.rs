//! gorm in build mode: testdata/apps/gorm built with `autotel go build` and run against real
//! MariaDB and PostgreSQL servers (Debian's, started by peersuite's server starter) and an SQLite
//! file, one HTTP request per database. gorm runs every statement through database/sql, so the
//! spans are database/sql's: exactly one per statement (no gorm span, and no pgx span under
//! PostgreSQL's pgx/v5/stdlib), each a child of the request's span, the ctx-less Count included,
//! named by the query summary with the model's table. For gorm's oldest release tested here and
//! its newest.

use crate::support::*;
use otlp::model::{Span, SpanKind, StatusCode};
use peersuite::servers::{self, Server};
use peersuite::suites::{ServerKind, ServerSpec};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

/// The newest gorm and driver releases (`go list -m -versions`).
const NEWEST: [&str; 4] = ["gorm.io/gorm@v1.31.2", "gorm.io/driver/mysql@v1.5.7", "gorm.io/driver/postgres@v1.6.3", "gorm.io/driver/sqlite@v1.6.0"];

fn start(kind: ServerKind, dir: &std::path::Path) -> Server {
    servers::start(&ServerSpec { kind: kind.clone(), port: None }, dir).unwrap_or_else(|e| panic!("start {kind:?}: {e}"))
}

/// Builds and runs the app in `app` against the three databases; checks its spans.
fn run_and_check(app: &App) {
    let scratch = tempfile::tempdir().unwrap();
    let mariadb = start(ServerKind::Mariadb, &scratch.path().join("mariadb"));
    let postgres = start(ServerKind::Postgres, &scratch.path().join("postgres"));
    let v = |values: &std::collections::BTreeMap<String, String>, k: &str| values[k].clone();
    let (mariadb_values, postgres_values) = (mariadb.values.clone(), postgres.values.clone());
    let mysql_dsn = format!(
        "{}:{}@tcp({})/{}?parseTime=true",
        v(&mariadb_values, "mariadb.user"),
        v(&mariadb_values, "mariadb.password"),
        v(&mariadb_values, "mariadb.addr"),
        v(&mariadb_values, "mariadb.database")
    );
    app.autotel_go(&["build", "-o", "bin/gorm", "."]);
    let receiver = receiver();
    let mut command = Command::new(app.binary("gorm"));
    command.env("GORM_MYSQL_DSN", &mysql_dsn).env("GORM_POSTGRES_DSN", v(&postgres_values, "postgres.url")).env("GORM_SQLITE_PATH", scratch.path().join("books.db"));
    otel_env(&mut command, &receiver, "gorm-app");
    let out = command.output().unwrap();
    assert!(out.status.success(), "the app failed:\n{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "mysql: 2 books, Dune Messiah\npostgres: 2 books, Dune Messiah\nsqlite: 2 books, Dune Messiah\n");
    drop((mariadb, postgres));

    let store = receiver.store();
    assert!(
        store.wait_until(Duration::from_secs(60), |s| s.spans().iter().filter(|s| s.kind == SpanKind::Server).count() == 3),
        "three requests' server spans; got {:#?}",
        store.spans()
    );
    std::thread::sleep(Duration::from_millis(1500));
    let spans = store.spans();
    let databases = [
        ("mysql", "mysql", '`', Some(v(&mariadb_values, "mariadb.port"))),
        ("postgres", "postgresql", '"', Some(v(&postgres_values, "postgres.port"))),
        ("sqlite", "sqlite", '`', None),
    ];
    for (driver, system, quote, port) in databases {
        let server = spans
            .iter()
            .find(|s| s.kind == SpanKind::Server && attr(s, "url.path").as_deref() == Some(&format!("/work/{driver}")))
            .unwrap_or_else(|| panic!("{driver}: the request's server span: {spans:#?}"));
        let mut trace: Vec<&Arc<Span>> = spans.iter().filter(|s| s.trace_id == server.trace_id && s.kind != SpanKind::Server).collect();
        trace.sort_by_key(|s| s.start_unix_nanos);
        // The test's client span (the trace's root), then database/sql's spans only: no gorm span,
        // no pgx span next to or under PostgreSQL's (pgx/v5/stdlib), each the request's child.
        let client = trace.remove(0);
        assert_eq!((client.scope.name.as_str(), client.kind), ("autotel.dev/go/hooks/nethttp", SpanKind::Client), "{driver}: {client:#?}");
        for span in &trace {
            assert_eq!(span.scope.name, "autotel.dev/go/hooks/databasesql", "{driver}: only database/sql's spans: {span:#?}");
            assert_eq!(span.kind, SpanKind::Client, "{span:#?}");
            assert_eq!(span.parent_span_id, Some(server.span_id), "{driver}: {} is the request's child: {span:#?}", span.name);
            assert_eq!(attr(span, "db.system.name").as_deref(), Some(system), "{span:#?}");
            assert_eq!(attr(span, "server.address").as_deref(), port.as_ref().map(|_| "127.0.0.1"), "{driver}: {span:#?}");
            assert_eq!(attr(span, "server.port"), port, "{driver}: {span:#?}");
            assert_ne!(span.status.code, StatusCode::Error, "{span:#?}");
        }
        // From the table's creation on, one span per statement gorm runs, in order (what comes
        // before is the driver's and the migrator's own queries, which vary by release).
        let created = trace.iter().position(|s| s.name.starts_with("CREATE TABLE")).unwrap_or_else(|| panic!("{driver}: CREATE TABLE: {trace:#?}"));
        let names: Vec<&str> = trace[created..].iter().map(|s| s.name.as_str()).collect();
        let books = format!("{quote}books{quote}");
        let (create, insert, select, update, delete) =
            (format!("CREATE TABLE {books}"), format!("INSERT {books}"), format!("SELECT {books}"), format!("UPDATE {books}"), format!("DELETE {books}"));
        let want = [
            create.as_str(), "BEGIN", &insert, "COMMIT", // Create, in gorm's default transaction
            &select, // First
            "BEGIN", &update, "COMMIT", // Update
            "BEGIN", &insert, "COMMIT", // Transaction
            &select, // Count, without the request's ctx
            "BEGIN", &delete, "COMMIT", // Delete
            &select, // First of a missing row
        ];
        assert_eq!(names, want, "{driver}: {trace:#?}");
        for span in trace[created..].iter().filter(|s| s.name.contains("books")) {
            assert_eq!(attr(span, "db.collection.name").as_deref(), Some("books"), "{span:#?}");
        }
        let count = trace[created..].iter().find(|s| attr(s, "db.query.text").is_some_and(|t| t.starts_with("SELECT count(*)"))).unwrap();
        assert_eq!(count.parent_span_id, Some(server.span_id), "{driver}: the ctx-less Count joins the request: {count:#?}");
    }
    let violations = semconv_violations(&spans);
    assert!(violations.is_empty(), "{violations:#?}");
}

/// The oldest releases tested: gorm v1.25.0 with its drivers' v1.5.0 (the app's go.mod).
#[test]
fn gorm_oldest_release_one_span_per_statement() {
    run_and_check(&App::copy("gorm"));
}

/// The newest releases give the same spans.
#[test]
fn gorm_newest_release_one_span_per_statement() {
    let app = App::copy("gorm");
    let mut args = vec!["get"];
    args.extend(NEWEST);
    let get = app.go(&args);
    assert!(get.status.success(), "{}", String::from_utf8_lossy(&get.stderr));
    run_and_check(&app);
}
