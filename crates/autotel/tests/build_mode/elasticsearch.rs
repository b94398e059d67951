//! github.com/elastic/go-elasticsearch/v8 in build mode: testdata/apps/elasticsearch built with
//! `autotel go build` at the oldest release the rule covers (v8.12.0, the first with
//! `Config.Instrumentation`) and the newest, run against a fake Elasticsearch node
//! (`fake_elasticsearch.rs`: no real Elasticsearch can be installed here). One HTTP request
//! asks for the node's info, indexes a document, searches, gets a missing document (404) and
//! gets one with context.Background(); every call is one CLIENT span under the request's span,
//! the parent of net/http's span of its HTTP request, whose traceparent the fake received. A
//! second client with the program's own Instrumentation gets no span of autotel's (only
//! net/http's), and its Instrumentation still sees its call.

use crate::fake_elasticsearch::FakeElasticsearch;
use crate::support::*;
use otlp::model::{Span, SpanKind, StatusCode};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

/// The newest go-elasticsearch v8 release (`go list -m -versions github.com/elastic/go-elasticsearch/v8`).
const NEWEST: &str = "v8.19.7";

const SCOPE: &str = "autotel.dev/go/hooks/elasticsearch";
const NETHTTP_SCOPE: &str = "autotel.dev/go/hooks/nethttp";

/// The API calls' spans, in order: name, db.operation.name, db.collection.name, the request
/// (method, path) and db.response.status_code.
const CALLS: [(&str, &str, Option<&str>, &str, &str, &str); 5] = [
    ("info", "info", None, "GET", "/", "200"),
    ("index books", "index", Some("books"), "PUT", "/books/_doc/1", "201"),
    ("search books", "search", Some("books"), "POST", "/books/_search", "200"),
    ("get books", "get", Some("books"), "GET", "/books/_doc/42", "404"),
    ("get books", "get", Some("books"), "GET", "/books/_doc/1", "200"),
];

