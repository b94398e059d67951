use crate::harness::use_dependencies_of;
use crate::support::*;

#[test]
fn the_sample_tests_pass_with_go_test_and_autotel_go_test() {
    let app = App::copy("sample");
    use_dependencies_of(app.path(), None);
    let plain = app.go(&["test", "-count=1", "./..."]);
    assert!(plain.status.success(), "go test failed:\n{}{}", String::from_utf8_lossy(&plain.stdout), String::from_utf8_lossy(&plain.stderr));
    let receiver = receiver();
    let output = autotel()
        .args(["go", "test", "-count=1", "./..."])
        .current_dir(app.path())
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.http_endpoint())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "autotel go test failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let out = String::from_utf8_lossy(&output.stdout);
    assert!(out.contains("ok  \texample.com/sample/internal/servicea"), "{out}");
    // The instrumented tests traced their requests.
    assert!(
        receiver.store().wait_until(std::time::Duration::from_secs(30), |s| s.spans().iter().any(|sp| sp.name == "GET /call-b")),
        "spans of the tests' requests arrive"
    );
}
