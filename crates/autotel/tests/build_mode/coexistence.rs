//! autotel next to OpenTelemetry the application already has: the application's own OTLP
//! exporter, exporting from inside a request handler, is never traced (rules/otlpexport.yaml);
//! otelhttp's Transport and handler keep their one span; the application's own providers record
//! autotel's telemetry, and its manual spans join the request's trace (rules/otelsdk.yaml).

use crate::support::*;
use otlp::model::{SpanKind, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// An OTLP/HTTP endpoint that answers every request with an empty success and keeps each
/// request's line and header names (lowercase), so a test can see what the exporter sent.
struct RecordingCollector {
    url: String,
    requests: Arc<Mutex<Vec<(String, Vec<String>)>>>,
}

impl RecordingCollector {
    fn start() -> RecordingCollector {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/v1/traces", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = requests.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let seen = seen.clone();
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(stream.try_clone().unwrap());
                    let mut writer = stream;
                    loop {
                        let mut line = String::new();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        let (mut names, mut length) = (Vec::new(), 0usize);
                        loop {
                            let mut header = String::new();
                            reader.read_line(&mut header).unwrap();
                            let header = header.trim_end();
                            if header.is_empty() {
                                break;
                            }
                            let (name, value) = header.split_once(':').unwrap();
                            let name = name.trim().to_ascii_lowercase();
                            if name == "content-length" {
                                length = value.trim().parse().unwrap();
                            }
                            names.push(name);
                        }
                        let mut body = vec![0; length];
                        reader.read_exact(&mut body).unwrap();
                        seen.lock().unwrap().push((line.trim_end().to_string(), names));
                        let answer = "HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nContent-Length: 0\r\n\r\n";
                        if writer.write_all(answer.as_bytes()).is_err() {
                            return;
                        }
                    }
                });
            }
        });
        RecordingCollector { url, requests }
    }

    fn requests(&self) -> Vec<(String, Vec<String>)> {
        self.requests.lock().unwrap().clone()
    }
}

/// What one run of the service saw: the requests of the application's exporter, and the spans
/// autotel exported.
struct Run {
    collector_url: String,
    exports: Vec<(String, Vec<String>)>,
    spans: Vec<std::sync::Arc<otlp::model::Span>>,
}

/// Runs the service with `env`, sends three requests, and collects what happened.
fn serve_three_requests(service_binary: &std::path::Path, env: &[(&str, &str)]) -> Run {
    let collector = RecordingCollector::start();
    let receiver = receiver();
    let mut command = Command::new(service_binary);
    otel_env(&mut command, &receiver, "own-exporter");
    command.env("APP_OTLP_TRACES_URL", &collector.url).envs(env.iter().copied());
    let service = Service::start(command);
    for _ in 0..3 {
        assert_eq!(http_get(&service.url("/work"), &[]).0, 200);
    }
    let store = receiver.store();
    let servers = |s: &otlp::Store| s.spans().iter().filter(|s| s.kind == SpanKind::Server && s.name == "GET /work").count();
    assert!(store.wait_until(Duration::from_secs(20), |s| servers(s) == 3), "three server spans: {:#?}", store.spans());
    // Let autotel's batch processor send whatever else it has (100 ms schedule in otel_env).
    std::thread::sleep(Duration::from_secs(1));
    drop(service);
    Run { collector_url: collector.url.clone(), exports: collector.requests(), spans: store.spans() }
}

fn traced_headers(headers: &[String]) -> bool {
    headers.iter().any(|h| h == "traceparent" || h == "tracestate" || h == "baggage")
}

