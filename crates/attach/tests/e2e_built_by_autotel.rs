//! A program built by `autotel go build` already carries build-mode instrumentation: attach
//! refuses it (the manifest in its executable says so), because attaching would record every
//! span twice. `autotel attach --pid` fails with one sentence that says why and what to do,
//! and touches nothing: the program keeps answering and exports each request's span once.
//! `autotel attach --check` says the same as its finding and plans nothing; the library's
//! `run` refuses `--exe` the same way.

mod common;

use attach::{AttachError, AttachOptions, Target};
use common::*;
use std::time::Duration;

/// What every refusal says.
fn says_why_and_what_to_do(text: &str) {
    for part in ["built by `autotel go build`", "already carries build-mode instrumentation", "every span twice", "run it as is", "plain `go build`"] {
        assert!(text.contains(part), "{part:?} missing from: {text}");
    }
}

#[test]
fn attach_refuses_a_program_built_by_autotel_and_leaves_it_running() {
    let exe = build_instrumented("attach-nethttp");
    let service = "built-by-autotel";
    let rx = receiver();
    let app = App::start(
        &exe,
        &["-addr", "127.0.0.1:0"],
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &rx.http_endpoint()),
            ("OTEL_SERVICE_NAME", service),
            ("OTEL_BSP_SCHEDULE_DELAY", "100"),
            ("OTEL_METRICS_EXPORTER", "none"),
            ("OTEL_LOGS_EXPORTER", "none"),
        ],
    );
    let base = format!("http://{}", app.addr);
    assert_eq!(get(&format!("{base}/hello/before"), None), 200);
    let pid = app.child.id();

    // Were it to attach, its spans would reach the same receiver (and it would not exit).
    let mut attacher = std::process::Command::new(autotel())
        .args(["attach", "--pid", &pid.to_string()])
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", rx.http_endpoint())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run autotel attach");
    let start = std::time::Instant::now();
    while attacher.try_wait().expect("wait for autotel attach").is_none() {
        if start.elapsed() > Duration::from_secs(30) {
            let _ = attacher.kill();
            panic!("autotel attach --pid {pid} did not refuse the instrumented program: still running after 30 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = attacher.wait_with_output().expect("autotel attach's output");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "attach to an instrumented program must fail; it exited with {}: {stderr}", out.status);
    says_why_and_what_to_do(&stderr);
    assert!(stderr.contains(&format!("process {pid}")), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one sentence: {stderr}");

    // Untouched: it answers, and a request's span is exported once, by the program itself.
    assert_eq!(get(&format!("{base}/hello/after"), None), 200);
    let spans = wait_for_spans(&rx, "the program's own server span of /hello/after", Duration::from_secs(20), |s| {
        s.iter().any(|s| s.attr_str("url.path") == Some("/hello/after"))
    });
    std::thread::sleep(Duration::from_millis(500));
    let after: Vec<_> = rx.store().spans().into_iter().filter(|s| s.attr_str("url.path") == Some("/hello/after")).collect();
    assert_eq!(after.len(), 1, "one server span for one request:\n{}", describe(&spans));
    assert_eq!(after[0].resource_str("service.name"), Some(service));
    let (status, stdout, stderr) = app.stop();
    assert!(status.success(), "the program exited with {status}: {stderr}");
    assert_eq!(stdout, "bye\n");

    // --check says the same, as its finding, and plans no probe.
    let out = std::process::Command::new(autotel()).args(["attach", "--check"]).arg(&exe).output().expect("run autotel attach --check");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "attach --check: {}", String::from_utf8_lossy(&out.stderr));
    assert!(report.contains("Would instrument: nothing."), "{report}");
    says_why_and_what_to_do(&report);
    assert!(report.lines().any(|l| l.contains("net/http") && l.contains("nethttp")), "the manifest's packages: {report}");
    let check = attach::check(&exe).expect("check");
    assert!(check.built_by_autotel.is_some() && check.probes.is_empty(), "{check}");

    // Every process of the executable: refused the same way, before anything is loaded.
    let mut opts = AttachOptions::new(Target::Exe(exe.clone()));
    opts.quiet = true;
    let err = attach::run(opts).expect_err("attach --exe on an instrumented program must fail");
    assert!(matches!(err, AttachError::BuiltByAutotel { .. }), "{err}");
    says_why_and_what_to_do(&err.to_string());
}
