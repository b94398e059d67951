use crate::support::*;
use otlp::model::{SpanKind, Value};
use std::process::Command;
use std::time::Duration;

#[test]
fn go_test_runs_the_tests_instrumented() {
    let app = App::copy("nethttp-pair");
    let receiver = receiver();
    let mut command = autotel();
    command.args(["go", "test", "-count=1", "./..."]).current_dir(app.path());
    otel_env(&mut command, &receiver, "pair-tests");
    let output = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("ok  \texample.com/nethttp-pair/cmd/a"), "{stdout}");
    // The test's own requests were traced: A's server, its client call, the stand-in B's server.
    let store = receiver.store();
    assert!(store.wait_until(Duration::from_secs(20), |s| s.spans().len() >= 3), "{:#?}", store.spans());
    let spans = store.spans();
    let server = spans.iter().find(|s| s.kind == SpanKind::Server && s.name == "GET /call/{id}").expect("A's server span");
    let client = spans.iter().find(|s| s.kind == SpanKind::Client && s.trace_id == server.trace_id).expect("client span");
    assert_eq!(client.parent_span_id, Some(server.span_id));
    assert_eq!(server.resource.attributes.get("service.name"), Some(&Value::String("pair-tests".into())));
}

#[test]
fn go_run_runs_the_program_instrumented() {
    let app = App::copy("nethttp-pair");
    let receiver = receiver();
    let mut command = autotel();
    command.args(["go", "run", "./cmd/b"]).current_dir(app.path());
    otel_env(&mut command, &receiver, "b-run");
    let b = Service::start(command);
    assert_eq!(http_get(&b.url("/items/5"), &[]).0, 200);
    let store = receiver.store();
    assert!(store.wait_until(Duration::from_secs(20), |s| s.spans().iter().any(|s| s.name == "GET /items/{id}")), "{:#?}", store.spans());
    drop(b);
}

/// Files named on the command line make `command-line-arguments`, which takes no overlay file:
/// the toolexec proxy imports its hook packages (hook_overlay.rs), and the program is traced.
#[test]
fn go_run_of_a_named_file_runs_the_program_instrumented() {
    let app = App::copy("nethttp-pair");
    let receiver = receiver();
    let mut command = autotel();
    command.args(["go", "run", "cmd/b/main.go"]).current_dir(app.path());
    otel_env(&mut command, &receiver, "b-file");
    let b = Service::start(command);
    assert_eq!(http_get(&b.url("/items/6"), &[]).0, 200);
    let store = receiver.store();
    assert!(store.wait_until(Duration::from_secs(20), |s| s.spans().iter().any(|s| s.name == "GET /items/{id}")), "{:#?}", store.spans());
    drop(b);
}

/// The oldest Go release autotel supports (fetched through the module proxy).
#[test]
fn builds_with_the_oldest_go_release() {
    let oldest = build::go_releases::oldest();
    let app = App::copy("nethttp-pair");
    let bin = tempfile::tempdir().unwrap();
    let out = bin.path().join("b");
    let output = autotel()
        .args(["go", "build", "-o", out.to_str().unwrap(), "./cmd/b"])
        .current_dir(app.path())
        .env("GOTOOLCHAIN", oldest)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let version = Command::new("go").args(["version"]).arg(&out).output().unwrap();
    assert!(String::from_utf8_lossy(&version.stdout).contains(&format!(": {oldest}")), "{version:?}");
    let receiver = receiver();
    let mut command = Command::new(&out);
    otel_env(&mut command, &receiver, "b-old");
    let b = Service::start(command);
    assert_eq!(http_get(&b.url("/items/9"), &[]).0, 200);
    let store = receiver.store();
    assert!(store.wait_until(Duration::from_secs(20), |s| s.spans().iter().any(|s| s.name == "GET /items/{id}")), "{:#?}", store.spans());
}
