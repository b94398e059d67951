//! End to end, as root: `testdata/apps/attach-nethttp` built with plain `go build` (and with
//! `-ldflags=-s -w`), attached with `attach::run`, driven with real HTTP requests; the spans
//! are received over OTLP/HTTP and checked: names, kinds, attributes, trace ids and parent
//! links, including the client call made from a child goroutine without ctx and an incoming
//! `traceparent`. These tests need root and a build with the BPF programs (clang): without
//! them they fail, saying so.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use attach::export::ExportConfig;
use attach::{AttachOptions, Target};
use common::receiver::{Receiver, Received};
use common::*;
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;

const REMOTE_TRACE: &str = "0af7651916cd43dd8448eb211c80319c";
const REMOTE_PARENT: &str = "b7ad6b7169203331";

#[allow(clippy::assertions_on_constants)]
fn require_root_and_bpf() {
    assert!(
        attach::BPF_BUILT,
        "this test needs the BPF programs, but autotel-attach was built without clang: install clang and rebuild"
    );
    // SAFETY: geteuid has no preconditions.
    assert_eq!(unsafe { libc::geteuid() }, 0, "this test attaches uprobes and must run as root");
}

struct App {
    child: Child,
    base: String,
}

impl App {
    fn start(exe: &Path) -> App {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("addr-{}-{}", std::process::id(), exe.display().to_string().len()));
        let _ = std::fs::remove_file(&dir);
        let child = Command::new(exe)
            .args(["-addr", "127.0.0.1:0", "-addrfile"])
            .arg(&dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the test app");
        let start = Instant::now();
        let addr = loop {
            if let Ok(a) = std::fs::read_to_string(&dir) {
                if !a.is_empty() {
                    break a;
                }
            }
            assert!(start.elapsed() < Duration::from_secs(10), "the test app did not write its address");
            std::thread::sleep(Duration::from_millis(20));
        };
        App { child, base: format!("http://{addr}") }
    }

    /// SIGTERM, then the exit status and stdout.
    fn stop(mut self) -> (std::process::ExitStatus, String) {
        // SAFETY: kill on our own child's pid.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let out = std::mem::replace(&mut self.child, Command::new("true").spawn().expect("true"))
            .wait_with_output()
            .expect("wait for the app");
        (out.status, String::from_utf8_lossy(&out.stdout).into_owned())
    }
}

