//! The crash check under load, as root: `testdata/apps/attach-cgo` built with
//! `-ldflags=-linkmode=external -s -w` (C code first in `.text`, no symbols, no DWARF: the
//! layout in which every probe once sat mid-instruction and the first transaction commit died
//! with SIGSEGV in `database/sql.(*Tx).closePrepared`). The same sequence of requests, each a
//! committed transaction with a prepared statement, a rolled-back one, a query and an HTTP
//! client call, runs once plainly and once attached: the responses, the program's output and
//! its exit status must be identical, the program must not crash, and the attached run's spans
//! (server, client, COMMIT, ROLLBACK) must be there.

mod common;

use std::time::{Duration, Instant};

use attach::Target;
use common::*;

const REQUESTS: usize = 400;

fn get(url: &str) -> (u16, String) {
    match ureq::get(url).timeout(Duration::from_secs(10)).call() {
        Ok(r) => (r.status(), r.into_string().unwrap_or_default()),
        Err(ureq::Error::Status(code, r)) => (code, r.into_string().unwrap_or_default()),
        Err(e) => panic!("GET {url}: {e}"),
    }
}

/// The responses to the transaction requests, then the program's exit status and output.
fn drive(app: App) -> (Vec<(u16, String)>, std::process::ExitStatus, String, String) {
    let base = format!("http://{}", app.addr);
    let bodies = (1..=REQUESTS).map(|n| get(&format!("{base}/tx?n={n}"))).collect();
    let (status, out, err) = app.stop();
    (bodies, status, out, err)
}

#[test]
fn external_linked_stripped_cgo_program_is_unharmed_under_load() {
    require_root_and_bpf();
    let exe = build("attach-cgo", "external-stripped", &["-ldflags=-linkmode=external -s -w"], &[("CGO_ENABLED", "1")]);
    let report = attach::check(&exe).expect("check");
    assert!(!report.to_string().contains("refused"), "{report}");
    assert!(report.probes.iter().any(|p| p.spec.what == "database/sql commits"), "{report}");

    let plain = drive(App::start(&exe, &[], &[]));
    assert!(plain.1.success(), "the plain run exited with {}: {}", plain.1, plain.3);
    assert_eq!(plain.2, format!("42\ncommitted rows: {REQUESTS}\n"));

    let rx = receiver();
    let app = App::start(&exe, &[], &[]);
    let attached = attach_to(Target::Pid(app.child.id()), &rx);
    // Probes are in once a request to /leaf gives a server span (no transaction: the
    // transaction requests and their output are the same as in the plain run).
    let start = Instant::now();
    while !rx.store().spans().iter().any(|s| s.attr_str("http.route") == Some("/leaf")) {
        attached.assert_running();
        assert_eq!(get(&format!("http://{}/leaf", app.addr)).0, 200);
        assert!(start.elapsed() < Duration::from_secs(180), "no span after 180 s (attach starts slowly on a loaded machine):\n{}", describe(&rx.store().spans()));
        std::thread::sleep(Duration::from_millis(100));
    }
    let pid = app.child.id();
    let with_attach = drive(app);
    assert!(with_attach.1.success(), "the attached program {pid} exited with {}: {}", with_attach.1, with_attach.3);
    assert_eq!(with_attach, plain, "responses, status or output differ with attach");
    let count = |name: &str| rx.store().spans().iter().filter(|s| s.name == name).count();
    let spans = wait_for_spans(&rx, "every transaction's spans", Duration::from_secs(20), |_| {
        count("COMMIT") >= REQUESTS && count("ROLLBACK") >= REQUESTS && count("GET /tx") >= REQUESTS
    });
    assert!(spans.iter().any(|s| s.kind == otlp::model::SpanKind::Client && s.attr_str("url.full").is_some_and(|u| u.ends_with("/leaf"))));
    attached.finish();
}
