//! End to end, as root: `testdata/apps/attach-sql` (net/http + database/sql on modernc.org/sqlite,
//! pure Go), built with plain `go build` and with `-ldflags=-s -w`, attached; one request runs
//! an exec with ctx, a query without ctx, a QueryRowContext and a failing exec, another a ping,
//! a prepared statement, a committed and a rolled-back transaction. Checked: span names and
//! kinds, `db.system.name` read from the driver module, sanitized `db.query.text`,
//! `db.operation.name`, `db.collection.name`, the error, and that every database span is a
//! child of the request's server span. `testdata/apps/attach-sql-drivers` (SQLite and MySQL
//! in one binary, a real MariaDB server) checks `db.system.name` per call from its DB's driver.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use attach::Target;
use common::*;
use otlp::model::{Span, SpanKind, StatusCode};

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const TX_TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4737";

fn get(url: &str, traceparent: Option<&str>) -> (u16, String) {
    let mut req = ureq::get(url).timeout(Duration::from_secs(10));
    if let Some(tp) = traceparent {
        req = req.set("traceparent", tp);
    }
    match req.call() {
        Ok(r) => (r.status(), r.into_string().unwrap_or_default()),
        Err(ureq::Error::Status(code, r)) => (code, r.into_string().unwrap_or_default()),
        Err(e) => panic!("GET {url}: {e}"),
    }
}

fn check(variant: &str, flags: &[&str]) {
    require_root_and_bpf();
    let exe = build("attach-sql", variant, flags, &[("CGO_ENABLED", "0")]);
    let report = attach::check(&exe).expect("check");
    let text = report.to_string();
    assert!(text.contains("database/sql DB queries"), "{text}");
    assert!(text.contains("db.system.name=sqlite"), "{text}");
    assert!(!text.contains("database/sql ("), "database/sql still listed as unsupported:\n{text}");

    let rx = receiver();
    let app = App::start(&exe, &["-addr", "127.0.0.1:0"], &[]);
    let base = format!("http://{}", app.addr);
    let attached = attach_to(Target::Pid(app.child.id()), &rx);
    // Warm up until a database span arrives: the probes are in place.
    let start = Instant::now();
    loop {
        attached.assert_running();
        assert_eq!(get(&format!("{base}/db"), None).0, 200);
        if rx.store().spans().iter().any(|s| s.attr_str("db.system.name").is_some()) {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "no database span after 30 s:\n{}", describe(&rx.store().spans()));
        std::thread::sleep(Duration::from_millis(200));
    }

    let db = |op: &str, text: &str, collection: Option<&str>, error: bool| -> DbSpan {
        let name = collection.map_or(op.to_owned(), |c| format!("{op} {c}"));
        (name, text.to_owned(), op.to_owned(), collection.map(str::to_owned), error)
    };
    let (status, body, got) = request(&rx, &format!("{base}/db"), TRACE, 4);
    assert_eq!((status, body.as_str()), (200, "names=[bob] count=1 failed=true\n"));
    assert_eq!(
        got,
        vec![
            db("INSERT", "INSERT INTO users (id, name) VALUES (?, ?) ON CONFLICT DO NOTHING", Some("users"), false),
            db("SELECT", "SELECT name FROM users WHERE id = ? AND name <> ?", Some("users"), false),
            db("SELECT", "SELECT count(*) FROM users", Some("users"), false),
            db("DELETE", "DELETE FROM missing_table WHERE id = ?", Some("missing_table"), true),
        ]
    );
    let (status, body, got) = request(&rx, &format!("{base}/tx"), TX_TRACE, 8);
    assert_eq!((status, body.as_str()), (200, "ok\n"));
    let select = "SELECT name FROM users WHERE id = ?";
    assert_eq!(
        got,
        vec![
            db("PING", "", None, false),
            db("PREPARE", select, Some("users"), false),
            db("SELECT", select, Some("users"), false),
            db("BEGIN", "", None, false),
            db("UPDATE", "UPDATE users SET name = ? WHERE id = ?", Some("users"), false),
            db("COMMIT", "", None, false),
            db("BEGIN", "", None, false),
            db("ROLLBACK", "", None, false),
        ]
    );

    attached.finish();
    let (status, stdout, _) = app.stop();
    assert!(status.success(), "the app exited with {status}");
    assert_eq!(stdout, "bye\n");
}

