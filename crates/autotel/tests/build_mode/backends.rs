//! Real backends end to end: the two services of testdata/apps/nethttp-pair, built with `autotel
//! go build`, export to Jaeger v2 (built once per machine from the module proxy, in-memory
//! storage) over OTLP/gRPC and OTLP/HTTP, directly and through an OpenTelemetry Collector
//! (testdata/collector) running deploy/collector.yaml, the configuration README.md shows for a
//! fleet. Each test sends a request with a `traceparent` of its own and finds exactly that trace
//! through Jaeger's query API (`/api/traces/{traceID}`): both services' spans, their parent links,
//! names, kinds, service names and key attributes. A server that cannot start fails the test.

use crate::support::*;
use peersuite::servers::{self, Server};
use serde_json::Value;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn jaeger(dir: &Path) -> Server {
    servers::jaeger(dir, &servers::go_servers_cache()).unwrap_or_else(|e| panic!("start Jaeger: {e}"))
}

/// How a service exports: the OTLP protocol and the receiver's `host:port`.
#[derive(Clone, Copy)]
enum Otlp<'a> {
    Grpc(&'a str),
    Http(&'a str),
}

/// Builds nethttp-pair's services and starts them, A calling B, each exporting as told.
fn start_pair(a_export: Otlp, b_export: Otlp) -> (App, Service, Service) {
    let app = App::copy("nethttp-pair");
    app.autotel_go(&["build", "-o", "bin/a", "./cmd/a"]);
    app.autotel_go(&["build", "-o", "bin/b", "./cmd/b"]);
    let b = Service::start(service(&app, "b", "service-b", b_export));
    let mut a = service(&app, "a", "service-a", a_export);
    a.env("B_URL", format!("http://{}", b.addr));
    (app, Service::start(a), b)
}

/// The command of one service with the variables README.md's fleet section gives each service.
fn service(app: &App, binary: &str, name: &str, export: Otlp) -> Command {
    let (protocol, addr) = match export {
        Otlp::Grpc(addr) => ("grpc", addr),
        Otlp::Http(addr) => ("http/protobuf", addr),
    };
    let mut command = Command::new(app.binary(binary));
    command
        .env("OTEL_SERVICE_NAME", name)
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", format!("http://{addr}"))
        .env("OTEL_EXPORTER_OTLP_PROTOCOL", protocol)
        // Jaeger stores traces only; its receiver refuses metrics and logs.
        .env("OTEL_METRICS_EXPORTER", "none")
        .env("OTEL_LOGS_EXPORTER", "none")
        .env("OTEL_BSP_SCHEDULE_DELAY", "100");
    command
}

/// A fresh W3C trace id: 32 hex digits, the first non-zero (Jaeger's v1 API writes a trace id
/// whose high half is zero with 16 digits).
fn new_trace_id() -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    static COUNT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let count = COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed) as u128;
    let seed = nanos ^ ((std::process::id() as u128) << 64) ^ (count << 96);
    format!("{:032x}", seed | (1u128 << 124))
}

/// GETs `path` of the query service at `addr` and parses its JSON: status and body.
fn query(addr: &str, path: &str) -> (u16, Value) {
    let (status, body) = http_get(&format!("http://{addr}{path}"), &[]);
    (status, serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path}: {e}: {body}")))
}

/// One span of a trace from Jaeger's API, with its process's service name.
#[derive(Debug)]
struct JaegerSpan {
    span_id: String,
    name: String,
    service: String,
    /// `(refType, traceID, spanID)`.
    references: Vec<(String, String, String)>,
    tags: serde_json::Map<String, Value>,
}

impl JaegerSpan {
    fn tag(&self, key: &str) -> &Value {
        self.tags.get(key).unwrap_or_else(|| panic!("span {:?} has no tag {key}: {self:#?}", self.name))
    }

    fn parent(&self) -> Option<&str> {
        let parents: Vec<&str> = self.references.iter().filter(|(kind, ..)| kind == "CHILD_OF").map(|(_, _, span)| span.as_str()).collect();
        assert!(parents.len() <= 1, "{self:#?}");
        parents.first().copied()
    }
}

/// Waits until Jaeger at `query_addr` has `count` spans of trace `trace_id`; returns them.
fn wait_for_trace(query_addr: &str, trace_id: &str, count: usize) -> Vec<JaegerSpan> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, body) = query(query_addr, &format!("/api/traces/{trace_id}"));
        let spans = body["data"].as_array().and_then(|traces| traces.first()).map(|trace| spans_of(trace, trace_id)).unwrap_or_default();
        if spans.len() >= count {
            assert_eq!(spans.len(), count, "{spans:#?}");
            return spans;
        }
        assert!(Instant::now() < deadline, "Jaeger has no trace {trace_id} of {count} spans after 30 s ({status}): {body:#}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn spans_of(trace: &Value, trace_id: &str) -> Vec<JaegerSpan> {
    let text = |v: &Value| v.as_str().unwrap_or_else(|| panic!("not a string: {v}")).to_string();
    assert_eq!(trace["traceID"], trace_id, "{trace:#}");
    let spans = trace["spans"].as_array().expect("spans");
    spans
        .iter()
        .map(|span| {
            assert_eq!(span["traceID"], trace_id, "{span:#}");
            let process = &trace["processes"][span["processID"].as_str().expect("processID")];
            JaegerSpan {
                span_id: text(&span["spanID"]),
                name: text(&span["operationName"]),
                service: text(&process["serviceName"]),
                references: span["references"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|r| (text(&r["refType"]), text(&r["traceID"]), text(&r["spanID"])))
                    .collect(),
                tags: span["tags"].as_array().into_iter().flatten().map(|t| (text(&t["key"]), t["value"].clone())).collect(),
            }
        })
        .collect()
}

