//! grpc in build mode: testdata/apps/grpc-pair built with `autotel go build`, a server process
//! and client processes on loopback, every call kind (unary, server, client and bidirectional
//! streams), error statuses, an unknown method, trace context across the processes and through
//! goroutine-local context, the server served natively and through net/http's ServeHTTP, the
//! duration metrics; and the oldest and newest grpc releases the rule covers.

use crate::support::*;
use otlp::model::{Span, SpanKind, StatusCode, Value};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

/// The newest grpc release (`go list -m -versions google.golang.org/grpc`). It requires
/// go.opentelemetry.io/otel v1.45.0, whose Logs API takes `attribute.Value`s, so it also checks
/// that the build picks the matching `logvalue` directory (crates/build/src/otelalign.rs).
const NEWEST_GRPC: &str = "v1.85.0";

fn service(span: &Span) -> String {
    match span.resource.attributes.get("service.name") {
        Some(Value::String(s)) => s.clone(),
        other => panic!("span {:?} has service.name {other:?}", span.name),
    }
}

/// Runs `grpc-pair client TARGET` as `service`; returns what it printed.
fn run_client(app: &App, receiver: &BackgroundReceiver, service: &str, target: &str) -> String {
    let mut client = Command::new(app.binary("grpc-pair"));
    client.args(["client", target]);
    otel_env(&mut client, receiver, service);
    let out = client.output().unwrap();
    assert!(out.status.success(), "client failed:\n{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// The spans one client run makes: 7 calls, each a client and a server span, and SayHello(bob)'s
/// Echo call inside the server, a client and a server span more.
const SPANS_PER_RUN: usize = 16;

/// Checks one client run's spans: each call's client span is the parent of one server span of
/// the same name in the server process, with the statuses and attributes of the conventions.
fn check_run(spans: &[Arc<Span>], client_service: &str, server_port: u16, stdout: &str) {
    let clients: Vec<&Arc<Span>> = spans.iter().filter(|s| service(s) == client_service).collect();
    assert_eq!(clients.len(), 7, "{client_service}: {clients:#?}");
    let calls = [
        ("autotel.test.Greeter/SayHello", "OK", false, false),
        ("autotel.test.Greeter/SayHello", "NOT_FOUND", true, false),
        ("autotel.test.Greeter/SayHello", "INTERNAL", true, true),
        ("autotel.test.Greeter/Missing", "UNIMPLEMENTED", true, true),
        ("autotel.test.Greeter/Count", "OK", false, false),
        ("autotel.test.Greeter/Sum", "OK", false, false),
        ("autotel.test.Greeter/Chat", "OK", false, false),
    ];
    let mut clients = clients.clone();
    clients.sort_by_key(|s| s.start_unix_nanos);
    for (client, (name, code, client_error, server_error)) in clients.iter().zip(calls) {
        assert_eq!((client.name.as_str(), client.kind), (name, SpanKind::Client), "{client:#?}");
        assert_eq!(client.parent_span_id, None, "the client's calls start traces: {client:#?}");
        let server: Vec<&Arc<Span>> = spans.iter().filter(|s| s.parent_span_id == Some(client.span_id)).collect();
        assert_eq!(server.len(), 1, "one server span for the client span {name} ({code}): {server:#?}");
        let server = server[0];
        assert_eq!((server.name.as_str(), server.kind, server.trace_id), (name, SpanKind::Server, client.trace_id), "{server:#?}");
        assert_eq!(service(server), "grpc-server");
        for (span, error) in [(*client, client_error), (server, server_error)] {
            assert_eq!(attr(span, "rpc.system.name").as_deref(), Some("grpc"), "{span:#?}");
            assert_eq!(attr(span, "rpc.method").as_deref(), Some(name), "{span:#?}");
            assert_eq!(attr(span, "rpc.status_code").as_deref(), Some(code), "{span:#?}");
            assert_eq!(span.status.code == StatusCode::Error, error, "{span:#?}");
            assert_eq!(attr(span, "error.type"), error.then(|| code.to_string()), "{span:#?}");
            assert_eq!(attr(span, "server.address").as_deref(), Some("127.0.0.1"), "{span:#?}");
            assert_eq!(attr(span, "server.port"), Some(server_port.to_string()), "{span:#?}");
        }
        assert_eq!(attr(server, "network.peer.address").as_deref(), Some("127.0.0.1"), "{server:#?}");
        assert!(attr(server, "network.peer.port").is_some(), "{server:#?}");
    }
    // SayHello(bob) calls Echo with context.Background(): goroutine-local context makes that
    // call a child of SayHello's server span, and its server span a child of it.
    let hello = clients[0];
    let hello_server = spans.iter().find(|s| s.parent_span_id == Some(hello.span_id)).unwrap();
    let echo_client: Vec<&Arc<Span>> = spans.iter().filter(|s| s.parent_span_id == Some(hello_server.span_id)).collect();
    assert_eq!(echo_client.len(), 1, "{echo_client:#?}");
    assert_eq!((echo_client[0].name.as_str(), echo_client[0].kind), ("autotel.test.Greeter/Echo", SpanKind::Client));
    let echo_server: Vec<&Arc<Span>> = spans.iter().filter(|s| s.parent_span_id == Some(echo_client[0].span_id)).collect();
    assert_eq!(echo_server.len(), 1, "{echo_server:#?}");
    assert_eq!((echo_server[0].name.as_str(), echo_server[0].kind), ("autotel.test.Greeter/Echo", SpanKind::Server));
    // The handler saw the caller's baggage and traceparent in its metadata.
    let seen = format!("SayHello(bob): OK hello bob tenant=acme traceparent=00-{}-{}-01", hello.trace_id, hello.span_id);
    assert!(stdout.contains(&seen), "expected {seen:?} in:\n{stdout}");
}

#[test]
fn grpc_calls_across_two_processes_make_one_trace_each() {
    let app = App::copy("grpc-pair");
    app.autotel_go(&["build", "-o", "bin/grpc-pair", "."]);
    let receiver = receiver();
    let http_addr = format!("127.0.0.1:{}", free_port());
    let mut server = Command::new(app.binary("grpc-pair"));
    server.arg("server").env("LISTEN_HTTP", &http_addr);
    otel_env(&mut server, &receiver, "grpc-server");
    let server = Service::start(server);

    let native = run_client(&app, &receiver, "grpc-client", &server.addr.to_string());
    assert_eq!(
        native.lines().filter(|l| !l.starts_with("SayHello(bob)")).collect::<Vec<_>>(),
        ["SayHello(fail): NotFound ", "SayHello(crash): Internal ", "Missing: Unimplemented", "Count: a b c", "Sum: 1+2+3", "Chat: echo x echo y"],
        "{native}"
    );
    let store = receiver.store();
    assert!(
        store.wait_until(Duration::from_secs(60), |s| s.spans().len() >= SPANS_PER_RUN),
        "{SPANS_PER_RUN} spans arrive; got {:#?}",
        store.spans()
    );
    // The same grpc.Server through net/http's ServeHTTP: the same spans, and no net/http span.
    let through_http = run_client(&app, &receiver, "grpc-client-http", &http_addr);
    assert!(
        store.wait_until(Duration::from_secs(60), |s| s.spans().len() >= 2 * SPANS_PER_RUN),
        "{} spans arrive; got {:#?}",
        2 * SPANS_PER_RUN,
        store.spans()
    );
    let native_port = server.addr.port();
    let (_status, _out, err) = server.stop();
    let spans = store.spans();
    assert_eq!(spans.len(), 2 * SPANS_PER_RUN, "{spans:#?}\nserver stderr:\n{err}");
    assert!(spans.iter().all(|s| s.attributes.get("rpc.system.name").is_some()), "only grpc spans: {spans:#?}");

    let port = server_port(&http_addr);
    let (native_spans, http_spans): (Vec<Arc<Span>>, Vec<Arc<Span>>) = {
        let http_traces: Vec<_> = spans.iter().filter(|s| service(s) == "grpc-client-http").map(|s| s.trace_id).collect();
        spans.iter().cloned().partition(|s| !http_traces.contains(&s.trace_id))
    };
    check_run(&native_spans, "grpc-client", native_port, &native);
    check_run(&http_spans, "grpc-client-http", port, &through_http);

    let violations = semconv_violations(&spans);
    assert!(violations.is_empty(), "{violations:#?}");
    assert!(
        store.wait_until(Duration::from_secs(30), |s| {
            let names: Vec<String> = s.metric_points().iter().map(|p| p.name.clone()).collect();
            names.iter().any(|n| n == "rpc.server.call.duration") && names.iter().any(|n| n == "rpc.client.call.duration")
        }),
        "grpc duration metrics arrive; got {:?}",
        store.metric_points().iter().map(|p| p.name.clone()).collect::<Vec<_>>()
    );
}

fn server_port(addr: &str) -> u16 {
    addr.rsplit(':').next().unwrap().parse().unwrap()
}

/// The rule's range: its floor (v1.72.1, the app's own requirement and the hook runtime's)
/// is covered above; the newest release (see NEWEST_GRPC) builds and traces the same calls.
#[test]
fn the_newest_grpc_release_is_instrumented() {
    let app = App::copy("grpc-pair");
    let get = app.go(&["get", &format!("google.golang.org/grpc@{NEWEST_GRPC}")]);
    assert!(get.status.success(), "{}", String::from_utf8_lossy(&get.stderr));
    // Every rule applies: the UNIMPLEMENTED call's span (handleStream's rule) is checked too.
    app.autotel_go(&["build", "-o", "bin/grpc-pair", "."]);
    let receiver = receiver();
    let mut server = Command::new(app.binary("grpc-pair"));
    server.arg("server");
    otel_env(&mut server, &receiver, "grpc-server");
    let server = Service::start(server);
    let stdout = run_client(&app, &receiver, "grpc-client", &server.addr.to_string());
    let store = receiver.store();
    assert!(
        store.wait_until(Duration::from_secs(60), |s| s.spans().len() >= SPANS_PER_RUN),
        "{SPANS_PER_RUN} spans arrive; got {:#?}",
        store.spans()
    );
    let port = server.addr.port();
    server.stop();
    let spans = store.spans();
    assert_eq!(spans.len(), SPANS_PER_RUN, "{spans:#?}");
    check_run(&spans, "grpc-client", port, &stdout);
}
