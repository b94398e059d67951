//! End to end, as root: `testdata/apps/attach-sql` (net/http + database/sql on modernc.org/sqlite,
//! pure Go), built with plain `go build` and with `-ldflags=-s -w`, attached; one request runs
//! an exec with ctx, a query without ctx, a QueryRowContext and a failing exec. Checked: span
//! names and kinds, `db.system.name` read from the driver module, sanitized `db.query.text`,
//! `db.operation.name`, `db.collection.name`, the error, and that every database span is a
//! child of the request's server span.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use attach::Target;
use common::*;
use otlp::model::{Span, SpanKind, StatusCode};

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";

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

    let tp = format!("00-{TRACE}-00f067aa0ba902b7-01");
    let (status, body) = get(&format!("{base}/db"), Some(&tp));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, "names=[bob] count=1 failed=true\n");
    let in_trace = |s: &[Arc<Span>]| -> Vec<Arc<Span>> {
        s.iter().filter(|s| hex(&s.trace_id.0) == TRACE).cloned().collect()
    };
    let spans = wait_for_spans(&rx, "the server span and 4 database spans of the traced request", Duration::from_secs(20), |s| {
        in_trace(s).len() >= 5
    });
    let spans = in_trace(&spans);
    let server = spans.iter().find(|s| s.kind == SpanKind::Server).expect("server span");
    assert_eq!(server.name, "GET /db");
    let db: Vec<&Arc<Span>> = spans.iter().filter(|s| s.attr_str("db.system.name").is_some()).collect();
    assert_eq!(db.len(), 4, "database spans:\n{}", describe(&spans));
    let mut got: Vec<(String, String, String, Option<String>, bool)> = db
        .iter()
        .map(|s| {
            assert_eq!(s.kind, SpanKind::Client, "{}", s.name);
            assert_eq!(s.attr_str("db.system.name"), Some("sqlite"));
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
    got.sort_by_key(|g| (s_start(&db, &g.1),));
    let want = vec![
        (
            "INSERT users".to_owned(),
            "INSERT INTO users (id, name) VALUES (?, ?) ON CONFLICT DO NOTHING".to_owned(),
            "INSERT".to_owned(),
            Some("users".to_owned()),
            false,
        ),
        (
            "SELECT users".into(),
            "SELECT name FROM users WHERE id = ? AND name <> ?".into(),
            "SELECT".into(),
            Some("users".into()),
            false,
        ),
        ("SELECT users".into(), "SELECT count(*) FROM users".into(), "SELECT".into(), Some("users".into()), false),
        (
            "DELETE missing_table".into(),
            "DELETE FROM missing_table WHERE id = ?".into(),
            "DELETE".into(),
            Some("missing_table".into()),
            true,
        ),
    ];
    assert_eq!(got, want);

    attached.finish();
    let (status, stdout, _) = app.stop();
    assert!(status.success(), "the app exited with {status}");
    assert_eq!(stdout, "bye\n");
}

/// Start time of the span with this query text (spans are compared in the order they ran).
fn s_start(db: &[&Arc<Span>], text: &str) -> u64 {
    db.iter().find(|s| s.attr_str("db.query.text") == Some(text)).map(|s| s.start_unix_nanos).unwrap_or(0)
}

#[test]
fn attach_traces_database_sql_queries_and_execs() {
    check("sql-plain", &[]);
}

#[test]
fn attach_traces_database_sql_in_a_stripped_build() {
    check("sql-stripped", &["-ldflags=-s -w"]);
}