/// Sends `GET /call/42` to A with a traceparent of a new trace, then finds that trace in Jaeger
/// and checks it whole: A's SERVER span continues the caller's, A's CLIENT span is its child,
/// B's SERVER span the client's, each under its service's name with its HTTP attributes.
fn one_request_one_trace_in_jaeger(a: &Service, b: &Service, query_addr: &str) {
    let trace_id = new_trace_id();
    let caller = "00f067aa0ba902b7";
    let (status, body) = http_get(&a.url("/call/42"), &[("traceparent", &format!("00-{trace_id}-{caller}-01"))]);
    assert_eq!(status, 200, "{body}");

    let spans = wait_for_trace(query_addr, &trace_id, 3);
    let find = |service: &str, kind: &str| {
        spans
            .iter()
            .find(|s| s.service == service && s.tags.get("span.kind") == Some(&Value::from(kind)))
            .unwrap_or_else(|| panic!("no {kind} span of {service} in {spans:#?}"))
    };
    let a_server = find("service-a", "server");
    let a_client = find("service-a", "client");
    let b_server = find("service-b", "server");

    assert_eq!(a_server.parent(), Some(caller), "{a_server:#?}");
    assert_eq!(a_client.parent(), Some(a_server.span_id.as_str()), "{a_client:#?}");
    assert_eq!(b_server.parent(), Some(a_client.span_id.as_str()), "{b_server:#?}");
    for span in [a_server, a_client, b_server] {
        assert!(span.references.iter().all(|(_, trace, _)| *trace == trace_id), "{span:#?}");
        assert_eq!(*span.tag("otel.scope.name"), "autotel.dev/go/hooks/nethttp", "{span:#?}");
        assert_eq!(*span.tag("http.request.method"), "GET");
        assert_eq!(*span.tag("http.response.status_code"), 200);
    }
    // B saw A's client span as its parent in the traceparent it got.
    assert!(body.contains(&format!("00-{trace_id}-{}-01", a_client.span_id)), "{body}");

    assert_eq!(a_server.name, "GET /call/{id}");
    assert_eq!(*a_server.tag("http.route"), "/call/{id}");
    assert_eq!(*a_server.tag("url.path"), "/call/42");
    assert_eq!(*a_server.tag("server.port"), a.addr.port());
    assert_eq!(a_client.name, "GET");
    assert_eq!(a_client.tag("url.full").as_str(), Some(format!("http://{}/items/42", b.addr).as_str()));
    assert_eq!(*a_client.tag("server.port"), b.addr.port());
    assert_eq!(b_server.name, "GET /items/{id}");
    assert_eq!(*b_server.tag("http.route"), "/items/{id}");
}

/// Both services export straight to Jaeger, over the protocol `otlp` makes of the receiver
/// address Jaeger gives as `receiver`.
fn straight_to_jaeger(otlp: fn(&str) -> Otlp<'_>, receiver: &str) {
    let scratch = tempfile::tempdir().unwrap();
    let jaeger = jaeger(scratch.path());
    let (_app, a, b) = start_pair(otlp(&jaeger.values[receiver]), otlp(&jaeger.values[receiver]));
    one_request_one_trace_in_jaeger(&a, &b, &jaeger.values["jaeger.query"]);
}

#[test]
fn jaeger_finds_the_trace_sent_over_otlp_grpc() {
    straight_to_jaeger(|addr| Otlp::Grpc(addr), "jaeger.otlp_grpc");
}

#[test]
fn jaeger_finds_the_trace_sent_over_otlp_http() {
    straight_to_jaeger(|addr| Otlp::Http(addr), "jaeger.otlp_http");
}

/// The fleet recipe of README.md: services export to a Collector running deploy/collector.yaml
/// (A over OTLP/gRPC, B over OTLP/HTTP), which batches and forwards to Jaeger over OTLP/gRPC.
#[test]
fn the_fleet_collector_forwards_both_protocols_to_jaeger() {
    let scratch = tempfile::tempdir().unwrap();
    let jaeger = jaeger(scratch.path());
    let config = repo_root().join("deploy/collector.yaml");
    let collector = servers::collector(&config, &jaeger.values["jaeger.otlp_grpc"], scratch.path(), &servers::go_servers_cache())
        .unwrap_or_else(|e| panic!("start the Collector: {e}"));
    let (_app, a, b) = start_pair(Otlp::Grpc(&collector.values["collector.otlp_grpc"]), Otlp::Http(&collector.values["collector.otlp_http"]));
    one_request_one_trace_in_jaeger(&a, &b, &jaeger.values["jaeger.query"]);
}

/// README.md shows deploy/collector.yaml as it is, the file the fleet test runs.
#[test]
fn readme_shows_the_collector_configuration_the_fleet_test_runs() {
    let config = std::fs::read_to_string(repo_root().join("deploy/collector.yaml")).unwrap();
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    assert!(
        readme.contains(&format!("```yaml\n{config}```\n")),
        "README.md's fleet section must show deploy/collector.yaml verbatim in a ```yaml block; it is now:\n{config}"
    );
}
