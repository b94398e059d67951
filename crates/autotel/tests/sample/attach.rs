//! Attach mode on the sample application (issue 5): the net/http variant of A and B built with
//! plain `go build` (and with `-ldflags=-s -w`), each instrumented by its own `autotel attach
//! --exe` process, against real MariaDB and Redis servers. One request to A gives A's server span
//! with its SQL query, its redigo `PING` (no ctx) and its `http.Get` client span (no ctx), and B's
//! server span with its SQL query and go-redis `PING`, with exact parents; the spans have the same
//! names, kinds and attribute keys as build mode's spans of the same request. B's spans join
//! A's trace where the kernel lets attach write A's outgoing traceparent (else attach counts
//! the request it could not mark). A plain B attached behind an A built by `autotel go build`
//! joins A's trace through the traceparent A sends.
//!
//! Every attached program is a private copy: uprobes follow the file, so other tests running
//! the shared binaries at the same time are not instrumented.

use crate::harness::*;
use crate::support::*;
use crate::traces::{describe, trace_of, trace_of_service, Roles};
use otlp::model::Span;
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// One `autotel attach --exe PATH` process exporting to the test's receiver as `service`;
/// interrupted (Ctrl-C) when stopped or dropped.
struct Attacher {
    child: Child,
    /// Its stderr, line by line.
    lines: mpsc::Receiver<String>,
}

impl Attacher {
    /// Starts attach and waits until its probes are in place.
    fn start(exe: &Path, service: &str, receiver: &otlp::BackgroundReceiver) -> Attacher {
        let mut command = autotel();
        command.args(["attach", "--exe"]).arg(exe).stderr(Stdio::piped()).stdout(Stdio::null());
        command.env("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.http_endpoint()).env("OTEL_SERVICE_NAME", service);
        let mut child = command.spawn().unwrap();
        let stderr = child.stderr.take().unwrap();
        let exe_text = exe.display().to_string();
        let (lines, ready) = mpsc::channel();
        // Keeps reading stderr after the probes are in, so attach never blocks on the pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                eprintln!("[autotel attach {}] {line}", exe_name(&exe_text));
                let _ = lines.send(line);
            }
        });
        let mut seen = Vec::new();
        loop {
            match ready.recv_timeout(Duration::from_secs(60)) {
                Ok(line) if line.contains("uprobes) on") => return Attacher { child, lines: ready },
                Ok(line) => seen.push(line),
                Err(_) => panic!("autotel attach did not report its probes within 60 s:\n{}", seen.join("\n")),
            }
        }
    }
}

impl Attacher {
    /// Interrupts attach and returns what it printed after its probes were in place.
    fn stop(mut self) -> Vec<String> {
        self.interrupt();
        self.lines.iter().collect()
    }

    fn interrupt(&mut self) {
        // SAFETY: plain kill(2) on our own child.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGINT) };
        let _ = self.child.wait();
    }
}

fn exe_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

impl Drop for Attacher {
    fn drop(&mut self) {
        self.interrupt();
    }
}

/// A copy of `program` named `name` beside it, attached to by one test only.
fn private_copy(program: &Path, name: &str) -> PathBuf {
    let copy = program.with_file_name(name);
    std::fs::copy(program, &copy).unwrap();
    copy
}

/// Sends one `/call-b` to A and checks the response.
fn call_b(d: &Deployment) {
    let (status, body) = http_get(&d.a.url("/call-b"), &[]);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, r#"{"item":"widget","redis":"PONG","b":{"item":"widget","redis":"PONG"}}"#);
}

/// The same request in build mode: the reference for names, kinds and attribute keys.
fn build_mode_roles() -> Roles {
    let d = deploy("nethttp", Build::Instrumented);
    call_b(&d);
    let (_, spans) = trace_of(&d.receiver, "GET /call-b", 7);
    Roles::of(&spans)
}

