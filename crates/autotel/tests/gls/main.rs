//! End-to-end tests of goroutine-local context (rules/runtime.yaml, go/gls), the log
//! correlation of `log` and `log/slog` (rules/log.yaml, rules/slog.yaml) and database/sql
//! (rules/databasesql.yaml): the applications under `testdata/apps/gls-*` pass no
//! `context.Context` to their outgoing calls, are built with the real `autotel go build`, run,
//! driven over HTTP, and checked through the in-process OTLP receiver.

#[path = "../build_mode/support.rs"]
mod support;

mod goleak;
mod race;

use otlp::model::{Span, SpanKind, StatusCode, Value};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;
use support::*;

/// The gls-context application, built with `toolchain` (None: the machine's Go), running
/// against a fresh receiver.
struct Running {
    _app: App,
    receiver: BackgroundReceiver,
    service: Option<Service>,
}

impl Running {
    fn start(app_name: &str, toolchain: Option<&str>) -> Running {
        Running::start_with(app_name, toolchain, &[])
    }

    fn start_with(app_name: &str, toolchain: Option<&str>, env: &[(&str, String)]) -> Running {
        let app = App::copy(app_name);
        let mut build = autotel();
        build.args(["go", "build", "-o", "bin/app", "."]).current_dir(app.path());
        if let Some(t) = toolchain {
            build.env("GOTOOLCHAIN", t);
        }
        let out = build.output().unwrap();
        assert!(out.status.success(), "autotel go build ({toolchain:?}) failed:\n{}", String::from_utf8_lossy(&out.stderr));
        let receiver = receiver();
        let mut command = Command::new(app.binary("app"));
        otel_env(&mut command, &receiver, app_name);
        command.env("OTEL_LOGS_EXPORTER", "none").env("OTEL_METRICS_EXPORTER", "none");
        command.envs(env.iter().map(|(k, v)| (k, v)));
        let service = Service::start(command);
        Running { _app: app, receiver, service: Some(service) }
    }

    fn get(&self, path: &str) {
        let (status, body) = http_get(&self.service.as_ref().unwrap().url(path), &[]);
        assert_eq!(status, 200, "GET {path}: {body}");
    }

    /// Waits until `count` spans satisfy `pick`, and returns every span received.
    fn wait_for(&self, what: &str, count: usize, pick: impl Fn(&Span) -> bool) -> Vec<Arc<Span>> {
        let store = self.receiver.store();
        let ok = store.wait_until(Duration::from_secs(30), |s| s.spans().iter().filter(|sp| pick(sp)).count() >= count);
        let spans = store.spans();
        assert!(ok, "waiting for {count} {what}; got {spans:#?}");
        spans
    }

    /// Stops the application; returns what it wrote on stderr.
    fn stop(&mut self) -> String {
        let (_, _, stderr) = self.service.take().unwrap().stop();
        stderr
    }
}

fn string(span: &Span, key: &str) -> String {
    match span.attributes.get(key) {
        Some(Value::String(s)) => s.clone(),
        other => panic!("span {:?}: attribute {key} is {other:?}, expected a string", span.name),
    }
}

/// The client span of `http.Get(self + "/leaf?from=<from>")`.
fn client_from(spans: &[Arc<Span>], from: &str) -> Arc<Span> {
    let suffix = format!("/leaf?from={from}");
    let found: Vec<_> = spans
        .iter()
        .filter(|s| s.kind == SpanKind::Client && matches!(s.attributes.get("url.full"), Some(Value::String(u)) if u.ends_with(&suffix)))
        .collect();
    assert_eq!(found.len(), 1, "one client span for {from}: {spans:#?}");
    found[0].clone()
}

fn server(spans: &[Arc<Span>], name: &str) -> Arc<Span> {
    let found: Vec<_> = spans.iter().filter(|s| s.kind == SpanKind::Server && s.name == name).collect();
    assert_eq!(found.len(), 1, "one server span {name}: {spans:#?}");
    found[0].clone()
}

fn assert_child(child: &Span, parent: &Span) {
    assert_eq!(child.trace_id, parent.trace_id, "{:?} is not in the trace of {:?}", child.name, parent.name);
    assert_eq!(child.parent_span_id, Some(parent.span_id), "{:?} is not a child of {:?}", child.name, parent.name);
    assert!(child.duration_nanos() >= 0 && parent.duration_nanos() >= 0);
}

fn is_client(s: &Span) -> bool {
    s.kind == SpanKind::Client
}

/// `http.Get` in a handler, without ctx: the client span is a child of the server span, and
/// the leaf's server span a child of the client span (the trace context was injected).
fn check_direct(app: &Running) {
    app.get("/direct");
    let spans = app.wait_for("client span of /direct", 1, |s| {
        is_client(s) && matches!(s.attributes.get("url.full"), Some(Value::String(u)) if u.ends_with("from=direct"))
    });
    let trace = client_from(&spans, "direct").trace_id;
    let spans = app.wait_for("spans of /direct", 3, |s| s.trace_id == trace);
    let handler = server(&spans, "GET /direct");
    let client = client_from(&spans, "direct");
    assert_eq!(handler.parent_span_id, None);
    assert_child(&client, &handler);
    let leaf = spans.iter().find(|s| s.name == "GET /leaf" && s.trace_id == handler.trace_id).expect("leaf server span");
    assert_child(leaf, &client);
}

