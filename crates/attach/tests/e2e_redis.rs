//! End to end, as root, against a real redis-server: `testdata/apps/attach-redis` (net/http +
//! go-redis v9 and redigo) built with plain `go build`, attached; one request sends PING,
//! SET and GET, INCR from a child goroutine, a GET of a missing key (a nil reply: not an
//! error) and an unknown command, with go-redis (`/redis`: request ctx, then
//! context.Background()) or with redigo (`/redigo`: no ctx, INCR through DoContext).
//! Checked: one span per command named by the command, kind client, `db.system.name=redis`,
//! `db.operation.name`, `db.query.text` with arguments as `?`, `server.address`/`server.port`,
//! the failing command's error, and every span a child of the request's server span.
//! `/redis-binary` and `/redigo-binary` send a key and a value of raw bytes: the spans arrive
//! (a batch with one invalid OTLP string would be refused whole) with each run of invalid
//! bytes replaced by one U+FFFD, as build mode writes them.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use attach::Target;
use common::*;
use otlp::model::{Span, SpanKind, StatusCode};

const TRACE: &str = "5bf92f3577b34da6a3ce929d0e0e4737";

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

const GO_REDIS: &str = "/redis";
const REDIGO: &str = "/redigo";

#[test]
fn attach_traces_go_redis_commands() {
    check("redis-plain", &[], GO_REDIS);
}

/// Without DWARF the go-redis offsets come from the fallback table.
#[test]
fn attach_traces_go_redis_commands_in_a_stripped_build() {
    check("redis-stripped", &["-ldflags=-s -w"], GO_REDIS);
}

#[test]
fn attach_traces_redigo_commands() {
    check("redis-plain", &[], REDIGO);
}

/// Without DWARF redigo's and the net package's offsets come from the fallback table.
#[test]
fn attach_traces_redigo_commands_in_a_stripped_build() {
    check("redis-stripped", &["-ldflags=-s -w"], REDIGO);
}

fn check(variant: &str, flags: &[&str], route: &str) {
    require_root_and_bpf();
    let redis = redis_server();
    let exe = build("attach-redis", variant, flags, &[("CGO_ENABLED", "0")]);
    let report = attach::check(&exe).expect("check");
    let text = report.to_string();
    assert!(text.contains("+ go-redis v9 commands"), "{text}");
    assert!(text.contains("+ redigo commands"), "{text}");
    assert!(!text.contains("degraded"), "{text}");

    let rx = receiver();
    let app = App::start(&exe, &["-addr", "127.0.0.1:0", "-redis", &redis.addr], &[]);
    let base = format!("http://{}", app.addr);
    let attached = attach_to(Target::Pid(app.child.id()), &rx);
    let start = Instant::now();
    loop {
        attached.assert_running();
        let (status, body) = get(&format!("{base}{route}"), None);
        assert_eq!(status, 200, "{body}");
        if rx.store().spans().iter().any(|s| s.attr_str("db.system.name") == Some("redis")) {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "no redis span after 30 s:\n{}", describe(&rx.store().spans()));
        std::thread::sleep(Duration::from_millis(200));
    }

    let tp = format!("00-{TRACE}-00f067aa0ba902b7-01");
    let (status, body) = get(&format!("{base}{route}"), Some(&tp));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, "greeting=hello missing=true failed=true\n");
    let in_trace = |s: &[Arc<Span>]| -> Vec<Arc<Span>> { s.iter().filter(|s| hex(&s.trace_id.0) == TRACE).cloned().collect() };
    let spans = wait_for_spans(&rx, "the server span and 6 redis spans", Duration::from_secs(20), |s| in_trace(s).len() >= 7);
    let spans = in_trace(&spans);
    let server = spans.iter().find(|s| s.kind == SpanKind::Server).expect("server span");
    assert_eq!(server.name, format!("GET {route}"));
    let mut cmds: Vec<&Arc<Span>> = spans.iter().filter(|s| s.attr_str("db.system.name") == Some("redis")).collect();
    cmds.sort_by_key(|s| s.start_unix_nanos);
    let (host, port) = redis.addr.rsplit_once(':').expect("host:port");
    let got: Vec<(String, Option<&str>, Option<&str>, bool)> = cmds
        .iter()
        .map(|s| {
            assert_eq!(s.kind, SpanKind::Client, "{}", s.name);
            assert_eq!(s.parent_span_id, Some(server.span_id), "{} is not a child of the server span", s.name);
            assert_eq!(s.attr_str("server.address"), Some(host), "{}", s.name);
            assert_eq!(s.attr_int("server.port"), Some(port.parse().expect("port")), "{}", s.name);
            assert!(s.start_unix_nanos >= server.start_unix_nanos && s.end_unix_nanos <= server.end_unix_nanos);
            (
                s.name.clone(),
                s.attr_str("db.operation.name"),
                s.attr_str("db.query.text"),
                s.status.code == StatusCode::Error && s.attr_str("error.type") == Some("ERR"),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("PING".to_owned(), Some("PING"), Some("PING"), false),
            ("SET".to_owned(), Some("SET"), Some("SET greeting ?"), false),
            ("GET".to_owned(), Some("GET"), Some("GET greeting"), false),
            ("INCR".to_owned(), Some("INCR"), Some("INCR visits"), false),
            ("GET".to_owned(), Some("GET"), Some("GET missing"), false),
            ("NOSUCHCOMMAND".to_owned(), Some("NOSUCHCOMMAND"), Some("NOSUCHCOMMAND x"), true),
        ],
        "{}",
        describe(&spans)
    );

    attached.finish();
    let (status, stdout, _) = app.stop();
    assert!(status.success(), "the app exited with {status}");
    assert_eq!(stdout, "bye\n");
}