#[test]
fn the_applications_own_exports_from_a_handler_are_not_traced() {
    let app = App::copy("own-exporter");
    let output = app.autotel_go(&["build", "-o", "service", "."]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));

    let run = serve_three_requests(&app.path().join("service"), &[]);
    // The application exported its spans synchronously, inside the handlers, so all are done.
    assert_eq!(run.exports.iter().filter(|(line, _)| line.starts_with("POST /v1/traces ")).count(), 3, "{:?}", run.exports);
    for (line, headers) in &run.exports {
        assert!(!traced_headers(headers), "{line}: {headers:?}");
    }
    let clients: Vec<_> = run.spans.iter().filter(|s| s.kind == SpanKind::Client).collect();
    assert!(clients.is_empty(), "no span for the application's exports: {clients:#?}");
    let paths: Vec<_> = run
        .spans
        .iter()
        .filter_map(|s| match s.attributes.get("url.path") {
            Some(Value::String(p)) => Some(p.clone()),
            _ => None,
        })
        .collect();
    assert!(paths.iter().all(|p| p == "/work"), "{paths:?}");

    // The control: with the instrumentation disabled, the same exports are traced, as children of
    // the request, and carry its traceparent (what the rule prevents).
    let run = serve_three_requests(&app.path().join("service"), &[("OTEL_GO_DISABLED_INSTRUMENTATIONS", "otlpexport")]);
    assert!(run.exports.iter().any(|(_, headers)| traced_headers(headers)), "{:?}", run.exports);
    let to_collector = |s: &otlp::model::Span| matches!(s.attributes.get("url.full"), Some(Value::String(u)) if *u == run.collector_url);
    let export_spans = run.spans.iter().filter(|s| s.kind == SpanKind::Client && to_collector(s)).count();
    assert!(export_spans >= 3, "{:#?}", run.spans);
}

/// otelhttp's Transport around the application's client calls (testdata/apps/otelhttp-client, the
/// real otelhttp v0.63.0): each call has one CLIENT span, otelhttp's, child of autotel's server
/// span, and the downstream request's server span is its child: one tree, no second client
/// span from autotel's net/http hook.
#[test]
fn otelhttp_transport_calls_get_one_client_span() {
    let app = App::copy("otelhttp-client");
    app.autotel_go(&["build", "-o", "bin/service", "."]);
    let receiver = receiver();
    let mut command = Command::new(app.binary("service"));
    otel_env(&mut command, &receiver, "otelhttp-client");
    let service = Service::start(command);
    assert_eq!(http_get(&service.url("/call"), &[]), (200, "called: down".to_string()));
    let store = receiver.store();
    let arrived = store.wait_until(Duration::from_secs(30), |s| s.spans().iter().filter(|sp| sp.kind == SpanKind::Server).count() == 2);
    assert!(arrived, "{:#?}", store.spans());
    std::thread::sleep(Duration::from_millis(500)); // a second client span would be exported with them
    let spans = store.spans();
    let by_kind = |kind| spans.iter().filter(move |s| s.kind == kind).collect::<Vec<_>>();
    let clients = by_kind(SpanKind::Client);
    assert_eq!(clients.len(), 1, "one CLIENT span per call: {spans:#?}");
    let client = clients[0];
    assert!(client.scope.name.ends_with("/otelhttp"), "the CLIENT span is otelhttp's: {client:#?}");
    let server = |path: &str| *by_kind(SpanKind::Server).iter().find(|s| attr(s, "url.path").as_deref() == Some(path)).unwrap_or_else(|| panic!("no server span for {path}: {spans:#?}"));
    let (call, downstream) = (server("/call"), server("/downstream"));
    assert_eq!(client.parent_span_id, Some(call.span_id), "otelhttp's span is a child of the handler's server span");
    assert_eq!(downstream.parent_span_id, Some(client.span_id), "the downstream server span continues otelhttp's traceparent");
    assert!(spans.iter().all(|s| s.trace_id == call.trace_id), "one trace: {spans:#?}");
    drop(service);
}

