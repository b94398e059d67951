//! End to end, as root: `testdata/apps/attach-nethttp` built with plain `go build` (and with
//! `-ldflags=-s -w`), attached with `attach::run`, driven with real HTTP requests; the spans
//! are received over OTLP/HTTP and checked: names, kinds, attributes, trace ids and parent
//! links, including the client call made from a child goroutine without ctx and an incoming
//! `traceparent`. These tests need root and a build with the BPF programs (clang): without
//! them they fail, saying so.

mod common;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use attach::Target;
use common::*;
use otlp::model::{Span, SpanKind};

const REMOTE_TRACE: &str = "0af7651916cd43dd8448eb211c80319c";
const REMOTE_PARENT: &str = "b7ad6b7169203331";

fn start_app(exe: &std::path::Path) -> (App, String) {
    let app = App::start(exe, &["-addr", "127.0.0.1:0"], &[]);
    let base = format!("http://{}", app.addr);
    (app, base)
}

/// Sends `path` until its server span arrives: the probes are then in place.
fn warm_up(base: &str, rx: &otlp::BackgroundReceiver, attached: &Attached) {
    let start = Instant::now();
    loop {
        attached.assert_running();
        get(&format!("{base}/hello/warmup"), None);
        if rx.store().spans().iter().any(|s| s.attr_str("url.path") == Some("/hello/warmup")) {
            return;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "no span after 30 s of warm-up requests");
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn by_path<'a>(spans: &'a [Arc<Span>], kind: SpanKind, path: &str) -> Vec<&'a Span> {
    spans
        .iter()
        .map(|s| &**s)
        .filter(|s| s.kind == kind)
        .filter(|s| match kind {
            SpanKind::Client => s.attr_str("url.full").is_some_and(|u| u.ends_with(path)),
            _ => s.attr_str("url.path") == Some(path),
        })
        .collect()
}