#[test]
fn attach_exports_binary_redis_arguments_as_valid_text() {
    require_root_and_bpf();
    let redis = redis_server();
    let exe = build("attach-redis", "redis-plain", &[], &[("CGO_ENABLED", "0")]);
    let rx = receiver();
    let app = App::start(&exe, &["-addr", "127.0.0.1:0", "-redis", &redis.addr], &[]);
    let base = format!("http://{}", app.addr);
    let attached = attach_to(Target::Pid(app.child.id()), &rx);
    let start = Instant::now();
    while !rx.store().spans().iter().any(|s| s.attr_str("db.system.name") == Some("redis")) {
        attached.assert_running();
        let (status, body) = get(&format!("{base}/redis-binary"), None);
        assert_eq!((status, body.as_str()), (200, "same=true err=<nil>\n"));
        assert!(start.elapsed() < Duration::from_secs(30), "no redis span after 30 s:\n{}", describe(&rx.store().spans()));
        std::thread::sleep(Duration::from_millis(200));
    }

    for (route, trace) in [("/redis-binary", "6bf92f3577b34da6a3ce929d0e0e4701"), ("/redigo-binary", "6bf92f3577b34da6a3ce929d0e0e4702")] {
        let (status, body) = get(&format!("{base}{route}"), Some(&format!("00-{trace}-00f067aa0ba902b7-01")));
        assert_eq!((status, body.as_str()), (200, "same=true err=<nil>\n"), "{route}");
        let redis_spans = |s: &[Arc<Span>]| -> Vec<Arc<Span>> {
            s.iter().filter(|s| hex(&s.trace_id.0) == trace && s.attr_str("db.system.name") == Some("redis")).cloned().collect()
        };
        let spans = wait_for_spans(&rx, "the SET and GET spans", Duration::from_secs(20), |s| redis_spans(s).len() >= 2);
        let mut cmds = redis_spans(&spans);
        cmds.sort_by_key(|s| s.start_unix_nanos);
        let got: Vec<(&str, Option<&str>)> = cmds.iter().map(|s| (s.name.as_str(), s.attr_str("db.query.text"))).collect();
        assert_eq!(
            got,
            [("SET", Some("SET bin\u{fffd}key ?")), ("GET", Some("GET bin\u{fffd}key"))],
            "{route}: {}",
            describe(&spans)
        );
    }

    attached.finish();
    let (status, _, _) = app.stop();
    assert!(status.success(), "the app exited with {status}");
}