/// `testdata/apps/attach-sql-drivers` links SQLite and MySQL drivers, so the build info names
/// no single system: each call's must come from its DB's driver, read through each receiver
/// (*DB, *Conn, *Stmt, *Tx) at the call.
fn check_drivers(variant: &str, flags: &[&str]) {
    require_root_and_bpf();
    let mariadb = mariadb_server();
    let exe = build("attach-sql-drivers", variant, flags, &[("CGO_ENABLED", "0")]);
    let report = attach::check(&exe).expect("check").to_string();
    assert!(report.contains("db.system.name from the driver of each call's DB"), "{report}");
    let rx = receiver();
    let app = App::start(&exe, &["-addr", "127.0.0.1:0", "-mysql", &mariadb.dsn("test")], &[]);
    let base = format!("http://{}", app.addr);
    let attached = attach_to(Target::Pid(app.child.id()), &rx);
    let start = Instant::now();
    loop {
        attached.assert_running();
        assert_eq!(get(&format!("{base}/sqlite"), None).0, 200);
        if rx.store().spans().iter().any(|s| s.attr_str("db.system.name").is_some()) {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "no database span after 30 s:\n{}", describe(&rx.store().spans()));
        std::thread::sleep(Duration::from_millis(200));
    }
    let names = |got: Vec<DbSpan>| got.into_iter().map(|d| d.0).collect::<Vec<_>>();
    let want = ["SELECT users", "DELETE users", "PREPARE users", "SELECT users", "BEGIN", "UPDATE users", "COMMIT"];
    for (path, trace, system) in [("sqlite", TRACE, "sqlite"), ("mysql", TX_TRACE, "mysql")] {
        let (status, body, got) = request_of(&rx, &format!("{base}/{path}"), trace, want.len(), system);
        assert_eq!((status, body.as_str()), (200, "ok\n"), "{path}");
        assert_eq!(names(got), want, "{path}");
    }
    attached.finish();
    let (status, stdout, _) = app.stop();
    assert!(status.success(), "the app exited with {status}");
    assert_eq!(stdout, "bye\n");
}

/// A database span as checked: name, query text, operation, collection, failed.
type DbSpan = (String, String, String, Option<String>, bool);

/// Sends GET `url` in trace `trace`, waits for its server span and `count` database spans;
/// returns the response and the database spans in the order they started, after checking
/// that each is a client span of SQLite and a child of the server span.
fn request(rx: &otlp::BackgroundReceiver, url: &str, trace: &str, count: usize) -> (u16, String, Vec<DbSpan>) {
    request_of(rx, url, trace, count, "sqlite")
}

/// `request` for database spans of `system`.
fn request_of(rx: &otlp::BackgroundReceiver, url: &str, trace: &str, count: usize, system: &str) -> (u16, String, Vec<DbSpan>) {
    let (status, body) = get(url, Some(&format!("00-{trace}-00f067aa0ba902b7-01")));
    let in_trace = |s: &[Arc<Span>]| -> Vec<Arc<Span>> { s.iter().filter(|s| hex(&s.trace_id.0) == trace).cloned().collect() };
    wait_for_spans(rx, &format!("the server span and {count} database spans of {url}"), Duration::from_secs(20), |s| {
        in_trace(s).len() > count
    });
    std::thread::sleep(Duration::from_millis(300)); // an extra span would arrive too
    let spans = in_trace(&rx.store().spans());
    let server = spans.iter().find(|s| s.kind == SpanKind::Server).expect("server span");
    let mut db: Vec<&Arc<Span>> = spans.iter().filter(|s| s.attr_str("db.system.name").is_some()).collect();
    assert_eq!(db.len(), count, "database spans:\n{}", describe(&spans));
    db.sort_by_key(|s| s.start_unix_nanos);
    let got = db
        .iter()
        .map(|s| {
            assert_eq!(s.kind, SpanKind::Client, "{}", s.name);
            assert_eq!(s.attr_str("db.system.name"), Some(system), "{}", s.name);
            assert_eq!(s.parent_span_id, Some(server.span_id), "{} is not a child of the server span", s.name);
            assert!(s.start_unix_nanos >= server.start_unix_nanos && s.end_unix_nanos <= server.end_unix_nanos);
            (
                s.name.clone(),
                s.attr_str("db.query.text").unwrap_or_default().to_owned(),
                s.attr_str("db.operation.name").unwrap_or_default().to_owned(),
                s.attr_str("db.collection.name").map(str::to_owned),
                s.status.code == StatusCode::Error && s.attr_str("error.type") == Some("_OTHER"),
            )
        })
        .collect();
    (status, body, got)
}

#[test]
fn attach_traces_database_sql_queries_and_execs() {
    check("sql-plain", &[]);
}

#[test]
fn attach_traces_database_sql_in_a_stripped_build() {
    check("sql-stripped", &["-ldflags=-s -w"]);
}

#[test]
fn attach_names_the_driver_of_each_database_sql_call() {
    check_drivers("sql-drivers-plain", &[]);
}

/// Without DWARF the fields come from `offsets.json`, the driver's functions from `.gopclntab`.
#[test]
fn attach_names_the_driver_of_each_database_sql_call_in_a_stripped_build() {
    check_drivers("sql-drivers-stripped", &["-ldflags=-s -w"]);
}
