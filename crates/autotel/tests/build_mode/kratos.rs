//! go-kratos/kratos v2 in build mode: testdata/apps/kratos-pair built with `autotel go build`, a
//! kratos front (HTTP and gRPC servers) whose Greeter.SayHello calls a kratos downstream through
//! kratos's HTTP client (with the handler's ctx) and kratos's gRPC client (with
//! context.Background()), and a third process calling the front through kratos's gRPC client.
//! Checked: one trace from the test's traceparent through both hops, span names (mux route
//! templates, `package.Service/Method`), kinds, attributes, a 5xx, the route on the duration
//! metric; and, with kratos's own tracing middleware on, one span per request and per call
//! (kratos's), not two. kratos v2.8.3 is the oldest and the newest release the module proxy serves.

use crate::support::*;
use otlp::model::{Span, SpanKind, StatusCode, Value};
use std::net::SocketAddr;
use std::process::Command;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// The test's own caller: trace id and span id of the traceparent it sends.
const TRACE: &str = "0af7651916cd43dd8448eb211c80319c";
const CALLER: &str = "b7ad6b7169203331";
/// The gRPC health-check stream kratos's gRPC client opens on every connection (its service
/// config asks for one): a SERVER span per connection on each server, ended when the connection
/// closes; real traffic, but not the requests under test.
const HEALTH: &str = "grpc.health.v1.Health/Watch";

/// The app, built once for both tests (the build is the slow part).
fn app() -> &'static App {
    static APP: OnceLock<App> = OnceLock::new();
    APP.get_or_init(|| {
        let app = App::copy("kratos-pair");
        let build = app.autotel_go(&["build", "-o", "bin/kratos-pair", "."]);
        let stderr = String::from_utf8_lossy(&build.stderr);
        assert!(!stderr.lines().any(|l| l.contains("warning")), "every rule applies:\n{stderr}");
        app
    })
}

fn children<'a>(spans: &'a [Arc<Span>], parent: &Span) -> Vec<&'a Arc<Span>> {
    spans.iter().filter(|s| s.parent_span_id == Some(parent.span_id)).collect()
}

/// What one run of the pair gives: the addresses, the answers, the spans but the health checks'.
struct Run {
    down_http: SocketAddr,
    down_grpc: SocketAddr,
    front_http: SocketAddr,
    front_grpc: SocketAddr,
    http_body: String,
    grpc_answer: String,
    spans: Vec<Arc<Span>>,
}

/// Starts the downstream and the front (kratos's tracing middleware on when `own_tracing`), sends
/// GET /helloworld/42 with the test's traceparent, GET /fail, and SayHello("7") from a third
/// process over gRPC; waits for `want` spans (health checks aside) and for autotel's
/// http.server.request.duration with the route (recorded also when kratos's span took the place
/// of autotel's).
fn run(own_tracing: bool, want: usize) -> Run {
    let app = app();
    let receiver = receiver();
    let tracing = if own_tracing { "1" } else { "0" };
    let down_grpc: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let mut downstream = Command::new(app.binary("kratos-pair"));
    downstream.arg("downstream").env("LISTEN_GRPC", down_grpc.to_string()).env("KRATOS_TRACING", tracing);
    otel_env(&mut downstream, &receiver, "downstream");
    let downstream = Service::start(downstream);
    let front_grpc: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let mut front = Command::new(app.binary("kratos-pair"));
    front
        .arg("front")
        .env("LISTEN_GRPC", front_grpc.to_string())
        .env("DOWNSTREAM_HTTP", downstream.addr.to_string())
        .env("DOWNSTREAM_GRPC", down_grpc.to_string())
        .env("KRATOS_TRACING", tracing);
    otel_env(&mut front, &receiver, "front");
    let front = Service::start(front);

    let (status, http_body) = http_get(&front.url("/helloworld/42"), &[("traceparent", &format!("00-{TRACE}-{CALLER}-01"))]);
    assert_eq!(status, 200, "{http_body}");
    assert_eq!(http_get(&front.url("/fail"), &[]).0, 503);
    let mut call = Command::new(app.binary("kratos-pair"));
    call.args(["call", &front_grpc.to_string(), "7"]).env("KRATOS_TRACING", tracing);
    otel_env(&mut call, &receiver, "caller");
    let out = call.output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let grpc_answer = String::from_utf8_lossy(&out.stdout).trim().to_string();

    let store = receiver.store();
    let counted = |s: &otlp::Store| s.spans().iter().filter(|s| s.name != HEALTH).count();
    assert!(store.wait_until(Duration::from_secs(60), |s| counted(s) >= want), "{want} spans arrive; got {:#?}", store.spans());
    let route_metric = |s: &otlp::Store| {
        s.metric_points().iter().any(|p| {
            p.name == "http.server.request.duration" && p.attributes.get("http.route") == Some(&Value::String("/helloworld/{name}".into()))
        })
    };
    assert!(
        store.wait_until(Duration::from_secs(30), route_metric),
        "http.server.request.duration with the route; got {:#?}",
        store.metric_points().iter().map(|p| (&p.name, &p.attributes)).collect::<Vec<_>>()
    );
    let (down_http, front_http) = (downstream.addr, front.addr);
    front.stop();
    downstream.stop();
    let spans: Vec<Arc<Span>> = store.spans().into_iter().filter(|s| s.name != HEALTH).collect();
    assert_eq!(spans.len(), want, "{spans:#?}");
    Run { down_http, down_grpc, front_http, front_grpc, http_body, grpc_answer, spans }
}