/// otelhttp's handler (testdata/apps/otelhttp-client's `/handled`): the request has one SERVER
/// span, otelhttp's, continuing the caller's trace (or a root, without one); the handler's context-less `http.Get` is
/// autotel's CLIENT span under it (goroutine-local context follows otelhttp's span). Through a
/// handler whose filter lets the request pass untraced (`/filtered`), autotel's SERVER span stays.
#[test]
fn otelhttp_handler_requests_get_one_server_span() {
    let app = App::copy("otelhttp-client");
    app.autotel_go(&["build", "-o", "bin/service", "."]);
    let receiver = receiver();
    let mut command = Command::new(app.binary("service"));
    otel_env(&mut command, &receiver, "otelhttp-handler");
    let service = Service::start(command);
    let caller = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    assert_eq!(http_get(&service.url("/handled"), &[("traceparent", caller)]), (200, "got: down".to_string()));
    assert_eq!(http_get(&service.url("/filtered"), &[]), (200, "got: down".to_string()));
    assert_eq!(http_get(&service.url("/handled"), &[]), (200, "got: down".to_string()));
    let store = receiver.store();
    let arrived = store.wait_until(Duration::from_secs(30), |s| s.spans().iter().filter(|sp| sp.kind == SpanKind::Server).count() >= 6);
    assert!(arrived, "{:#?}", store.spans());
    std::thread::sleep(Duration::from_millis(500)); // a second SERVER span would be exported with them
    let spans = store.spans();
    let servers = |path: &str| spans.iter().filter(|s| s.kind == SpanKind::Server && attr(s, "url.path").as_deref() == Some(path)).collect::<Vec<_>>();
    let child_of = |parent: &otlp::model::Span, kind| {
        spans.iter().find(|s| s.kind == kind && s.parent_span_id == Some(parent.span_id)).unwrap_or_else(|| panic!("no {kind:?} child of {}: {spans:#?}", parent.name))
    };

    let handled = servers("/handled");
    assert_eq!(handled.len(), 2, "one SERVER span for each /handled: {spans:#?}");
    assert!(handled.iter().all(|s| s.scope.name.ends_with("/otelhttp")), "they are otelhttp's: {handled:#?}");
    // Without a caller's traceparent otelhttp starts a trace of its own: autotel's dropped span
    // is not its parent (the otelsdk hook gives a span without a parent in its context the
    // goroutine's current span, but not here).
    let (handled, own) = match handled[0].parent_span_id {
        Some(_) => (handled[0], handled[1]),
        None => (handled[1], handled[0]),
    };
    assert_eq!(own.parent_span_id, None, "{own:#?}");
    child_of(child_of(own, SpanKind::Client), SpanKind::Server);
    assert_eq!(handled.trace_id.to_string(), "0af7651916cd43dd8448eb211c80319c", "it continues the caller's trace");
    assert_eq!(handled.parent_span_id.map(|id| id.to_string()).as_deref(), Some("b7ad6b7169203331"));
    let client = child_of(handled, SpanKind::Client);
    assert!(!client.scope.name.ends_with("/otelhttp"), "the context-less call is autotel's: {client:#?}");
    child_of(client, SpanKind::Server); // the downstream request

    let filtered = servers("/filtered");
    assert_eq!(filtered.len(), 1, "one SERVER span for /filtered: {spans:#?}");
    assert!(!filtered[0].scope.name.ends_with("/otelhttp"), "otelhttp's filter passed it through: autotel's span stays");
    child_of(child_of(filtered[0], SpanKind::Client), SpanKind::Server);
    drop(service);
}

