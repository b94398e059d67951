//! Leak checkers see nothing of autotel: `testdata/apps/goleak`'s suite uses goleak
//! (`VerifyNone` in a test before any telemetry and at the end of every test that makes some,
//! one of them after waiting for the exports to run, `Find` after all tests, and then a goroutine
//! count of exactly one, as coder/websocket's suite demands), makes an
//! instrumented HTTP call and logs through `log/slog`, so the SDK has spans, metrics and log
//! records to send. Under `autotel go test` it passes as it does under `go test`, with the
//! OTLP/HTTP and the OTLP/gRPC exporters (a gRPC client runs goroutines from its creation), and
//! the telemetry still reaches the collector.

use crate::support::*;
use otlp::model::{SpanKind, Value};
use std::time::Duration;

#[test]
fn goleak_finds_no_autotel_goroutine_in_an_instrumented_test_binary() {
    let app = App::copy("goleak");
    let plain = app.go(&["test", "-count=1", "./..."]);
    assert!(plain.status.success(), "go test failed:\n{}", String::from_utf8_lossy(&plain.stdout));

    for protocol in ["http/protobuf", "grpc"] {
        let receiver = receiver();
        let mut test = autotel();
        test.args(["go", "test", "-count=1", "-v", "./..."]).current_dir(app.path());
        otel_env(&mut test, &receiver, "goleak");
        if protocol == "grpc" {
            test.env("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc").env("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.grpc_endpoint());
        }
        let out = test.output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(!stdout.contains("found unexpected goroutines"), "{protocol}: goleak found goroutines:\n{stdout}");
        assert!(!stdout.contains("goroutine count:"), "{protocol}: goroutines were left:\n{stdout}");
        assert!(out.status.success(), "{protocol}: autotel go test failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
        for test in ["TestBeforeAnyTelemetry", "TestHTTPCall", "TestLog", "TestAfterExports"] {
            assert!(stdout.contains(&format!("--- PASS: {test}")), "{protocol}: {test} did not pass:\n{stdout}");
        }

        // The telemetry was flushed when the tests returned, before goleak looked.
        let store = receiver.store();
        let is_ping = |s: &otlp::model::Span| {
            s.kind == SpanKind::Client && matches!(s.attributes.get("url.full"), Some(Value::String(u)) if u.ends_with("/ping"))
        };
        let exported = store.wait_until(Duration::from_secs(10), |s| {
            s.spans().iter().any(|sp| is_ping(sp))
                && s.metric_points().iter().any(|p| p.name == "http.client.request.duration")
                && ["goleak log record", "goleak log record after exports"]
                    .iter()
                    .all(|want| s.logs().iter().any(|l| matches!(&l.body, Value::String(b) if b == want)))
        });
        assert!(
            exported,
            "{protocol}: the test's span, metric and log record were not all exported: {:#?}\n{:#?}\n{:#?}",
            store.spans(),
            store.metric_points().iter().map(|p| &p.name).collect::<Vec<_>>(),
            store.logs()
        );
    }
}
