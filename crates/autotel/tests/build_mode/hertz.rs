//! cloudwego/hertz in build mode: testdata/apps/hertz-pair built with `autotel go build`, a hertz
//! front (server.Default) whose handler calls a hertz downstream through hertz's client with
//! context.Background(), one trace across the processes (the test's traceparent → front SERVER
//! named by its route → CLIENT, child of the span current on the handler's goroutine →
//! downstream SERVER); span names, kinds, attributes, a 5xx, the duration metrics with the
//! route; at the oldest release the rule covers (the app's hertz v0.9.2) and the newest.

use crate::support::*;
use otlp::model::{SpanKind, StatusCode, Value};
use std::process::Command;
use std::time::Duration;

/// The newest hertz release (`go list -m -versions github.com/cloudwego/hertz`).
const NEWEST_HERTZ: &str = "v0.10.4";

/// The test's own caller: trace id and span id of the traceparent it sends.
const TRACE: &str = "0af7651916cd43dd8448eb211c80319c";
const CALLER: &str = "b7ad6b7169203331";

/// Sends the requests, checks the answers and every span and metric they make.
fn check(app: &App) {
    let receiver = receiver();
    let mut downstream = Command::new(app.binary("hertz-pair"));
    downstream.arg("downstream");
    otel_env(&mut downstream, &receiver, "downstream");
    let downstream = Service::start(downstream);
    let mut front = Command::new(app.binary("hertz-pair"));
    front.arg("front").env("DOWNSTREAM", format!("http://{}", downstream.addr));
    otel_env(&mut front, &receiver, "front");
    let front = Service::start(front);

    let traceparent = format!("00-{TRACE}-{CALLER}-01");
    let (status, body) = http_get(&front.url("/users/42"), &[("traceparent", &traceparent)]);
    assert_eq!(status, 200, "{body}");
    assert_eq!(http_get(&front.url("/fail"), &[]).0, 503);

    let store = receiver.store();
    assert!(store.wait_until(Duration::from_secs(60), |s| s.spans().len() >= 4), "4 spans arrive; got {:#?}", store.spans());
    let metrics_in = |s: &otlp::Store| {
        let points = s.metric_points();
        let route = points.iter().any(|p| {
            p.name == "http.server.request.duration" && p.attributes.get("http.route") == Some(&Value::String("/users/:id".into()))
        });
        route && points.iter().any(|p| p.name == "http.client.request.duration" && p.scope.name.ends_with("/hertz"))
    };
    assert!(
        store.wait_until(Duration::from_secs(30), metrics_in),
        "hertz's duration metrics arrive, the server's with its route; got {:#?}",
        store.metric_points().iter().map(|p| (&p.name, &p.attributes)).collect::<Vec<_>>()
    );
    let (down_port, front_port) = (downstream.addr.port(), front.addr.port());
    front.stop();
    downstream.stop();
    let spans = store.spans();
    assert_eq!(spans.len(), 4, "{spans:#?}");

    let server = only(&spans, "front SERVER span of /users/42", |s| {
        service_name(s) == "front" && s.kind == SpanKind::Server && attr(s, "url.path").as_deref() == Some("/users/42")
    });
    assert_eq!(server.name, "GET /users/:id", "{server:#?}");
    assert_eq!((server.trace_id.to_string(), server.parent_span_id.map(|p| p.to_string())), (TRACE.into(), Some(CALLER.into())));
    let client = only(&spans, "child of the front's SERVER span", |s| s.parent_span_id == Some(server.span_id));
    assert_eq!((client.name.as_str(), client.kind, service_name(client), client.trace_id), ("GET", SpanKind::Client, "front", server.trace_id));
    let down = only(&spans, "child of the CLIENT span", |s| s.parent_span_id == Some(client.span_id));
    assert_eq!(
        (down.name.as_str(), down.kind, service_name(down), down.trace_id),
        ("GET /item", SpanKind::Server, "downstream", server.trace_id)
    );
    // The handler's ctx carries the SERVER span; the downstream got the CLIENT span's traceparent.
    let expected = format!("user 42 span={} item traceparent=00-{}-{}-01", server.span_id, server.trace_id, client.span_id);
    assert_eq!(body, expected);

    assert_attrs(client, &[
        ("http.request.method", "GET".to_string()),
        ("url.full", format!("http://127.0.0.1:{down_port}/item")),
        ("server.address", "127.0.0.1".into()),
        ("server.port", down_port.to_string()),
        ("http.response.status_code", "200".into()),
        ("network.protocol.version", "1.1".into()),
    ]);
    assert_attrs(server, &[
        ("http.request.method", "GET".to_string()),
        ("http.route", "/users/:id".into()),
        ("url.scheme", "http".into()),
        ("server.address", "127.0.0.1".into()),
        ("server.port", front_port.to_string()),
        ("client.address", "127.0.0.1".into()),
        ("network.protocol.version", "1.1".into()),
        ("user_agent.original", "autotel-test/1".into()),
        ("http.response.status_code", "200".into()),
    ]);
    assert_eq!((server.status.code, attr(server, "error.type")), (StatusCode::Unset, None), "{server:#?}");
    assert_eq!(attr(down, "http.route").as_deref(), Some("/item"), "{down:#?}");

    let fail = only(&spans, "SERVER span of /fail", |s| attr(s, "url.path").as_deref() == Some("/fail"));
    assert_eq!((fail.name.as_str(), fail.kind, fail.status.code, fail.parent_span_id), ("GET /fail", SpanKind::Server, StatusCode::Error, None), "{fail:#?}");
    assert_eq!((attr(fail, "http.response.status_code"), attr(fail, "error.type")), (Some("503".into()), Some("503".into())), "{fail:#?}");

    let violations = semconv_violations(&spans);
    assert!(violations.is_empty(), "{violations:#?}");
}

#[test]
fn hertz_requests_make_one_trace_with_their_downstream() {
    let app = App::copy("hertz-pair");
    let build = app.autotel_go(&["build", "-o", "bin/hertz-pair", "."]);
    let stderr = String::from_utf8_lossy(&build.stderr);
    assert!(!stderr.lines().any(|l| l.contains("warning") && l.contains("hertz")), "every hertz rule applies:\n{stderr}");
    check(&app);
}

/// The rule's range: its floor (v0.9.2, the app's requirement and the hook module's) is covered
/// above; the newest release traces the same requests.
#[test]
fn the_newest_hertz_release_is_instrumented() {
    let app = App::copy("hertz-pair");
    let get = app.go(&["get", &format!("github.com/cloudwego/hertz@{NEWEST_HERTZ}")]);
    assert!(get.status.success(), "{}", String::from_utf8_lossy(&get.stderr));
    let build = app.autotel_go(&["build", "-o", "bin/hertz-pair", "."]);
    let stderr = String::from_utf8_lossy(&build.stderr);
    assert!(!stderr.lines().any(|l| l.contains("warning") && l.contains("hertz")), "every hertz rule applies:\n{stderr}");
    check(&app);
}
