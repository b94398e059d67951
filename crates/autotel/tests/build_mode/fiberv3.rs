//! gofiber/fiber v3 in build mode: testdata/apps/fiberv3-pair built with `autotel go build`, a
//! fiber v3 front whose handler calls a fiber v3 downstream through fiber v3's client (once with
//! no ctx, once with the context of a span the handler starts), each request one trace across the
//! processes (front SERVER → [the handler's span →] CLIENT → downstream SERVER), the first
//! continuing the test's traceparent; span names after the route templates, http.route on the spans and the
//! duration metric, handler errors and panics; at the oldest release (v3.0.0, the app's and the
//! hook module's) and the newest.

use crate::support::*;
use otlp::model::{Span, SpanKind, StatusCode, Value};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

/// The newest fiber v3 release (`go list -m -versions github.com/gofiber/fiber/v3`).
const NEWEST_FIBER: &str = "v3.1.0";

/// The test's own caller: trace id and span id of the traceparent it sends.
const TRACE: &str = "0af7651916cd43dd8448eb211c80319c";
const CALLER: &str = "b7ad6b7169203331";

/// Sends the requests, checks the answers and every span and metric they make.
fn check(app: &App) {
    let receiver = receiver();
    let mut downstream = Command::new(app.binary("fiberv3-pair"));
    downstream.arg("downstream");
    otel_env(&mut downstream, &receiver, "downstream");
    let downstream = Service::start(downstream);
    let mut front = Command::new(app.binary("fiberv3-pair"));
    front.arg("front").env("DOWNSTREAM", format!("http://{}", downstream.addr));
    otel_env(&mut front, &receiver, "front");
    let front = Service::start(front);

    let traceparent = format!("00-{TRACE}-{CALLER}-01");
    let (status, no_ctx_body) = http_get(&front.url("/api/users/42"), &[("traceparent", &traceparent)]);
    assert_eq!(status, 200, "{no_ctx_body}");
    let (status, ctx_body) = http_get(&front.url("/api/users/7?ctx=request"), &[]);
    assert_eq!(status, 200, "{ctx_body}");
    for path in ["/api/broken", "/api/panic"] {
        assert_eq!(http_get(&front.url(path), &[]).0, 500, "{path}");
    }
    let store = receiver.store();
    // Traces of three and four spans, and two error requests of one span each.
    assert!(store.wait_until(Duration::from_secs(60), |s| s.spans().len() >= 9), "9 spans arrive; got {:#?}", store.spans());
    let routes_in = |s: &otlp::Store| {
        let points = s.metric_points();
        ["/api/users/:id", "/users/:id"].iter().all(|route| {
            points.iter().any(|p| {
                p.name == "http.server.request.duration" && p.attributes.get("http.route") == Some(&Value::String(route.to_string()))
            })
        })
    };
    assert!(
        store.wait_until(Duration::from_secs(30), routes_in),
        "both services' http.server.request.duration carry their route; got {:#?}",
        store.metric_points().iter().map(|p| (&p.name, &p.attributes)).collect::<Vec<_>>()
    );
    let ports = (downstream.addr.port(), front.addr.port());
    front.stop();
    downstream.stop();
    let spans = store.spans();
    assert_eq!(spans.len(), 9, "{spans:#?}");

    // No ctx: the CLIENT span's parent is the goroutine's span; the test's trace is continued.
    let first = only(&spans, "SERVER span of /api/users/42", |s| attr(s, "url.path").as_deref() == Some("/api/users/42"));
    assert_eq!((first.trace_id.to_string(), first.parent_span_id.map(|p| p.to_string())), (TRACE.into(), Some(CALLER.into())));
    check_chain(&spans, first, first, "42", &no_ctx_body, ports);
    // The context of the handler's own span, started under its fiber.Ctx: that span is the
    // CLIENT span's parent, in a new trace.
    let second = only(&spans, "SERVER span of /api/users/7", |s| attr(s, "url.path").as_deref() == Some("/api/users/7"));
    let lookup = only(&spans, "the handler's span", |s| s.name == "lookup");
    assert_eq!((second.parent_span_id, lookup.parent_span_id, lookup.trace_id), (None, Some(second.span_id), second.trace_id), "{lookup:#?}");
    check_chain(&spans, second, lookup, "7", &ctx_body, ports);

    for (path, route) in [("/api/broken", "/api/broken"), ("/api/panic", "/api/panic")] {
        let span = spans.iter().find(|s| attr(s, "url.path").as_deref() == Some(path)).unwrap_or_else(|| panic!("no span of {path}: {spans:#?}"));
        assert_eq!((span.name.as_str(), span.kind, span.status.code), (format!("GET {route}").as_str(), SpanKind::Server, StatusCode::Error), "{span:#?}");
        assert_attrs(span, &[("http.route", route.into()), ("http.response.status_code", "500".into()), ("error.type", "500".into())]);
        assert_eq!(span.events.iter().filter(|e| e.name == "exception").count(), 1, "{span:#?}");
    }
    let violations = semconv_violations(&spans);
    assert!(violations.is_empty(), "{violations:#?}");
}

