//! The crash check under load, as root, over the whole layout matrix: `testdata/apps/attach-cgo`
//! (cgo; an HTTP server whose requests run database/sql transactions with prepared statements
//! and call back over an HTTP client) built in every layout of `common::LAYOUTS` (internal and
//! external linking, executable and PIE), each with symbols and `-s -w` stripped: the matrix
//! `layouts.rs` checks statically. One layout once put every probe mid-instruction (external
//! linking puts C code first in `.text`), and the first transaction commit died with SIGSEGV in
//! `database/sql.(*Tx).closePrepared`.
//!
//! For each build, the same sequence of requests (each a committed transaction with a prepared
//! statement, a rolled-back one, a query and an HTTP client call) runs once plainly and once
//! attached: the responses, the program's output and its exit status must be identical, the
//! program must not crash, and every request's trace must have the shape build mode gives the
//! same program (`autotel go build`): the same spans, by name, kind, parent and attribute keys.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use attach::Target;
use common::*;
use otlp::model::{Span, SpanKind};

const REQUESTS: usize = 300;

fn get_body(url: &str) -> (u16, String) {
    match ureq::get(url).timeout(Duration::from_secs(10)).call() {
        Ok(r) => (r.status(), r.into_string().unwrap_or_default()),
        Err(ureq::Error::Status(code, r)) => (code, r.into_string().unwrap_or_default()),
        Err(e) => panic!("GET {url}: {e}"),
    }
}

/// The responses to `requests` transaction requests, then the program's exit status and output.
fn drive(app: App, requests: usize) -> (Vec<(u16, String)>, std::process::ExitStatus, String, String) {
    let base = format!("http://{}", app.addr);
    let bodies = (1..=requests).map(|n| get_body(&format!("{base}/tx?n={n}"))).collect();
    let (status, out, err) = app.stop();
    (bodies, status, out, err)
}

/// One span of a request's trace as the comparison sees it: parent's name, name, kind and
/// attribute keys (values such as ids, ports and timings differ by nature).
type SpanShape = (String, String, &'static str, BTreeSet<String>);

/// The shape of every `/tx` request's trace, sorted: the spans of the request's trace in this
/// process. Server spans under the request's own client call are left out: whether the callee
/// joins the caller's trace depends on the kernel letting attach write the `traceparent` header
/// (lockdown refuses), not on the layout; [`leaf_shape`] checks them apart.
fn tx_traces(spans: &[Arc<Span>]) -> Vec<Vec<SpanShape>> {
    let mut by_trace: BTreeMap<[u8; 16], Vec<&Span>> = BTreeMap::new();
    for s in spans {
        by_trace.entry(s.trace_id.0).or_default().push(s);
    }
    by_trace
        .values()
        .filter(|t| t.iter().any(|s| s.parent_span_id.is_none() && s.name == "GET /tx"))
        .map(|trace| {
            let name_of = |id| trace.iter().find(|s| Some(s.span_id) == id).map(|s| s.name.clone()).unwrap_or_default();
            let mut shape: Vec<SpanShape> = trace
                .iter()
                .filter(|s| s.parent_span_id.is_none() || s.kind != SpanKind::Server)
                .map(|s| (name_of(s.parent_span_id), s.name.clone(), s.kind.name(), s.attr_keys()))
                .collect();
            shape.sort();
            shape
        })
        .collect()
}

/// The name and attribute keys of the server spans of `/leaf`, the request's callee.
fn leaf_shape(spans: &[Arc<Span>]) -> Vec<(String, BTreeSet<String>)> {
    let leaves: BTreeSet<_> = spans.iter().filter(|s| s.kind == SpanKind::Server && s.attr_str("url.path") == Some("/leaf")).map(|s| (s.name.clone(), s.attr_keys())).collect();
    leaves.into_iter().collect()
}

fn show(shape: &[SpanShape]) -> String {
    shape.iter().map(|(parent, name, kind, keys)| format!("  {kind} {name:?} under {parent:?} {keys:?}")).collect::<Vec<_>>().join("\n")
}

/// What build mode records for one `/tx` request of attach-cgo: its trace's shape and the
/// callee's server span.
struct BuildMode {
    trace: Vec<SpanShape>,
    leaf: Vec<(String, BTreeSet<String>)>,
}

fn build_mode() -> &'static BuildMode {
    static SHAPE: OnceLock<BuildMode> = OnceLock::new();
    SHAPE.get_or_init(|| {
        let exe = build_instrumented("attach-cgo");
        let rx = receiver();
        let app = App::start(
            &exe,
            &[],
            &[
                ("OTEL_EXPORTER_OTLP_ENDPOINT", &rx.http_endpoint()),
                ("OTEL_BSP_SCHEDULE_DELAY", "100"),
                ("OTEL_METRICS_EXPORTER", "none"),
                ("OTEL_LOGS_EXPORTER", "none"),
            ],
        );
        let (bodies, status, out, err) = drive(app, 3);
        assert!(status.success() && bodies.iter().all(|b| b.0 == 200), "the build-mode program failed: {status} {bodies:?}\n{err}");
        assert_eq!(out, "42\ncommitted rows: 3\n");
        let spans = wait_for_spans(&rx, "build mode's three /tx traces", Duration::from_secs(20), |s| tx_traces(s).len() == 3 && leaf_shape(s).len() == 1);
        let traces = tx_traces(&spans);
        assert!(traces.iter().all(|t| *t == traces[0]), "build mode's /tx traces differ from each other:\n{}", describe(&spans));
        assert!(traces[0].iter().any(|s| s.1 == "COMMIT") && traces[0].iter().any(|s| s.2 == "client" && s.1 == "GET"), "{}", show(&traces[0]));
        BuildMode { trace: traces[0].clone(), leaf: leaf_shape(&spans) }
    })
}