/// Drives the attached `exe` (serving at `base`) and checks its spans.
fn drive_and_check(exe: &std::path::Path, base: &str, rx: &otlp::BackgroundReceiver, exe_name: &str) {
    // Attach reads HTTP headers from Go 1.24+ maps only (and says so for older binaries).
    let reads_headers = attach::check(exe).expect("attach's plan of the target").swiss_headers;
    let tp = format!("00-{REMOTE_TRACE}-{REMOTE_PARENT}-01");
    assert_eq!(get(&format!("{base}/hello/bob"), None), 200);
    assert_eq!(get(&format!("{}/chain", base), Some(&tp)), 200);
    assert_eq!(get(&format!("{}/teapot", base), None), 418);
    assert_eq!(get(&format!("{base}/api/items/7"), None), 200);
    // Two requests on one keep-alive connection: one goroutine serves both, and the context the
    // first span left on it must not become the second's parent.
    let keep_alive = ureq::AgentBuilder::new().timeout(Duration::from_secs(10)).build();
    for path in ["/hello/first", "/hello/second"] {
        assert_eq!(keep_alive.get(&format!("{base}{path}")).call().map(|r| r.status()).ok(), Some(200), "{path}");
    }

    let spans = wait_for_spans(rx, "the spans of /hello/bob, /chain and /teapot", Duration::from_secs(20), |s| {
        by_path(s, SpanKind::Server, "/hello/second").len() == 1
            && by_path(s, SpanKind::Server, "/hello/first").len() == 1
            && by_path(s, SpanKind::Server, "/hello/bob").len() == 1
            && by_path(s, SpanKind::Server, "/chain").len() == 1
            && by_path(s, SpanKind::Server, "/teapot").len() == 1
            && by_path(s, SpanKind::Server, "/api/items/7").len() == 1
            && by_path(s, SpanKind::Client, "/hello/direct").len() == 1
            && by_path(s, SpanKind::Client, "/hello/child").len() == 1
            && by_path(s, SpanKind::Server, "/hello/direct").len() == 1
            && by_path(s, SpanKind::Server, "/hello/child").len() == 1
    });
    let (host, port) = base.trim_start_matches("http://").rsplit_once(':').expect("host:port");
    let port: i64 = port.parse().expect("port");

    // Server span: name from the route, stable semconv attributes.
    let bob = by_path(&spans, SpanKind::Server, "/hello/bob")[0];
    assert_eq!(bob.name, "GET /hello/{name}");
    assert_eq!(bob.attr_str("http.request.method"), Some("GET"));
    assert_eq!(bob.attr_str("http.route"), Some("/hello/{name}"));
    assert_eq!(bob.attr_int("http.response.status_code"), Some(200));
    assert_eq!(bob.attr_str("server.address"), Some(host));
    assert_eq!(bob.attr_int("server.port"), Some(port));
    assert!(bob.parent_span_id.is_none(), "/hello/bob should be a root span");
    assert!(bob.end_unix_nanos >= bob.start_unix_nanos);
    assert_eq!(bob.resource_str("service.name"), Some(exe_name));
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_nanos() as u64;
    assert!(now.abs_diff(bob.start_unix_nanos) < 120_000_000_000, "start time is not wall-clock time");

    let (first, second) = (by_path(&spans, SpanKind::Server, "/hello/first")[0], by_path(&spans, SpanKind::Server, "/hello/second")[0]);
    assert!(first.parent_span_id.is_none() && second.parent_span_id.is_none(), "keep-alive requests are roots");
    assert_ne!(first.trace_id, second.trace_id, "the second keep-alive request has a trace of its own");

    let teapot = by_path(&spans, SpanKind::Server, "/teapot")[0];
    assert_eq!(teapot.name, "GET /teapot");
    assert_eq!(teapot.attr_int("http.response.status_code"), Some(418));

    // A mux mounted behind a middleware routes a copy of the request: its pattern, the
    // innermost, names the span, not the outer mux's "/api/".
    let item = by_path(&spans, SpanKind::Server, "/api/items/7")[0];
    assert_eq!(item.name, "GET /api/items/{id}");
    assert_eq!(item.attr_str("http.route"), Some("/api/items/{id}"));

    // /chain continues the caller's trace (incoming traceparent) where the headers are read; in
    // a Go 1.23 binary it starts a trace of its own...
    let chain = by_path(&spans, SpanKind::Server, "/chain")[0];
    assert_eq!(chain.name, "GET /chain");
    if reads_headers {
        assert_eq!(hex(&chain.trace_id.0), REMOTE_TRACE);
        assert_eq!(chain.parent_span_id.map(|p| hex(&p.0)).as_deref(), Some(REMOTE_PARENT));
    } else {
        assert_ne!(hex(&chain.trace_id.0), REMOTE_TRACE);
        assert_eq!(chain.parent_span_id, None, "headers unread: /chain is a root");
    }
    // ...and both client calls are its children: the direct one and the one made from a child
    // goroutine, neither with ctx.
    for path in ["/hello/direct", "/hello/child"] {
        let c = by_path(&spans, SpanKind::Client, path)[0];
        assert_eq!(c.name, "GET", "{path}");
        assert_eq!(c.attr_str("http.request.method"), Some("GET"));
        assert_eq!(c.attr_str("url.full"), Some(format!("{}{path}", base).as_str()));
        assert_eq!(c.attr_str("server.address"), Some(host));
        assert_eq!(c.attr_int("server.port"), Some(port));
        assert_eq!(c.attr_int("http.response.status_code"), Some(200));
        assert_eq!(c.trace_id, chain.trace_id, "{path}: client span not in the /chain trace");
        assert_eq!(c.parent_span_id, Some(chain.span_id), "{path}: client span's parent is not /chain");
        assert!(c.start_unix_nanos >= chain.start_unix_nanos);
        assert!(c.end_unix_nanos <= chain.end_unix_nanos);
    }
    // The downstream server spans exist; with lockdown (no bpf_probe_write_user) they cannot
    // receive the traceparent, so they start their own traces.
    let direct_server = by_path(&spans, SpanKind::Server, "/hello/direct")[0];
    assert_eq!(direct_server.name, "GET /hello/{name}");
}

