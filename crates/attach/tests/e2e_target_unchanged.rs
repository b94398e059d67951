//! The issue's promise "the target's own output and exit status are identical with and without
//! attach", as root. `testdata/apps/attach-unchanged` (plain `go build`, and `-ldflags=-s -w`)
//! serves HTTP on loopback and calls itself through net/http: a handler calling back from its
//! own goroutine and from a child goroutine, an incoming traceparent, a 418 and a 500. It prints
//! a transcript of every request and response it saw, one line on stderr, and exits with
//! status 3. It runs once plainly and once under `attach --exe`, started after attach's probes
//! are in place; both runs must print exactly the expected transcript and stderr and exit 3.
//!
//! The transcript lists every `traceparent` header the program's server received: only those
//! its client set, one each. Attach writes nothing into the target where the kernel refuses
//! `bpf_probe_write_user` (lockdown); where the kernel allows it, attach adds its own
//! traceparent to outgoing HTTP/1.1 requests that have none, by design, and only those are
//! taken out of the attached run's transcript before the comparison.
//!
//! The attached run must also produce its spans (server and client spans, the goroutine's call
//! inside the handler's trace, the incoming traceparent honoured, the error statuses), so the
//! comparison cannot pass on a run attach did not see. These tests need root and a build with
//! the BPF programs (clang): without them they fail, saying so.

mod common;

use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use attach::Target;
use common::*;
use otlp::model::{Span, SpanKind, Value};

/// What the program prints on stdout, in every run.
const TRANSCRIPT: &str = r#"server GET /hello/alice traceparent=[] user-agent="Go-http-client/1.1" content-length=0
client GET /hello/alice -> 200 OK content-type="text/plain; charset=utf-8" x-echo-length="" traceparent=[] body="hello alice\n"
server GET /chain traceparent=["00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"] user-agent="Go-http-client/1.1" content-length=0
server GET /hello/direct traceparent=[] user-agent="Go-http-client/1.1" content-length=0
server GET /hello/child traceparent=[] user-agent="Go-http-client/1.1" content-length=0
client GET /chain -> 200 OK content-type="text/plain; charset=utf-8" x-echo-length="" traceparent=[] body="direct: 200 OK \"hello direct\\n\"; child: 200 OK \"hello child\\n\"\n"
server GET /hello/carol traceparent=["00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"] user-agent="Go-http-client/1.1" content-length=0
client GET /hello/carol -> 200 OK content-type="text/plain; charset=utf-8" x-echo-length="" traceparent=[] body="hello carol\n"
server POST /echo traceparent=[] user-agent="Go-http-client/1.1" content-length=4
client POST /echo -> 200 OK content-type="text/plain; charset=utf-8" x-echo-length="4" traceparent=[] body="echo: ping\n"
server GET /teapot traceparent=[] user-agent="Go-http-client/1.1" content-length=0
client GET /teapot -> 418 I'm a teapot content-type="text/plain; charset=utf-8" x-echo-length="" traceparent=[] body="short and stout\n"
server GET /fail traceparent=[] user-agent="Go-http-client/1.1" content-length=0
client GET /fail -> 500 Internal Server Error content-type="text/plain; charset=utf-8" x-echo-length="" traceparent=[] body="boom\n"
"#;
const STDERR: &str = "attach-unchanged: 6 requests done, exiting with status 3\n";
const EXIT_CODE: i32 = 3;

/// The trace and parent of the traceparent the program sends to its /chain and /hello/carol.
const CHAIN_REMOTE: (&str, &str) = ("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331");
const CAROL_REMOTE: (&str, &str) = ("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7");

/// The paths the program's client requests (from main and from the /chain handler), one
/// server span and one client span each.
const PATHS: [&str; 8] =
    ["/hello/alice", "/chain", "/hello/direct", "/hello/child", "/hello/carol", "/echo", "/teapot", "/fail"];