fn attached_sample(variant: &str) {
    let built = built();
    let a = private_copy(&built.binary(&format!("{variant}-a")), &format!("attached-{variant}-a"));
    let b = private_copy(&built.binary(&format!("{variant}-b")), &format!("attached-{variant}-b"));
    let d = deploy_programs("nethttp", &a, &b);
    // Attached to processes that already run.
    let attach_a = Attacher::start(&a, "service-a", &d.receiver);
    let _attach_b = Attacher::start(&b, "service-b", &d.receiver);
    call_b(&d);

    // B continues A's trace where attach may write A's outgoing traceparent; under lockdown
    // it starts a trace of its own, and A's attach counts the request it could not mark.
    let injected = attach::outgoing_injection_allowed();
    let (_, a_spans) = trace_of(&d.receiver, "GET /call-b", if injected { 7 } else { 4 });
    let spans = if injected {
        assert_eq!(a_spans.len(), 7, "one trace:\n{}", describe(&a_spans));
        a_spans
    } else {
        let (_, b_spans) = trace_of_service(&d.receiver, "service-b", "GET /data", 3);
        assert_eq!(a_spans.len(), 4, "A's trace: server, SQL, PING, client:\n{}", describe(&a_spans));
        assert_eq!(b_spans.len(), 3, "B's trace: server, SQL, PING:\n{}", describe(&b_spans));
        a_spans.iter().chain(&b_spans).cloned().collect()
    };
    let r = Roles::of(&spans);
    assert_eq!(r.a_server.parent_span_id, None);
    for child in [&r.a_sql, &r.a_ping, &r.a_client] {
        assert_eq!(child.parent_span_id, Some(r.a_server.span_id), "{:?} is a child of A's server span:\n{}", child.name, describe(&spans));
    }
    let b_parent = injected.then_some(r.a_client.span_id);
    assert_eq!(r.b_server.parent_span_id, b_parent, "B's server span:\n{}", describe(&spans));
    for child in [&r.b_sql, &r.b_ping] {
        assert_eq!(child.parent_span_id, Some(r.b_server.span_id), "{:?} is a child of B's server span:\n{}", child.name, describe(&spans));
    }
    let said = attach_a.stop();
    let expected = if injected { "outgoing traceparent: 1 written" } else { "outgoing traceparent: 1 refused by the kernel (lockdown)" };
    assert!(said.iter().any(|l| l.ends_with(expected)), "A's attach reports {expected:?}:\n{}", said.join("\n"));
    for (ping, port) in [(&r.a_ping, d.redis.port), (&r.b_ping, d.redis.port)] {
        assert_eq!(ping.attributes.get("server.port"), Some(&otlp::model::Value::Int(port as i64)), "{ping:#?}");
    }

    // The same names, kinds and attribute keys as build mode.
    let reference = build_mode_roles();
    let keys = |s: &Span| s.attributes.iter().map(|(k, _)| k.to_owned()).collect::<BTreeSet<_>>();
    for ((role, attached), (_, built)) in r.all().into_iter().zip(reference.all()) {
        assert_eq!((&attached.name, attached.kind), (&built.name, built.kind), "{role}: attach vs build mode");
        assert_eq!(keys(attached), keys(built), "{role}: attribute keys, attach vs build mode");
    }
    let violations = semconv_violations(&spans);
    assert!(violations.is_empty(), "attributes follow the semantic-conventions registry:\n{}", violations.join("\n"));
}

#[test]
fn attached_plain_build_traces_each_request() {
    attached_sample("plain");
}

#[test]
fn attached_stripped_build_traces_each_request() {
    attached_sample("stripped");
}

/// A built by `autotel go build` sends a traceparent; the attached plain B continues A's trace.
#[test]
fn attached_service_joins_the_trace_of_an_autotel_built_caller() {
    let built = built();
    let b = private_copy(&built.binary("plain-b"), "attached-behind-autotel-b");
    let d = deploy_programs("nethttp", &built.binary("a"), &b);
    let _attach_b = Attacher::start(&b, "service-b", &d.receiver);
    call_b(&d);
    let (_, spans) = trace_of(&d.receiver, "GET /call-b", 7);
    assert_eq!(spans.len(), 7, "one trace:\n{}", describe(&spans));
    let r = Roles::of(&spans);
    assert_eq!(r.b_server.parent_span_id, Some(r.a_client.span_id), "B's server span is a child of A's client span:\n{}", describe(&spans));
    for child in [&r.b_sql, &r.b_ping] {
        assert_eq!(child.parent_span_id, Some(r.b_server.span_id), "{:?}:\n{}", child.name, describe(&spans));
    }
}