fn traceparent(span: &Span) -> String {
    format!("00-{}-{}-01", span.trace_id, span.span_id)
}

/// The downstream calls of one front SERVER span: kratos's HTTP client's CLIENT span and its
/// downstream SERVER span, kratos's gRPC client's (context.Background()) and its SERVER span; all
/// in the front span's trace. `is_http` tells the HTTP call's CLIENT span from the gRPC call's.
/// Returns (http client, grpc client).
fn downstream_calls<'a>(spans: &'a [Arc<Span>], front: &Span, is_http: impl Fn(&Span) -> bool) -> (&'a Arc<Span>, &'a Arc<Span>) {
    let calls = children(spans, front);
    assert_eq!(calls.len(), 2, "two calls under {front:#?}: {spans:#?}");
    for c in &calls {
        assert_eq!((c.kind, service_name(c), c.trace_id), (SpanKind::Client, "front", front.trace_id), "{c:#?}");
    }
    let (http, grpc) = match (is_http(calls[0]), is_http(calls[1])) {
        (true, false) => (calls[0], calls[1]),
        (false, true) => (calls[1], calls[0]),
        _ => panic!("one HTTP and one gRPC call: {calls:#?}"),
    };
    for c in [http, grpc] {
        let down = children(spans, c);
        assert_eq!(down.len(), 1, "one downstream SERVER span under {c:#?}: {spans:#?}");
        assert_eq!((down[0].kind, service_name(down[0]), down[0].trace_id), (SpanKind::Server, "downstream", front.trace_id), "{:#?}", down[0]);
    }
    (http, grpc)
}