#[test]
fn attach_by_pid_to_plain_build() {
    require_root_and_bpf();
    let exe = build("attach-nethttp", "e2e-plain", &[], &[("CGO_ENABLED", "0")]);
    let rx = receiver();
    let (app, base) = start_app(&exe);
    let attached = attach_to(Target::Pid(app.child.id()), &rx);
    warm_up(&base, &rx, &attached);
    drive_and_check(&exe, &base, &rx, "attach-nethttp-e2e-plain");
    attached.finish();
    // Detached: the program keeps working and exits as it would without attach.
    assert_eq!(get(&format!("{}/hello/after", base), None), 200);
    let (status, stdout, _) = app.stop();
    assert!(status.success(), "the app exited with {status}");
    assert_eq!(stdout, "bye\n");
}

#[test]
fn attach_by_exe_to_stripped_build_picks_up_a_process_started_later() {
    require_root_and_bpf();
    let exe: PathBuf = build("attach-nethttp", "e2e-stripped", &["-ldflags=-s -w"], &[("CGO_ENABLED", "0")]);
    let rx = receiver();
    // Attach first: no process of this executable exists yet.
    let attached = attach_to(Target::Exe(exe.clone()), &rx);
    std::thread::sleep(Duration::from_millis(500));
    let (app, base) = start_app(&exe);
    warm_up(&base, &rx, &attached);
    drive_and_check(&exe, &base, &rx, "attach-nethttp-e2e-stripped");
    let (status, stdout, _) = app.stop();
    assert!(status.success(), "the app exited with {status}");
    assert_eq!(stdout, "bye\n");
    attached.finish();
}

#[test]
fn attach_by_pid_detaches_when_the_target_exits() {
    require_root_and_bpf();
    let exe = build("attach-nethttp", "e2e-exit", &[], &[("CGO_ENABLED", "0")]);
    let rx = receiver();
    let (app, base) = start_app(&exe);
    let attached = attach_to(Target::Pid(app.child.id()), &rx);
    warm_up(&base, &rx, &attached);
    let (status, _, _) = app.stop();
    assert!(status.success());
    let start = Instant::now();
    while !attached.thread.is_finished() {
        assert!(start.elapsed() < Duration::from_secs(10), "attach did not stop after its target exited");
        std::thread::sleep(Duration::from_millis(50));
    }
    attached.thread.join().expect("attach thread").expect("attach returns Ok when the target exits");
}

/// With `-h2c`, /chain's two client calls go over HTTP/2 without TLS: their server spans come
/// from net/http's HTTP/2 server, which ends them where it tells the writer the handler is done.
#[test]
fn attach_traces_http2_server_spans() {
    require_root_and_bpf();
    let exe = build("attach-nethttp", "e2e-plain", &[], &[("CGO_ENABLED", "0")]);
    let rx = receiver();
    let app = App::start(&exe, &["-addr", "127.0.0.1:0", "-h2c"], &[]);
    let base = format!("http://{}", app.addr);
    let attached = attach_to(Target::Pid(app.child.id()), &rx);
    warm_up(&base, &rx, &attached);
    assert_eq!(get(&format!("{base}/chain"), None), 200);
    let downstream = |s: &[Arc<Span>], path: &str| by_path(s, SpanKind::Server, path).len() == 1;
    let spans = wait_for_spans(&rx, "the HTTP/2 server spans of /chain's calls", Duration::from_secs(20), |s| {
        downstream(s, "/hello/direct") && downstream(s, "/hello/child")
    });
    for path in ["/hello/direct", "/hello/child"] {
        let server = by_path(&spans, SpanKind::Server, path)[0];
        assert_eq!(server.name, "GET /hello/{name}", "{path}");
        assert_eq!(server.attr_str("network.protocol.version"), Some("2"), "{path}: served over HTTP/2");
        assert_eq!(server.attr_int("http.response.status_code"), Some(200), "{path}");
        assert!(server.end_unix_nanos >= server.start_unix_nanos);
    }
    attached.finish();
    let (status, _, _) = app.stop();
    assert!(status.success(), "the app exited with {status}");
}