/// Builds and runs the app in `app` against a fresh fake node; checks its spans.
fn run_and_check(app: &App) {
    let fake = FakeElasticsearch::start();
    app.autotel_go(&["build", "-o", "bin/elasticsearch", "."]);
    let receiver = receiver();
    let mut command = Command::new(app.binary("elasticsearch"));
    command.env("ELASTICSEARCH_URL", fake.url());
    otel_env(&mut command, &receiver, "elasticsearch-app");
    let out = command.output().unwrap();
    assert!(out.status.success(), "the app failed:\n{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "info 200, index 201, search 200, get 42 404, get 1 200, own get 1 200\nown instrumentation: get\n"
    );

    let store = receiver.store();
    // The calls' spans, net/http's span of each call's request and of the own client's, the
    // HTTP server span and its client's.
    let total = CALLS.len() * 2 + 1 + 2;
    assert!(store.wait_until(Duration::from_secs(60), |s| s.spans().len() >= total), "the spans arrive; got {:#?}", store.spans());
    std::thread::sleep(Duration::from_millis(500));
    let spans = store.spans();
    assert_eq!(spans.len(), total, "{spans:#?}");
    let server_span = spans.iter().find(|s| s.kind == SpanKind::Server).unwrap_or_else(|| panic!("an HTTP server span: {spans:#?}"));
    let mut calls: Vec<&Arc<Span>> = spans.iter().filter(|s| s.scope.name == SCOPE).collect();
    calls.sort_by_key(|s| s.start_unix_nanos);
    let names: Vec<&str> = calls.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, CALLS.iter().map(|c| c.0).collect::<Vec<_>>(), "one span per call, none for the own client's: {calls:#?}");

    let requests = fake.requests();
    assert_eq!(requests.len(), CALLS.len() + 1, "{requests:#?}");
    let port = fake.addr.port().to_string();
    for (i, (span, (name, op, index, method, path, status))) in calls.iter().zip(CALLS).enumerate() {
        assert_eq!(span.kind, SpanKind::Client, "{span:#?}");
        assert_eq!(span.trace_id, server_span.trace_id, "{name}: {span:#?}");
        assert_eq!(span.parent_span_id, Some(server_span.span_id), "{name}: a child of the request's span: {span:#?}");
        assert_eq!(attr(span, "db.system.name").as_deref(), Some("elasticsearch"), "{span:#?}");
        assert_eq!(attr(span, "db.operation.name").as_deref(), Some(op), "{span:#?}");
        assert_eq!(attr(span, "db.collection.name").as_deref(), index, "{span:#?}");
        assert_eq!(attr(span, "db.operation.parameter.index").as_deref(), index, "{span:#?}");
        assert_eq!(attr(span, "http.request.method").as_deref(), Some(method), "{span:#?}");
        assert_eq!(attr(span, "url.full"), Some(format!("{}{path}", fake.url())), "{span:#?}");
        assert_eq!(attr(span, "server.address").as_deref(), Some("127.0.0.1"), "{span:#?}");
        assert_eq!(attr(span, "server.port").as_deref(), Some(port.as_str()), "{span:#?}");
        assert_eq!(attr(span, "db.response.status_code").as_deref(), Some(status), "{span:#?}");
        if status == "404" {
            assert_eq!(span.status.code, StatusCode::Error, "{span:#?}");
            assert_eq!(attr(span, "error.type").as_deref(), Some("404"), "{span:#?}");
            assert_eq!(attr(span, "db.operation.parameter.id").as_deref(), Some("42"), "{span:#?}");
        } else {
            assert_ne!(span.status.code, StatusCode::Error, "{span:#?}");
            assert_eq!(attr(span, "error.type"), None, "{span:#?}");
        }
        assert!(span.end_unix_nanos >= span.start_unix_nanos);
        // net/http's span of the call's HTTP request is the call's child, and its traceparent
        // reached the fake node.
        let http: Vec<&Arc<Span>> = spans.iter().filter(|s| s.scope.name == NETHTTP_SCOPE && s.parent_span_id == Some(span.span_id)).collect();
        assert_eq!(http.len(), 1, "{name}: one HTTP client span under the call: {spans:#?}");
        assert_eq!(http[0].kind, SpanKind::Client, "{:#?}", http[0]);
        let request = &requests[i];
        assert_eq!((request.method.as_str(), request.path.as_str()), (method, path), "{requests:#?}");
        assert_eq!(request.traceparent, Some(format!("00-{}-{}-01", span.trace_id, http[0].span_id)), "{name}: the fake got the HTTP span's traceparent");
    }
    // The own client's call: net/http's span only, a child of the request's span.
    let own = &requests[CALLS.len()];
    assert_eq!((own.method.as_str(), own.path.as_str()), ("GET", "/books/_doc/1"));
    let own_http: Vec<&Arc<Span>> = spans
        .iter()
        .filter(|s| s.scope.name == NETHTTP_SCOPE && s.kind == SpanKind::Client && s.parent_span_id == Some(server_span.span_id))
        .collect();
    assert_eq!(own_http.len(), 1, "{spans:#?}");
    assert_eq!(own.traceparent, Some(format!("00-{}-{}-01", server_span.trace_id, own_http[0].span_id)));
    let violations = semconv_violations(&spans);
    assert!(violations.is_empty(), "{violations:#?}");
}

/// The rule's floor, v8.12.0 (the app's own requirement and the hook module's).
#[test]
fn elasticsearch_oldest_release_traces_every_call_against_a_fake_node() {
    run_and_check(&App::copy("elasticsearch"));
}

/// The newest v8 release builds and traces the same calls.
#[test]
fn elasticsearch_newest_release_traces_every_call_against_a_fake_node() {
    let app = App::copy("elasticsearch");
    let get = app.go(&["get", &format!("github.com/elastic/go-elasticsearch/v8@{NEWEST}")]);
    assert!(get.status.success(), "{}", String::from_utf8_lossy(&get.stderr));
    run_and_check(&app);
}