/// Builds attach-cgo in `layout`, then runs it plainly and attached, and compares.
fn unharmed_under_load(layout: &str, stripped: bool) {
    require_root_and_bpf();
    let layout = LAYOUTS.iter().find(|l| l.name == layout).expect("a layout of common::LAYOUTS");
    let variant = layout.variant(stripped);
    let flags = layout.flags(stripped);
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let exe = build("attach-cgo", &variant, &flags, &[("CGO_ENABLED", "1")]);
    let report = attach::check(&exe).expect("check");
    assert!(!report.to_string().contains("refused"), "{variant}: {report}");
    assert!(report.probes.iter().any(|p| p.spec.what == "database/sql commits"), "{variant}: {report}");
    let expected = build_mode();

    let plain = drive(App::start(&exe, &[], &[]), REQUESTS);
    assert!(plain.1.success(), "{variant}: the plain run exited with {}: {}", plain.1, plain.3);
    assert_eq!(plain.2, format!("42\ncommitted rows: {REQUESTS}\n"));

    let rx = receiver();
    let app = App::start(&exe, &[], &[]);
    let attached = attach_to(Target::Pid(app.child.id()), &rx);
    // Probes are in once a request to /leaf gives a server span (no transaction: the
    // transaction requests and their output are the same as in the plain run).
    let start = Instant::now();
    while !rx.store().spans().iter().any(|s| s.attr_str("url.path") == Some("/leaf")) {
        attached.assert_running();
        assert_eq!(get_body(&format!("http://{}/leaf", app.addr)).0, 200);
        assert!(start.elapsed() < Duration::from_secs(180), "{variant}: no span after 180 s (attach starts slowly on a loaded machine):\n{}", describe(&rx.store().spans()));
        std::thread::sleep(Duration::from_millis(100));
    }
    let pid = app.child.id();
    let with_attach = drive(app, REQUESTS);
    assert!(with_attach.1.success(), "{variant}: the attached program {pid} exited with {}: {}", with_attach.1, with_attach.3);
    assert_eq!(with_attach, plain, "{variant}: responses, status or output differ with attach");

    let complete = |s: &[Arc<Span>]| tx_traces(s).iter().filter(|t| **t == expected.trace).count();
    let spans = rx.store().spans();
    let spans = if complete(&spans) == REQUESTS { spans } else {
        rx.store().wait_until(Duration::from_secs(30), |s| complete(&s.spans()) == REQUESTS);
        rx.store().spans()
    };
    let traces = tx_traces(&spans);
    assert_eq!(traces.len(), REQUESTS, "{variant}: {} /tx traces for {REQUESTS} requests", traces.len());
    if let Some(other) = traces.iter().find(|t| **t != expected.trace) {
        panic!("{variant}: a /tx trace differs from build mode's.\nattach:\n{}\nbuild mode:\n{}", show(other), show(&expected.trace));
    }
    assert_eq!(leaf_shape(&spans), expected.leaf, "{variant}: the callee's server span differs from build mode's");
    attached.finish();
}

#[test]
fn internally_linked_cgo_program_is_unharmed_under_load() {
    unharmed_under_load("internal", false);
    unharmed_under_load("internal", true);
}

#[test]
fn externally_linked_cgo_program_is_unharmed_under_load() {
    unharmed_under_load("external", false);
    unharmed_under_load("external", true);
}

#[test]
fn internally_linked_pie_cgo_program_is_unharmed_under_load() {
    unharmed_under_load("pie-internal", false);
    unharmed_under_load("pie-internal", true);
}

#[test]
fn externally_linked_pie_cgo_program_is_unharmed_under_load() {
    unharmed_under_load("pie-external", false);
    unharmed_under_load("pie-external", true);
}