/// `go func(){ http.Get(...) }()` in a handler, and a goroutine that goroutine starts: both
/// client spans are children of the handler's span.
fn check_spawn(app: &Running) {
    app.get("/spawn");
    let spans = app.wait_for("client spans of /spawn", 2, |s| {
        is_client(s) && matches!(s.attributes.get("url.full"), Some(Value::String(u)) if u.contains("child"))
    });
    let handler = server(&spans, "GET /spawn");
    assert_child(&client_from(&spans, "child"), &handler);
    assert_child(&client_from(&spans, "grandchild"), &handler);
}

/// Goroutines started by the main goroutine after requests ended (many on recycled g's) make
/// root client spans: no stale context.
fn check_background(app: &Running) {
    const N: usize = 50;
    app.get(&format!("/background?n={N}"));
    let spans = app.wait_for("background client spans", N, |s| {
        is_client(s) && matches!(s.attributes.get("url.full"), Some(Value::String(u)) if u.contains("from=background-"))
    });
    for i in 0..N {
        let client = client_from(&spans, &format!("background-{i}"));
        assert_eq!(client.parent_span_id, None, "background-{i} has a stale parent: {client:#?}");
    }
}

#[test]
fn http_get_without_ctx_in_a_handler_is_a_child_of_the_server_span() {
    let app = Running::start("gls-context", None);
    check_direct(&app);
}

#[test]
fn goroutines_started_in_a_handler_parent_to_its_span() {
    let app = Running::start("gls-context", None);
    check_spawn(&app);
}

#[test]
fn goroutines_started_outside_requests_carry_no_stale_context() {
    let app = Running::start("gls-context", None);
    // First many goroutines inside requests (they end, their g's are recycled), then the
    // background ones.
    for _ in 0..3 {
        app.get("/spawn");
    }
    check_background(&app);
}

