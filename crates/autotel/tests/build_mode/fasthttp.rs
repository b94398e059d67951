//! valyala/fasthttp and gofiber/fiber v2 in build mode: testdata/apps/fasthttp-pair built with
//! `autotel go build`, a fasthttp front and a fiber front whose handlers call a net/http
//! downstream through fasthttp's client without a ctx, each request one trace across the
//! processes (front SERVER → CLIENT → downstream SERVER) continuing the test's traceparent; span
//! names, kinds, attributes, errors, the duration metrics with fiber's route; at the oldest
//! release the rules cover (the app's fasthttp v1.51.0, fiber v2.52.15) and the newest fasthttp.

use crate::support::*;
use otlp::model::{Span, SpanKind, StatusCode, Value};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

/// The newest fasthttp release (`go list -m -versions github.com/valyala/fasthttp`); from v1.72.0
/// its server calls the handler in serveConnCounted, before in serveConn (both layouts are rules).
const NEWEST_FASTHTTP: &str = "v1.79.0";

/// The test's own caller: trace id and span id of the traceparent it sends.
const TRACE: &str = "0af7651916cd43dd8448eb211c80319c";
const CALLER: &str = "b7ad6b7169203331";

/// The three processes, built from `app`.
struct Services {
    downstream: Service,
    front: Service,
    fiber: Service,
}

fn start(app: &App, receiver: &otlp::BackgroundReceiver) -> Services {
    let mut downstream = Command::new(app.binary("fasthttp-pair"));
    downstream.arg("downstream");
    otel_env(&mut downstream, receiver, "downstream");
    let downstream = Service::start(downstream);
    let front = |role: &str, name: &str| {
        let mut front = Command::new(app.binary("fasthttp-pair"));
        front.arg(role).env("DOWNSTREAM", format!("http://{}", downstream.addr));
        otel_env(&mut front, receiver, name);
        Service::start(front)
    };
    let (front, fiber) = (front("front", "front"), front("fiber", "fiber-front"));
    Services { downstream, front, fiber }
}

/// Sends the requests, checks the answers and every span and metric they make.
fn check(app: &App) {
    let receiver = receiver();
    let services = start(app, &receiver);
    let traceparent = format!("00-{TRACE}-{CALLER}-01");
    let (front_status, front_body) = http_get(&services.front.url("/users/42"), &[("traceparent", &traceparent)]);
    let (fiber_status, fiber_body) = http_get(&services.fiber.url("/api/users/7"), &[]);
    assert_eq!((front_status, fiber_status), (200, 200), "{front_body}\n{fiber_body}");
    let errors = [
        (services.front.url("/fail"), 503),
        (services.fiber.url("/api/broken"), 500),
        (services.fiber.url("/api/panic"), 500),
    ];
    for (url, status) in &errors {
        assert_eq!(http_get(url, &[]).0, *status, "{url}");
    }
    let store = receiver.store();
    // Two traces of three spans, and three error requests of one span each.
    assert!(store.wait_until(Duration::from_secs(60), |s| s.spans().len() >= 9), "9 spans arrive; got {:#?}", store.spans());
    let metrics_in = |s: &otlp::Store| {
        let points = s.metric_points();
        let route = points.iter().any(|p| {
            p.name == "http.server.request.duration"
                && p.attributes.get("http.route") == Some(&Value::String("/api/users/:id".into()))
        });
        route && points.iter().any(|p| p.name == "http.client.request.duration" && p.scope.name.ends_with("/fasthttp"))
    };
    assert!(
        store.wait_until(Duration::from_secs(30), metrics_in),
        "fasthttp's duration metrics arrive, the server's with fiber's route; got {:#?}",
        store.metric_points().iter().map(|p| (&p.name, &p.attributes)).collect::<Vec<_>>()
    );
    let ports = (services.downstream.addr.port(), services.front.addr.port(), services.fiber.addr.port());
    for service in [services.front, services.fiber, services.downstream] {
        service.stop();
    }
    let spans = store.spans();
    assert_eq!(spans.len(), 9, "{spans:#?}");

    // fasthttp front: continues the test's trace.
    let front = check_chain(&spans, "front", "/users/42", "GET", &front_body, ports, ports.1);
    assert_eq!((front.trace_id.to_string(), front.parent_span_id.map(|p| p.to_string())), (TRACE.into(), Some(CALLER.into())));
    // fiber front: a new trace, named by the route.
    let fiber = check_chain(&spans, "fiber-front", "/api/users/7", "GET /api/users/:id", &fiber_body, ports, ports.2);
    assert_eq!((fiber.parent_span_id, attr(&fiber, "http.route").as_deref()), (None, Some("/api/users/:id")), "{fiber:#?}");

    for (path, status, name, exception) in
        [("/fail", 503, "GET", false), ("/api/broken", 500, "GET /api/broken", true), ("/api/panic", 500, "GET /api/panic", true)]
    {
        let span = spans.iter().find(|s| attr(s, "url.path").as_deref() == Some(path)).unwrap_or_else(|| panic!("no span of {path}: {spans:#?}"));
        assert_eq!((span.name.as_str(), span.kind, span.status.code), (name, SpanKind::Server, StatusCode::Error), "{span:#?}");
        assert_eq!(attr(span, "http.response.status_code"), Some(status.to_string()), "{span:#?}");
        assert_eq!(attr(span, "error.type"), Some(status.to_string()), "{span:#?}");
        assert_eq!(span.events.iter().any(|e| e.name == "exception"), exception, "{span:#?}");
    }
    let violations = semconv_violations(&spans);
    assert!(violations.is_empty(), "{violations:#?}");
}

