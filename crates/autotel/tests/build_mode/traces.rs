use crate::support::*;
use otlp::model::{Span, SpanKind, StatusCode, Value};
use std::process::Command;
use std::time::Duration;

fn string(span: &Span, key: &str) -> String {
    match span.attributes.get(key) {
        Some(Value::String(s)) => s.clone(),
        other => panic!("span {:?}: attribute {key} is {other:?}, expected a string\n{span:#?}", span.name),
    }
}

fn int(span: &Span, key: &str) -> i64 {
    match span.attributes.get(key) {
        Some(Value::Int(i)) => *i,
        other => panic!("span {:?}: attribute {key} is {other:?}, expected an int\n{span:#?}", span.name),
    }
}

/// Builds both services of nethttp-pair with autotel and starts them, A calling B, both
/// exporting to a fresh receiver.
fn start_pair() -> (App, BackgroundReceiver, Service, Service) {
    let app = App::copy("nethttp-pair");
    app.autotel_go(&["build", "-o", "bin/a", "./cmd/a"]);
    app.autotel_go(&["build", "-o", "bin/b", "./cmd/b"]);
    let receiver = receiver();
    let mut b = Command::new(app.binary("b"));
    otel_env(&mut b, &receiver, "service-b");
    let b = Service::start(b);
    let mut a = Command::new(app.binary("a"));
    otel_env(&mut a, &receiver, "service-a");
    a.env("B_URL", format!("http://{}", b.addr));
    let a = Service::start(a);
    (app, receiver, a, b)
}

#[test]
fn two_services_make_one_trace_with_exact_parents() {
    let (_app, receiver, a, b) = start_pair();

    let (status, body) = http_get(&a.url("/call/42"), &[]);
    assert_eq!(status, 200, "{body}");
    assert!(body.starts_with(r#"b said: {"id":"42","traceparent_seen":"00-"#), "B saw a traceparent: {body}");

    let store = receiver.store();
    assert!(
        store.wait_until(Duration::from_secs(30), |s| s.spans().len() >= 3),
        "three spans arrive; got {:#?}",
        store.spans()
    );
    let spans = store.spans();
    assert_eq!(spans.len(), 3, "{spans:#?}");
    let find = |kind: SpanKind, service: &str| {
        spans
            .iter()
            .find(|s| s.kind == kind && s.resource.attributes.get("service.name") == Some(&Value::String(service.into())))
            .unwrap_or_else(|| panic!("no {kind:?} span of {service}: {spans:#?}"))
            .clone()
    };
    let a_server = find(SpanKind::Server, "service-a");
    let a_client = find(SpanKind::Client, "service-a");
    let b_server = find(SpanKind::Server, "service-b");

    // One trace, exact parent links: A-server → A-client → B-server.
    assert_eq!(a_server.parent_span_id, None);
    assert_eq!(a_client.trace_id, a_server.trace_id);
    assert_eq!(b_server.trace_id, a_server.trace_id);
    assert_eq!(a_client.parent_span_id, Some(a_server.span_id));
    assert_eq!(b_server.parent_span_id, Some(a_client.span_id));
    assert!(body.contains(&format!("00-{}-{}-01", a_server.trace_id, a_client.span_id)), "B saw A's client span as parent: {body}");

    // Names and attributes (stable HTTP semantic conventions).
    assert_eq!(a_server.name, "GET /call/{id}");
    assert_eq!(string(&a_server, "http.route"), "/call/{id}");
    assert_eq!(string(&a_server, "http.request.method"), "GET");
    assert_eq!(string(&a_server, "url.path"), "/call/42");
    assert_eq!(string(&a_server, "url.scheme"), "http");
    assert_eq!(string(&a_server, "server.address"), "127.0.0.1");
    assert_eq!(int(&a_server, "server.port"), a.addr.port() as i64);
    assert_eq!(string(&a_server, "client.address"), "127.0.0.1");
    assert_eq!(string(&a_server, "user_agent.original"), "autotel-test/1");
    assert_eq!(string(&a_server, "network.protocol.version"), "1.1");
    assert_eq!(int(&a_server, "http.response.status_code"), 200);
    assert_eq!(a_server.status.code, StatusCode::Unset);

    assert_eq!(a_client.name, "GET");
    assert_eq!(string(&a_client, "http.request.method"), "GET");
    assert_eq!(string(&a_client, "url.full"), format!("http://{}/items/42", b.addr));
    assert_eq!(string(&a_client, "server.address"), "127.0.0.1");
    assert_eq!(int(&a_client, "server.port"), b.addr.port() as i64);
    assert_eq!(int(&a_client, "http.response.status_code"), 200);

    assert_eq!(b_server.name, "GET /items/{id}");
    assert_eq!(string(&b_server, "http.route"), "/items/{id}");
    for span in [&a_server, &a_client, &b_server] {
        assert!(span.end_unix_nanos >= span.start_unix_nanos, "{span:#?}");
        assert_eq!(span.scope.name, "autotel.dev/go/hooks/nethttp");
    }
    // The client span lies within the server span that caused it.
    assert!(a_client.start_unix_nanos >= a_server.start_unix_nanos && a_client.end_unix_nanos <= a_server.end_unix_nanos);

    let violations = semconv_violations(&spans);
    assert!(violations.is_empty(), "attributes follow the semantic-conventions registry:\n{}", violations.join("\n"));

    // Metrics: request durations of both sides.
    assert!(
        store.wait_until(Duration::from_secs(30), |s| {
            let names: Vec<String> = s.metric_points().iter().map(|p| p.name.clone()).collect();
            names.iter().any(|n| n == "http.server.request.duration") && names.iter().any(|n| n == "http.client.request.duration")
        }),
        "HTTP duration metrics arrive; got {:?}",
        store.metric_points().iter().map(|p| p.name.clone()).collect::<Vec<_>>()
    );

    let (a_status, ..) = a.stop();
    let (b_status, ..) = b.stop();
    // Neither handles SIGTERM itself: both die of it, as they would uninstrumented.
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(a_status.signal(), Some(libc::SIGTERM));
    assert_eq!(b_status.signal(), Some(libc::SIGTERM));
}

#[test]
fn errors_follow_the_status_rules() {
    let (_app, receiver, a, _b) = start_pair(); // B serves until the end of the test

    // B answers 404: an error for A's client span, not for B's server span (4xx is the client's fault).
    assert_eq!(http_get(&a.url("/call/404"), &[]).0, 404);
    let store = receiver.store();
    assert!(store.wait_until(Duration::from_secs(30), |s| s.spans().len() >= 3), "{:#?}", store.spans());
    let spans = store.spans();
    let client = spans.iter().find(|s| s.kind == SpanKind::Client).unwrap();
    assert_eq!(client.status.code, StatusCode::Error, "{client:#?}");
    assert_eq!(int(client, "http.response.status_code"), 404);
    assert_eq!(string(client, "error.type"), "404");
    for server in spans.iter().filter(|s| s.kind == SpanKind::Server) {
        assert_eq!(server.status.code, StatusCode::Unset, "{server:#?}");
        assert_eq!(int(server, "http.response.status_code"), 404);
    }
}