/// One finished run of the program.
struct Run {
    pid: u32,
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

fn run(exe: &Path, args: &[&str]) -> Run {
    let child = Command::new(exe)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start attach-unchanged");
    let pid = child.id();
    let out = child.wait_with_output().expect("wait for attach-unchanged");
    Run {
        pid,
        status: out.status,
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn assert_expected(run: &Run, what: &str) {
    assert_eq!(run.stdout, TRANSCRIPT, "{what}: stdout");
    assert_eq!(run.stderr, STDERR, "{what}: stderr");
    assert_eq!(run.status.code(), Some(EXIT_CODE), "{what}: exit status {}", run.status);
}

/// Runs `exe -warmup` (one request to itself) until attach reports its server span: attach's
/// probes are then in place for every process of `exe` started afterwards.
fn wait_until_probed(exe: &Path, rx: &otlp::BackgroundReceiver, attached: &Attached) {
    let start = Instant::now();
    loop {
        attached.assert_running();
        let warmup = run(exe, &["-warmup"]);
        assert!(warmup.status.success(), "warm-up run failed ({}):\n{}", warmup.status, warmup.stderr);
        let seen = |s: &otlp::Store| s.spans().iter().any(|s| s.attr_str("url.path") == Some("/warmup"));
        if rx.store().wait_until(Duration::from_secs(1), seen) {
            return;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "no warm-up span after 60 s");
    }
}

fn pid_of(s: &Span) -> Option<i64> {
    match s.resource.attributes.get("process.pid")? {
        Value::Int(p) => Some(*p),
        _ => None,
    }
}

/// The request path of a server span (`url.path`) or client span (from `url.full`).
fn path_of(s: &Span) -> Option<&str> {
    match s.kind {
        SpanKind::Client => {
            let rest = s.attr_str("url.full")?.strip_prefix("http://")?;
            rest.find('/').map(|i| &rest[i..])
        }
        _ => s.attr_str("url.path"),
    }
}

/// The span of `kind` for `path` among `spans`; fails unless there is exactly one.
fn one<'a>(spans: &'a [Arc<Span>], kind: SpanKind, path: &str) -> &'a Span {
    let found: Vec<&Span> = spans.iter().map(|s| &**s).filter(|s| s.kind == kind && path_of(s) == Some(path)).collect();
    assert_eq!(found.len(), 1, "{kind:?} spans of {path}:\n{}", describe(spans));
    found[0]
}

fn assert_remote_parent(s: &Span, (trace, parent): (&str, &str)) {
    assert_eq!(hex(&s.trace_id.0), trace, "{:?}: trace of the incoming traceparent", s.name);
    assert_eq!(s.parent_span_id.map(|p| hex(&p.0)).as_deref(), Some(parent), "{:?}: remote parent", s.name);
}

/// The spans attach exported for the run `pid`: a server and a client span per request, with
/// the links the program's calls imply.
fn assert_spans_of_run(rx: &otlp::BackgroundReceiver, pid: u32) {
    let of_run = |spans: &[Arc<Span>]| -> Vec<Arc<Span>> {
        spans.iter().filter(|s| pid_of(s) == Some(pid.into())).cloned().collect()
    };
    let what = format!("the {} spans of the attached run", 2 * PATHS.len());
    let spans = of_run(&wait_for_spans(rx, &what, Duration::from_secs(20), |s| of_run(s).len() == 2 * PATHS.len()));
    for path in PATHS {
        one(&spans, SpanKind::Server, path);
        one(&spans, SpanKind::Client, path);
    }
    let chain = one(&spans, SpanKind::Server, "/chain");
    assert_remote_parent(chain, CHAIN_REMOTE);
    assert_remote_parent(one(&spans, SpanKind::Server, "/hello/carol"), CAROL_REMOTE);
    for path in ["/hello/direct", "/hello/child"] {
        let c = one(&spans, SpanKind::Client, path);
        assert_eq!(c.trace_id, chain.trace_id, "{path}: client span not in the /chain trace");
        assert_eq!(c.parent_span_id, Some(chain.span_id), "{path}: client span's parent is not /chain");
    }
    let echo = one(&spans, SpanKind::Server, "/echo");
    assert_eq!(echo.attr_str("http.request.method"), Some("POST"));
    for (path, status) in [("/teapot", 418), ("/fail", 500), ("/hello/alice", 200)] {
        for kind in [SpanKind::Server, SpanKind::Client] {
            let s = one(&spans, kind, path);
            assert_eq!(s.attr_int("http.response.status_code"), Some(status), "{kind:?} {path}");
        }
    }
}

/// Builds the program with `flags`, runs it plainly, then attached by executable, and compares.
/// The transcript with the traceparent attach adds where the kernel lets it (one, on a request
/// whose client set none) taken out of the server's lines; any other difference stays.
fn without_added_traceparents(transcript: &str) -> String {
    let added = |value: &str| {
        let set_by_client = [CHAIN_REMOTE.0, CAROL_REMOTE.0].iter().any(|t| value.contains(t));
        value.len() == 55 && value.starts_with("00-") && value.ends_with("-01") && !set_by_client
    };
    transcript
        .lines()
        .map(|line| {
            let value = line.split_once(" traceparent=[\"").and_then(|(_, rest)| rest.split_once("\"]")).map(|(v, _)| v);
            match value {
                Some(v) if line.starts_with("server ") && added(v) => line.replacen(&format!("[\"{v}\"]"), "[]", 1),
                _ => line.to_owned(),
            }
        })
        .map(|line| line + "\n")
        .collect()
}

fn check_unchanged(variant: &str, flags: &[&str]) {
    require_root_and_bpf();
    let exe = build("attach-unchanged", variant, flags, &[("CGO_ENABLED", "0")]);

    let plain = run(&exe, &[]);
    assert_expected(&plain, "plain run");

    let rx = receiver();
    let attached = attach_to(Target::Exe(exe.clone()), &rx);
    wait_until_probed(&exe, &rx, &attached);
    let traced = run(&exe, &[]);
    let stdout = if attach::outgoing_injection_allowed() { without_added_traceparents(&traced.stdout) } else { traced.stdout.clone() };
    assert_eq!(stdout, plain.stdout, "stdout differs under attach");
    assert_eq!(traced.stderr, plain.stderr, "stderr differs under attach");
    assert_eq!(traced.status, plain.status, "exit status differs under attach");
    assert_spans_of_run(&rx, traced.pid);
    attached.finish();
}

#[test]
fn attached_plain_build_prints_and_exits_as_without_attach() {
    check_unchanged("unchanged-plain", &[]);
}

#[test]
fn attached_stripped_build_prints_and_exits_as_without_attach() {
    check_unchanged("unchanged-stripped", &["-ldflags=-s -w"]);
}

/// The normalisation for kernels that allow the write removes attach's header and nothing else.
#[test]
fn only_an_added_traceparent_is_taken_out_of_a_transcript() {
    let tp = "00-11111111111111111111111111111111-2222222222222222-01";
    let added = TRANSCRIPT.replace("server GET /hello/alice traceparent=[]", &format!("server GET /hello/alice traceparent=[\"{tp}\"]"));
    assert_ne!(added, TRANSCRIPT);
    assert_eq!(without_added_traceparents(&added), TRANSCRIPT);
    assert_eq!(without_added_traceparents(TRANSCRIPT), TRANSCRIPT, "the client's own traceparents stay");
    let changed = TRANSCRIPT.replace("hello alice", "hello bob");
    assert_ne!(without_added_traceparents(&changed), TRANSCRIPT);
}