/// Checks one request's chain: the front's SERVER span of `path`, named `name`, its CLIENT span to the downstream
/// made without a ctx, and the downstream's SERVER span, one trace; the front's answer names the
/// span its *RequestCtx carries (the SERVER span) and the traceparent the downstream received
/// (the CLIENT span's). Returns the front's SERVER span.
fn check_chain(spans: &[Arc<Span>], front: &str, path: &str, name: &str, body: &str, ports: (u16, u16, u16), front_port: u16) -> Arc<Span> {
    let servers: Vec<&Arc<Span>> = spans
        .iter()
        .filter(|s| service_name(s) == front && s.kind == SpanKind::Server && attr(s, "url.path").as_deref() == Some(path))
        .collect();
    assert_eq!(servers.len(), 1, "{front}: one SERVER span of {path}: {spans:#?}");
    assert_eq!(servers[0].name, name, "{:#?}", servers[0]);
    let server = servers[0];
    let clients: Vec<&Arc<Span>> = spans.iter().filter(|s| s.parent_span_id == Some(server.span_id)).collect();
    assert_eq!(clients.len(), 1, "{front}: one child of the SERVER span: {spans:#?}");
    let client = clients[0];
    assert_eq!((client.name.as_str(), client.kind, service_name(client), client.trace_id), ("GET", SpanKind::Client, front, server.trace_id));
    let downstream: Vec<&Arc<Span>> = spans.iter().filter(|s| s.parent_span_id == Some(client.span_id)).collect();
    assert_eq!(downstream.len(), 1, "{front}: one child of the CLIENT span: {spans:#?}");
    let downstream = downstream[0];
    assert_eq!(
        (downstream.name.as_str(), downstream.kind, service_name(downstream), downstream.trace_id),
        ("GET /item", SpanKind::Server, "downstream", server.trace_id)
    );
    let expected = format!("span={} item traceparent=00-{}-{}-01", server.span_id, server.trace_id, client.span_id);
    assert!(body.ends_with(&expected), "{front} answered {body:?}, want it to end with {expected:?}");

    assert_attrs(client, &[
        ("http.request.method", "GET".to_string()),
        ("url.full", format!("http://127.0.0.1:{}/item", ports.0)),
        ("server.address", "127.0.0.1".into()),
        ("server.port", ports.0.to_string()),
        ("http.response.status_code", "200".into()),
        ("network.protocol.version", "1.1".into()),
    ]);
    assert_attrs(server, &[
        ("http.request.method", "GET".to_string()),
        ("url.scheme", "http".into()),
        ("server.address", "127.0.0.1".into()),
        ("server.port", front_port.to_string()),
        ("client.address", "127.0.0.1".into()),
        ("network.protocol.version", "1.1".into()),
        ("user_agent.original", "autotel-test/1".into()),
        ("http.response.status_code", "200".into()),
    ]);
    assert_eq!((server.status.code, attr(server, "error.type")), (StatusCode::Unset, None), "{server:#?}");
    server.clone()
}

#[test]
fn fasthttp_and_fiber_requests_make_one_trace_with_their_downstream() {
    let app = App::copy("fasthttp-pair");
    app.autotel_go(&["build", "-o", "bin/fasthttp-pair", "."]);
    check(&app);
}

/// The rule's range: its floor (v1.51.0, the app's requirement, fiber v2.52.15's and the hook
/// module's; the server's serveConn layout) is covered above; the newest release (the
/// serveConnCounted layout) traces the same requests.
#[test]
fn the_newest_fasthttp_release_is_instrumented() {
    let app = App::copy("fasthttp-pair");
    let get = app.go(&["get", &format!("github.com/valyala/fasthttp@{NEWEST_FASTHTTP}")]);
    assert!(get.status.success(), "{}", String::from_utf8_lossy(&get.stderr));
    let build = app.autotel_go(&["build", "-o", "bin/fasthttp-pair", "."]);
    let stderr = String::from_utf8_lossy(&build.stderr);
    assert!(!stderr.lines().any(|l| l.contains("warning") && l.contains("fasthttp")), "every fasthttp rule applies:\n{stderr}");
    check(&app);
}
