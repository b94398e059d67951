use crate::support::*;

/// The lines a test logged with `requests with a traceparent: …`, in test order.
fn traceparent_lines(json: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(json)
        .lines()
        .filter(|l| l.starts_with('{'))
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|e| e["Output"].as_str().and_then(|o| o.find("requests with a traceparent: ").map(|at| o[at..].trim().to_string())))
        .collect()
}

/// What echo v5's TestStartConfig_WithHTTP2WithCustomTlsConfig and
/// TestStartConfig_GracefulShutdown rely on, without their time budgets (`-race` on a loaded
/// machine makes those fail under plain `go test` too, see bench/peer-suites.md): under
/// `autotel go test -race` a TLS server offering only h2 serves HTTP/1.1 to a client without ALPN
/// and HTTP/2 to one with it, refuses an h2-only client when it offers only http/1.1, and
/// Server.Shutdown returns the deadline while a handler runs, the handler's response still
/// arriving; httputil.DumpRequestOut dumps a request twice alike, without a traceparent, and
/// leaves its body for the real request. The traceparent each request carries proves the
/// net/http hooks ran.
#[test]
fn tls_alpn_and_graceful_shutdown_behave_as_with_go_test() {
    let app = App::copy("nethttp-semantics");
    let args = ["test", "-json", "-count=1", "-race", "./..."];
    let plain = app.go(&args);
    let instrumented = app.autotel_go_unchecked(&args);
    let stdout = |o: &std::process::Output| String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(plain.status.success(), "go test: {}", stdout(&plain));
    assert!(instrumented.status.success(), "autotel go test:\n{}\n{}", stdout(&instrumented), String::from_utf8_lossy(&instrumented.stderr));
    let (plain_outcomes, instrumented_outcomes) = (outcomes(&plain.stdout), outcomes(&instrumented.stdout));
    assert_eq!(plain_outcomes.len(), 5, "four tests and the package: {plain_outcomes:?}");
    assert_eq!(instrumented_outcomes, plain_outcomes);
    assert_eq!(traceparent_lines(&plain.stdout), ["requests with a traceparent: 0 of 2", "requests with a traceparent: 0 of 1", "requests with a traceparent: 0 of 1"]);
    assert_eq!(traceparent_lines(&instrumented.stdout), ["requests with a traceparent: 2 of 2", "requests with a traceparent: 1 of 1", "requests with a traceparent: 1 of 1"]);
}