#[test]
fn kratos_http_and_grpc_requests_make_one_trace_through_both_hops() {
    // Per request: front SERVER, two CLIENT spans, two downstream SERVER spans; the gRPC request
    // adds the caller's CLIENT span; /fail one span.
    let run = run(false, 5 + 6 + 1);
    let spans = &run.spans;

    // HTTP: the test's traceparent → front SERVER named by kratos's mux route.
    let server = only(spans, "front SERVER span of /helloworld/42", |s| attr(s, "url.path").as_deref() == Some("/helloworld/42"));
    assert_eq!((server.name.as_str(), server.kind, service_name(server)), ("GET /helloworld/{name}", SpanKind::Server, "front"), "{server:#?}");
    assert_eq!((server.trace_id.to_string(), server.parent_span_id.map(|p| p.to_string())), (TRACE.into(), Some(CALLER.into())));
    assert_attrs(server, &[
        ("http.request.method", "GET".to_string()),
        ("http.route", "/helloworld/{name}".into()),
        ("url.scheme", "http".into()),
        ("server.address", "127.0.0.1".into()),
        ("server.port", run.front_http.port().to_string()),
        ("http.response.status_code", "200".into()),
        ("user_agent.original", "autotel-test/1".into()),
    ]);
    let (http, grpc) = downstream_calls(spans, server, |s| s.name == "GET");
    assert_attrs(http, &[
        ("http.request.method", "GET".to_string()),
        ("url.full", format!("http://{}/items/42", run.down_http)),
        ("server.address", "127.0.0.1".into()),
        ("server.port", run.down_http.port().to_string()),
        ("http.response.status_code", "200".into()),
    ]);
    assert_attrs(grpc, &[
        ("rpc.system.name", "grpc".to_string()),
        ("rpc.method", "autotel.test.Store/GetItem".into()),
        ("rpc.status_code", "OK".into()),
        ("server.address", "127.0.0.1".into()),
        ("server.port", run.down_grpc.port().to_string()),
    ]);
    let down_http = children(spans, http)[0];
    assert_eq!(down_http.name, "GET /items/{id}", "{down_http:#?}");
    assert_attrs(down_http, &[("http.route", "/items/{id}".to_string()), ("url.path", "/items/42".into())]);
    let down_grpc = children(spans, grpc)[0];
    assert_eq!(down_grpc.name, "autotel.test.Store/GetItem", "{down_grpc:#?}");
    assert_attrs(down_grpc, &[("rpc.system.name", "grpc".to_string()), ("rpc.method", "autotel.test.Store/GetItem".into()), ("rpc.status_code", "OK".into())]);
    // The handler's ctx holds the SERVER span; each downstream got its CLIENT span's traceparent.
    let expected = format!(r#"{{"message":"hello 42 span={} http={} grpc={}"}}"#, server.span_id, traceparent(http), traceparent(grpc));
    assert_eq!(run.http_body, expected);

    // gRPC: kratos's client in the caller → front SERVER `helloworld.v1.Greeter/SayHello`.
    let caller = only(spans, "the caller's CLIENT span", |s| service_name(s) == "caller");
    assert_eq!((caller.name.as_str(), caller.kind, caller.parent_span_id), ("helloworld.v1.Greeter/SayHello", SpanKind::Client, None), "{caller:#?}");
    assert_attrs(caller, &[("rpc.system.name", "grpc".to_string()), ("server.port", run.front_grpc.port().to_string()), ("rpc.status_code", "OK".into())]);
    let gserver = only(spans, "the front's gRPC SERVER span", |s| s.parent_span_id == Some(caller.span_id));
    assert_eq!((gserver.name.as_str(), gserver.kind, service_name(gserver), gserver.trace_id), ("helloworld.v1.Greeter/SayHello", SpanKind::Server, "front", caller.trace_id));
    assert_attrs(gserver, &[
        ("rpc.system.name", "grpc".to_string()),
        ("rpc.method", "helloworld.v1.Greeter/SayHello".into()),
        ("rpc.status_code", "OK".into()),
        ("server.port", run.front_grpc.port().to_string()),
    ]);
    let (ghttp, ggrpc) = downstream_calls(spans, gserver, |s| s.name == "GET");
    assert_eq!(run.grpc_answer, format!("hello 7 span={} http={} grpc={}", gserver.span_id, traceparent(ghttp), traceparent(ggrpc)));

    let fail = only(spans, "SERVER span of /fail", |s| attr(s, "url.path").as_deref() == Some("/fail"));
    assert_eq!((fail.name.as_str(), fail.kind, fail.status.code, fail.parent_span_id), ("GET /fail", SpanKind::Server, StatusCode::Error, None), "{fail:#?}");
    assert_attrs(fail, &[("http.route", "/fail".to_string()), ("http.response.status_code", "503".into()), ("error.type", "503".into())]);

    let violations = semconv_violations(spans);
    assert!(violations.is_empty(), "{violations:#?}");
}

/// kratos's own tracing middleware (tracing.Server() and tracing.Client() on every server and
/// client of the pair): each request and each call keeps one span, kratos's, named after kratos's
/// operation; autotel's SERVER spans step aside (rules/otelsdk.yaml) and its CLIENT spans are not
/// made (rules/kratos.yaml). /fail, a route without kratos's middleware, keeps autotel's span.
#[test]
fn kratos_own_tracing_middleware_keeps_one_span_per_request() {
    let run = run(true, 5 + 6 + 1);
    let spans = &run.spans;
    let kratos = |s: &Span| s.scope.name == "kratos";

    let server = only(spans, "front SERVER span of the HTTP request", |s| s.parent_span_id.map(|p| p.to_string()).as_deref() == Some(CALLER));
    assert_eq!((server.name.as_str(), server.kind, server.trace_id.to_string()), ("/helloworld.v1.Greeter/SayHello", SpanKind::Server, TRACE.into()), "{server:#?}");
    // kratos names both calls after the operation; its HTTP client's span has its http.* keys.
    let name = "/autotel.test.Store/GetItem";
    let is_http = |s: &Span| s.attributes.get("http.method").is_some();
    let (http, grpc) = downstream_calls(spans, server, is_http);
    assert_eq!((http.name.as_str(), grpc.name.as_str()), (name, name));
    assert_eq!(run.http_body, format!(r#"{{"message":"hello 42 span={} http={} grpc={}"}}"#, server.span_id, traceparent(http), traceparent(grpc)));

    let caller = only(spans, "the caller's CLIENT span", |s| service_name(s) == "caller");
    assert_eq!((caller.name.as_str(), caller.kind, caller.parent_span_id), ("/helloworld.v1.Greeter/SayHello", SpanKind::Client, None), "{caller:#?}");
    let gserver = only(spans, "the front's gRPC SERVER span", |s| s.parent_span_id == Some(caller.span_id));
    let (ghttp, ggrpc) = downstream_calls(spans, gserver, is_http);
    assert_eq!(run.grpc_answer, format!("hello 7 span={} http={} grpc={}", gserver.span_id, traceparent(ghttp), traceparent(ggrpc)));

    let fail = only(spans, "span of /fail", |s| !kratos(s));
    assert_eq!((fail.name.as_str(), fail.scope.name.as_str()), ("GET /fail", "autotel.dev/go/hooks/nethttp"), "{fail:#?}");
    assert_eq!(spans.iter().filter(|s| kratos(s)).count(), 11, "every other span is kratos's: {spans:#?}");
    // autotel's own span (the only one it exports here) follows the conventions; kratos's carry
    // the attributes of its own (older) conventions, which are the program's choice.
    let violations = semconv_violations(&[fail.clone()]);
    assert!(violations.is_empty(), "{violations:#?}");
}