/// The application's own providers (testdata/apps/own-provider: a TracerProvider and a
/// MeterProvider with the resource `service.name=own-provider-app`, installed at the start of
/// main, exporting to a receiver of their own): autotel's spans and metrics are recorded through
/// them, nothing reaches autotel's own exporters (OTEL_EXPORTER_OTLP_ENDPOINT), and the
/// handler's manual spans join the request's trace: the one started with the request's context
/// is the parent of the client call made with its context (server → manual → client →
/// downstream server), and the one started with context.Background() is a child of the server
/// span (rules/otelsdk.yaml). At the oldest OpenTelemetry Go release the fixture pins and at the
/// newest.
#[test]
fn the_applications_own_providers_record_autotels_telemetry_and_manual_spans_join() {
    for sdk in [None, Some(NEWEST_OTEL_GO)] {
        let app = App::copy("own-provider");
        if let Some(version) = sdk {
            let modules = ["", "/sdk", "/sdk/metric", "/exporters/otlp/otlptrace/otlptracehttp", "/exporters/otlp/otlpmetric/otlpmetrichttp"];
            let mut get = vec!["get".to_string()];
            get.extend(modules.iter().map(|m| format!("go.opentelemetry.io/otel{m}@{version}")));
            let output = app.go(&get.iter().map(String::as_str).collect::<Vec<_>>());
            assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        }
        let output = app.autotel_go(&["build", "-o", "bin/service", "."]);
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let (autotels, apps) = (receiver(), receiver());
        let mut command = Command::new(app.binary("service"));
        otel_env(&mut command, &autotels, "autotel-default");
        command.env("APP_OTLP_ENDPOINT", apps.http_endpoint());
        let service = Service::start(command);
        assert_eq!(http_get(&service.url("/work"), &[]), (200, "work: downstream".to_string()));

        let store = apps.store();
        let arrived = store.wait_until(Duration::from_secs(30), |s| s.spans().len() >= 5)
            && store.wait_until(Duration::from_secs(30), |s| s.metric_points().iter().any(|p| p.name == "http.server.request.duration"));
        assert!(arrived, "{sdk:?}: spans and metrics through the application's providers: {:#?}", store.spans());
        std::thread::sleep(Duration::from_secs(1)); // two of autotel's metric intervals, three batch delays
        let spans = store.spans();
        assert_eq!(spans.len(), 5, "{sdk:?}: {spans:#?}");
        for span in &spans {
            assert_eq!(span.resource.service_name(), Some("own-provider-app"), "{sdk:?}: {span:#?}");
        }
        let named = |name: &str| spans.iter().find(|s| s.name == name).unwrap_or_else(|| panic!("{sdk:?}: no span {name}: {spans:#?}"));
        let server = |path: &str| {
            spans
                .iter()
                .find(|s| s.kind == SpanKind::Server && attr(s, "url.path").as_deref() == Some(path))
                .unwrap_or_else(|| panic!("{sdk:?}: no server span for {path}: {spans:#?}"))
        };
        let (work, downstream) = (server("/work"), server("/downstream"));
        let manual = named("with request context");
        let background = named("with background context");
        let client = spans.iter().find(|s| s.kind == SpanKind::Client).unwrap_or_else(|| panic!("{sdk:?}: no client span: {spans:#?}"));
        assert_eq!(work.parent_span_id, None, "{sdk:?}");
        assert_eq!(manual.parent_span_id, Some(work.span_id), "{sdk:?}: the manual span is the server span's child");
        assert_eq!(client.parent_span_id, Some(manual.span_id), "{sdk:?}: the call made with its context is its child");
        assert_eq!(downstream.parent_span_id, Some(client.span_id), "{sdk:?}: the downstream continues the client span");
        assert_eq!(background.parent_span_id, Some(work.span_id), "{sdk:?}: context.Background() inside the handler joins it");
        assert!(spans.iter().all(|s| s.trace_id == work.trace_id), "{sdk:?}: one trace: {spans:#?}");
        let durations = store.metric_points().into_iter().filter(|p| p.name == "http.server.request.duration").collect::<Vec<_>>();
        assert!(durations.iter().all(|p| p.resource.service_name() == Some("own-provider-app")), "{sdk:?}: {durations:#?}");

        let ours = autotels.store();
        assert!(ours.spans().is_empty(), "{sdk:?}: autotel's exporter got spans: {:#?}", ours.spans());
        assert!(ours.metric_points().is_empty(), "{sdk:?}: autotel's exporter got metrics: {:#?}", ours.metric_points());
        let (status, _, stderr) = service.stop();
        assert!(status.success(), "{sdk:?}: {status}\n{stderr}");

        // The control: with the instrumentation off, the span started with context.Background()
        // is a trace of its own (what the rule changes).
        let apps = receiver();
        let mut command = Command::new(app.binary("service"));
        otel_env(&mut command, &autotels, "autotel-default");
        command.env("APP_OTLP_ENDPOINT", apps.http_endpoint()).env("OTEL_GO_DISABLED_INSTRUMENTATIONS", "otelsdk");
        let service = Service::start(command);
        assert_eq!(http_get(&service.url("/work"), &[]), (200, "work: downstream".to_string()));
        let store = apps.store();
        assert!(store.wait_until(Duration::from_secs(30), |s| s.spans().len() >= 5), "{sdk:?}: {:#?}", store.spans());
        let spans = store.spans();
        let background = spans.iter().find(|s| s.name == "with background context").unwrap();
        assert_eq!(background.parent_span_id, None, "{sdk:?}: {spans:#?}");
        drop(service);
    }
}