/// Log lines written in a handler by `log` (std logger, `log.Default()`) and `log/slog`
/// (default, TextHandler, JSONHandler) carry the server span's ids, once; a line outside any
/// span has none; slog records are exported as OTLP logs in the span's trace. Stops the
/// application.
fn check_logs(app: &mut Running) {
    app.get("/log");
    let spans = app.wait_for("server span of /log", 1, |s| s.name == "GET /log");
    let handler = server(&spans, "GET /log");
    let stderr = app.stop();
    let ids = format!("trace_id={} span_id={}", handler.trace_id, handler.span_id);
    let json_ids = format!(r#""trace_id":"{}","span_id":"{}""#, handler.trace_id, handler.span_id);
    let line = |needle: &str| {
        stderr.lines().find(|l| l.contains(needle)).unwrap_or_else(|| panic!("no line with {needle:?} in:\n{stderr}")).to_string()
    };
    for needle in ["std logger inside", "default logger inside", "slog inside", "text handler inside"] {
        let l = line(needle);
        assert!(l.contains(&ids), "{needle}: {l:?} lacks {ids}");
        assert_eq!(l.matches("trace_id=").count(), 1, "ids written once: {l:?}");
    }
    let l = line("json handler inside");
    assert!(l.contains(&json_ids), "json: {l:?} lacks {json_ids}");
    let outside = line("outside any request");
    assert!(!outside.contains("trace_id"), "a line outside any span got ids: {outside:?}");

    // slog records are also exported as OTLP logs, with the span's trace context.
    let store = app.receiver.store();
    let exported = |s: &otlp::Store| {
        s.logs().iter().any(|l| matches!(&l.body, Value::String(b) if b == "text handler inside the handler"))
    };
    assert!(store.wait_until(Duration::from_secs(30), exported), "no exported log record: {:#?}", store.logs());
    let logs = store.logs();
    let record = logs.iter().find(|l| matches!(&l.body, Value::String(b) if b == "text handler inside the handler")).unwrap();
    assert_eq!(record.trace_id, Some(handler.trace_id), "{record:#?}");
    assert_eq!(record.span_id, Some(handler.span_id), "{record:#?}");
    assert_eq!(record.severity_text, "INFO");
}

#[test]
fn log_and_slog_lines_in_a_handler_carry_the_server_span_ids() {
    let mut app = Running::start_with("gls-context", None, &[("OTEL_LOGS_EXPORTER", "otlp".into())]);
    check_logs(&mut app);
}

#[test]
fn the_oldest_gos_goroutine_local_context_and_log_correlation() {
    check_with_go(build::go_releases::oldest());
}

/// The newest release (Go 1.27 had runtime.newproc1, gdestroy and g checked and the range widened).
#[test]
fn the_newest_gos_goroutine_local_context_and_log_correlation() {
    check_with_go(build::go_releases::tested().last().expect("a tested release"));
}

fn check_with_go(toolchain: &str) {
    let mut app = Running::start_with("gls-context", Some(toolchain), &[("OTEL_LOGS_EXPORTER", "otlp".into())]);
    check_direct(&app);
    check_spawn(&app);
    check_background(&app);
    check_logs(&mut app);
}

#[test]
fn every_span_attribute_is_registered_semconv() {
    let app = Running::start("gls-context", None);
    check_direct(&app);
    let spans = app.receiver.store().spans();
    let violations = semconv_violations(&spans);
    assert!(violations.is_empty(), "{violations:#?}");
}

/// database/sql through a real driver (SQLite, modernc.org/sqlite), called without ctx from a
/// handler: one CLIENT span per operation, children of the server span, with the DB semantic
/// conventions; the failing query is an error span and the application still gets its error.
#[test]
fn database_sql_spans_are_children_of_the_handler_without_ctx() {
    let app = Running::start("gls-sql", None);
    let (status, body) = http_get(&app.service.as_ref().unwrap().url("/work"), &[]);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, "name=alice n=1 missing=SQL logic error: no such table: missing_table (1)", "the application's results are unchanged");
    let spans = app.wait_for("server span of /work", 1, |s| s.name == "GET /work");
    let handler = server(&spans, "GET /work");
    let spans = app.wait_for("database spans of /work", 9, |s| s.parent_span_id == Some(handler.span_id));
    let children: Vec<_> = spans.iter().filter(|s| s.parent_span_id == Some(handler.span_id)).collect();
    let names: Vec<&str> = children.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        ["INSERT users", "SELECT users", "PREPARE users", "SELECT users", "BEGIN", "UPDATE users", "COMMIT", "PING", "SELECT missing_table"],
        "one span per operation, in order; none for Rollback after Commit"
    );
    for s in &children {
        assert_eq!(s.kind, SpanKind::Client, "{s:#?}");
        assert_child(s, &handler);
        assert_eq!(string(s, "db.system.name"), "sqlite");
    }
    let insert = children[0];
    assert_eq!(string(insert, "db.query.text"), "INSERT INTO users (id, name) VALUES (?, ?) ON CONFLICT DO NOTHING", "literals sanitized");
    assert_eq!(string(insert, "db.operation.name"), "INSERT");
    assert_eq!(string(insert, "db.collection.name"), "users");
    assert_eq!(string(children[3], "db.query.text"), "SELECT count(*) FROM users WHERE name = ?", "statement text");
    let failed = children[8];
    assert_eq!(failed.status.code, StatusCode::Error, "{failed:#?}");
    assert_eq!(string(failed, "error.type"), "*sqlite.Error");
    for s in &children[..8] {
        assert_eq!(s.status.code, StatusCode::Unset, "{s:#?}");
    }
    let violations = semconv_violations(&spans);
    assert!(violations.is_empty(), "{violations:#?}");

    let (status, _) = http_get(&app.service.as_ref().unwrap().url("/spawn"), &[]);
    assert_eq!(status, 200);
    let spans = app.wait_for("server span of /spawn", 1, |s| s.name == "GET /spawn");
    let spawn = server(&spans, "GET /spawn");
    let spans = app.wait_for("query of the goroutine", 1, |s| s.parent_span_id == Some(spawn.span_id));
    let query = spans.iter().find(|s| s.parent_span_id == Some(spawn.span_id)).unwrap();
    assert_eq!(query.name, "SELECT users");
}

/// go-sql-driver/mysql: db.system.name from the driver, server.address/port from its connector's
/// configuration; a ping to a port where nothing listens is an error span, and the application
/// still gets its error.
#[test]
fn database_sql_mysql_driver_names_system_and_server() {
    let port = free_port();
    let app = Running::start_with("gls-sql", None, &[("MYSQL_ADDR", format!("127.0.0.1:{port}"))]);
    let (status, body) = http_get(&app.service.as_ref().unwrap().url("/mysql"), &[]);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, "ping failed: true");
    let spans = app.wait_for("server span of /mysql", 1, |s| s.name == "GET /mysql");
    let handler = server(&spans, "GET /mysql");
    let spans = app.wait_for("ping span", 1, |s| s.parent_span_id == Some(handler.span_id));
    let ping: Vec<_> = spans.iter().filter(|s| s.parent_span_id == Some(handler.span_id)).collect();
    // database/sql retries a connection that fails with driver.ErrBadConn; a refused dial is
    // not that, so one attempt and one span.
    assert_eq!(ping.len(), 1, "{ping:#?}");
    let ping = ping[0];
    assert_eq!(ping.name, "PING");
    assert_eq!(ping.kind, SpanKind::Client);
    assert_eq!(string(ping, "db.system.name"), "mysql");
    assert_eq!(string(ping, "server.address"), "127.0.0.1");
    assert_eq!(ping.attributes.get("server.port"), Some(&Value::Int(port as i64)));
    assert_eq!(ping.status.code, StatusCode::Error);
}
