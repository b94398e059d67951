//! Leak checkers see nothing of autotel: `testdata/apps/goleak`'s suite uses goleak
//! (`VerifyNone` in a test before any telemetry, `VerifyTestMain` after all tests) and makes an
//! instrumented HTTP call, so the SDK has telemetry to send. Under `autotel go test` it passes as
//! it does under `go test`, and the call's spans still reach the collector.

use crate::support::*;
use otlp::model::{SpanKind, Value};
use std::time::Duration;

#[test]
fn goleak_finds_no_autotel_goroutine_in_an_instrumented_test_binary() {
    let app = App::copy("goleak");
    let plain = app.go(&["test", "-count=1", "./..."]);
    assert!(plain.status.success(), "go test failed:\n{}", String::from_utf8_lossy(&plain.stdout));

    let receiver = receiver();
    let mut test = autotel();
    test.args(["go", "test", "-count=1", "-v", "./..."]).current_dir(app.path());
    otel_env(&mut test, &receiver, "goleak");
    let out = test.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains("found unexpected goroutines"), "goleak found goroutines:\n{stdout}");
    assert!(out.status.success(), "autotel go test failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    for test in ["TestBeforeAnyTelemetry", "TestHTTPCall"] {
        assert!(stdout.contains(&format!("--- PASS: {test}")), "{test} did not pass:\n{stdout}");
    }

    // The telemetry was flushed when the tests returned, before goleak looked.
    let store = receiver.store();
    let is_ping = |s: &otlp::model::Span| {
        s.kind == SpanKind::Client && matches!(s.attributes.get("url.full"), Some(Value::String(u)) if u.ends_with("/ping"))
    };
    assert!(
        store.wait_until(Duration::from_secs(10), |s| s.spans().iter().any(|sp| is_ping(sp))),
        "the client span of the test's call was not exported: {:#?}",
        store.spans()
    );
}