fn get(url: &str, traceparent: Option<&str>) -> u16 {
    let mut req = ureq::get(url).timeout(Duration::from_secs(10));
    if let Some(tp) = traceparent {
        req = req.set("traceparent", tp);
    }
    match req.call() {
        Ok(r) => r.status(),
        Err(ureq::Error::Status(code, _)) => code,
        Err(e) => panic!("GET {url}: {e}"),
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

struct Attached {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<Result<(), attach::AttachError>>,
}

fn attach_to(target: Target, rx: &Receiver) -> Attached {
    let stop = Arc::new(AtomicBool::new(false));
    let mut opts = AttachOptions::new(target);
    opts.stop = Some(stop.clone());
    opts.export = Some(ExportConfig::to_url(rx.traces_url()));
    let thread = std::thread::spawn(move || attach::run(opts));
    Attached { stop, thread }
}

impl Attached {
    fn finish(self) {
        self.stop.store(true, Ordering::SeqCst);
        let r = self.thread.join().expect("attach thread panicked");
        if let Err(e) = r {
            panic!("attach failed: {e}: {:?}", std::error::Error::source(&e));
        }
    }
}

/// Sends `path` until its server span arrives: the probes are then in place.
fn warm_up(app: &App, rx: &Receiver, attached: &Attached) {
    let start = Instant::now();
    loop {
        assert!(!attached.thread.is_finished(), "attach stopped early (see its error above)");
        get(&format!("{}/hello/warmup", app.base), None);
        if rx.spans().iter().any(|s| s.attr_str("url.path") == Some("/hello/warmup")) {
            return;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "no span after 30 s of warm-up requests");
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn by_path<'a>(spans: &'a [Received], kind: SpanKind, path: &str) -> Vec<&'a Received> {
    spans
        .iter()
        .filter(|s| s.span.kind == kind as i32)
        .filter(|s| match kind {
            SpanKind::Client => s.attr_str("url.full").is_some_and(|u| u.ends_with(path)),
            _ => s.attr_str("url.path") == Some(path),
        })
        .collect()
}

fn drive_and_check(app: &App, rx: &Receiver, exe_name: &str) {
    let tp = format!("00-{REMOTE_TRACE}-{REMOTE_PARENT}-01");
    assert_eq!(get(&format!("{}/hello/bob", app.base), None), 200);
    assert_eq!(get(&format!("{}/chain", app.base), Some(&tp)), 200);
    assert_eq!(get(&format!("{}/teapot", app.base), None), 418);

    let spans = rx.wait_until("the spans of /hello/bob, /chain and /teapot", Duration::from_secs(20), |s| {
        by_path(s, SpanKind::Server, "/hello/bob").len() == 1
            && by_path(s, SpanKind::Server, "/chain").len() == 1
            && by_path(s, SpanKind::Server, "/teapot").len() == 1
            && by_path(s, SpanKind::Client, "/hello/direct").len() == 1
            && by_path(s, SpanKind::Client, "/hello/child").len() == 1
            && by_path(s, SpanKind::Server, "/hello/direct").len() == 1
            && by_path(s, SpanKind::Server, "/hello/child").len() == 1
    });
    let (host, port) = app.base.trim_start_matches("http://").rsplit_once(':').expect("host:port");
    let port: i64 = port.parse().expect("port");

    // Server span: name from the route, stable semconv attributes.
    let bob = by_path(&spans, SpanKind::Server, "/hello/bob")[0];
    assert_eq!(bob.span.name, "GET /hello/{name}");
    assert_eq!(bob.attr_str("http.request.method"), Some("GET"));
    assert_eq!(bob.attr_str("http.route"), Some("/hello/{name}"));
    assert_eq!(bob.attr_int("http.response.status_code"), Some(200));
    assert_eq!(bob.attr_str("server.address"), Some(host));
    assert_eq!(bob.attr_int("server.port"), Some(port));
    assert!(bob.span.parent_span_id.is_empty(), "/hello/bob should be a root span");
    assert!(bob.span.end_time_unix_nano >= bob.span.start_time_unix_nano);
    assert_eq!(bob.resource_str("service.name"), Some(exe_name));
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_nanos() as u64;
    assert!(now.abs_diff(bob.span.start_time_unix_nano) < 120_000_000_000, "start time is not wall-clock time");

    let teapot = by_path(&spans, SpanKind::Server, "/teapot")[0];
    assert_eq!(teapot.span.name, "GET /teapot");
    assert_eq!(teapot.attr_int("http.response.status_code"), Some(418));

    // /chain continues the caller's trace (incoming traceparent)...
    let chain = by_path(&spans, SpanKind::Server, "/chain")[0];
    assert_eq!(chain.span.name, "GET /chain");
    assert_eq!(hex(&chain.span.trace_id), REMOTE_TRACE);
    assert_eq!(hex(&chain.span.parent_span_id), REMOTE_PARENT);
    // ...and both client calls are its children: the direct one and the one made from a child
    // goroutine, neither with ctx.
    for path in ["/hello/direct", "/hello/child"] {
        let c = by_path(&spans, SpanKind::Client, path)[0];
        assert_eq!(c.span.name, "GET", "{path}");
        assert_eq!(c.attr_str("http.request.method"), Some("GET"));
        assert_eq!(c.attr_str("url.full"), Some(format!("{}{path}", app.base).as_str()));
        assert_eq!(c.attr_str("server.address"), Some(host));
        assert_eq!(c.attr_int("server.port"), Some(port));
        assert_eq!(c.attr_int("http.response.status_code"), Some(200));
        assert_eq!(c.span.trace_id, chain.span.trace_id, "{path}: client span not in the /chain trace");
        assert_eq!(c.span.parent_span_id, chain.span.span_id, "{path}: client span's parent is not /chain");
        assert!(c.span.start_time_unix_nano >= chain.span.start_time_unix_nano);
        assert!(c.span.end_time_unix_nano <= chain.span.end_time_unix_nano);
    }
    // The downstream server spans exist; with lockdown (no bpf_probe_write_user) they cannot
    // receive the traceparent, so they start their own traces.
    let direct_server = by_path(&spans, SpanKind::Server, "/hello/direct")[0];
    assert_eq!(direct_server.span.name, "GET /hello/{name}");
}

#[test]
fn attach_by_pid_to_plain_build() {
    require_root_and_bpf();
    let exe = build("attach-nethttp", "e2e-plain", &[], &[("CGO_ENABLED", "0")]);
    let rx = Receiver::spawn();
    let app = App::start(&exe);
    let attached = attach_to(Target::Pid(app.child.id()), &rx);
    warm_up(&app, &rx, &attached);
    drive_and_check(&app, &rx, "attach-nethttp-e2e-plain");
    attached.finish();
    // Detached: the program keeps working and exits as it would without attach.
    assert_eq!(get(&format!("{}/hello/after", app.base), None), 200);
    let (status, stdout) = app.stop();
    assert!(status.success(), "the app exited with {status}");
    assert_eq!(stdout, "bye\n");
}

#[test]
fn attach_by_exe_to_stripped_build_picks_up_a_process_started_later() {
    require_root_and_bpf();
    let exe: PathBuf = build("attach-nethttp", "e2e-stripped", &["-ldflags=-s -w"], &[("CGO_ENABLED", "0")]);
    let rx = Receiver::spawn();
    // Attach first: no process of this executable exists yet.
    let attached = attach_to(Target::Exe(exe.clone()), &rx);
    std::thread::sleep(Duration::from_millis(500));
    let app = App::start(&exe);
    warm_up(&app, &rx, &attached);
    drive_and_check(&app, &rx, "attach-nethttp-e2e-stripped");
    let (status, stdout) = app.stop();
    assert!(status.success(), "the app exited with {status}");
    assert_eq!(stdout, "bye\n");
    attached.finish();
}

#[test]
fn attach_by_pid_detaches_when_the_target_exits() {
    require_root_and_bpf();
    let exe = build("attach-nethttp", "e2e-exit", &[], &[("CGO_ENABLED", "0")]);
    let rx = Receiver::spawn();
    let app = App::start(&exe);
    let attached = attach_to(Target::Pid(app.child.id()), &rx);
    warm_up(&app, &rx, &attached);
    let (status, _) = app.stop();
    assert!(status.success());
    let start = Instant::now();
    while !attached.thread.is_finished() {
        assert!(start.elapsed() < Duration::from_secs(10), "attach did not stop after its target exited");
        std::thread::sleep(Duration::from_millis(50));
    }
    attached.thread.join().expect("attach thread").expect("attach returns Ok when the target exits");
}