/// Checks one request's chain: the front's SERVER span, named after its route, the one CLIENT
/// span under `parent` (the SERVER span or the handler's own), and the downstream's SERVER span
/// named after its own route, one trace; the front's answer names the span its handler's
/// fiber.Ctx carries (the SERVER span) and the traceparent the downstream received (the CLIENT
/// span's).
fn check_chain(spans: &[Arc<Span>], server: &Span, parent: &Span, id: &str, body: &str, (downstream_port, front_port): (u16, u16)) {
    assert_eq!((server.name.as_str(), server.kind, service_name(server)), ("GET /api/users/:id", SpanKind::Server, "front"), "{server:#?}");
    let client = only(spans, "CLIENT span", |s| s.kind == SpanKind::Client && s.parent_span_id == Some(parent.span_id));
    assert_eq!((client.name.as_str(), client.kind, service_name(client), client.trace_id), ("GET", SpanKind::Client, "front", server.trace_id));
    let downstream = only(spans, "child of the CLIENT span", |s| s.parent_span_id == Some(client.span_id));
    assert_eq!(
        (downstream.name.as_str(), downstream.kind, service_name(downstream), downstream.trace_id),
        ("GET /users/:id", SpanKind::Server, "downstream", server.trace_id)
    );
    let expected = format!("span={} user {id} traceparent=00-{}-{}-01", server.span_id, server.trace_id, client.span_id);
    assert_eq!(body, expected, "the front's answer");

    assert_attrs(client, &[
        ("http.request.method", "GET".to_string()),
        ("url.full", format!("http://127.0.0.1:{downstream_port}/users/{id}")),
        ("server.address", "127.0.0.1".into()),
        ("server.port", downstream_port.to_string()),
        ("http.response.status_code", "200".into()),
    ]);
    assert_attrs(server, &[
        ("http.request.method", "GET".to_string()),
        ("http.route", "/api/users/:id".into()),
        ("url.scheme", "http".into()),
        ("server.port", front_port.to_string()),
        ("user_agent.original", "autotel-test/1".into()),
        ("http.response.status_code", "200".into()),
    ]);
    assert_attrs(downstream, &[
        ("http.route", "/users/:id".into()),
        ("url.path", format!("/users/{id}")),
        ("server.port", downstream_port.to_string()),
        ("http.response.status_code", "200".into()),
    ]);
    for span in [server, client, downstream] {
        assert_eq!((span.status.code, attr(span, "error.type")), (StatusCode::Unset, None), "{span:#?}");
    }
}

#[test]
fn fiber_v3_requests_make_one_trace_with_their_downstream() {
    let app = App::copy("fiberv3-pair");
    app.autotel_go(&["build", "-o", "bin/fiberv3-pair", "."]);
    check(&app);
}

/// The rules' floor, v3.0.0 (the app's requirement and the hook module's), is covered above; the
/// newest release traces the same requests, every fiber rule applied.
#[test]
fn the_newest_fiber_v3_release_is_instrumented() {
    let app = App::copy("fiberv3-pair");
    let get = app.go(&["get", &format!("github.com/gofiber/fiber/v3@{NEWEST_FIBER}")]);
    assert!(get.status.success(), "{}", String::from_utf8_lossy(&get.stderr));
    let build = app.autotel_go(&["build", "-o", "bin/fiberv3-pair", "."]);
    let stderr = String::from_utf8_lossy(&build.stderr);
    assert!(!stderr.lines().any(|l| l.contains("warning") && (l.contains("fiber") || l.contains("fasthttp"))), "every fiber and fasthttp rule applies:\n{stderr}");
    check(&app);
}
