//! autotel next to OpenTelemetry the application already has: the application's own OTLP
//! exporter, exporting from inside a request handler, is never traced (rules/otlpexport.yaml);
//! otelhttp's Transport and handler keep their one span; the application's own providers record
//! autotel's telemetry, and its manual spans join the request's trace (rules/otelsdk.yaml);
//! otelgin, otelecho, otelmux, redisotel, otelsql and otelgrpc keep their one span of each call, autotel's
//! steps aside (rules/otelsdk.yaml, go/hooks/otelsdk/yield.go).

use crate::support::*;
use otlp::model::{Span, SpanKind, Value};
use peersuite::servers;
use peersuite::suites::{ServerKind, ServerSpec};
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

/// testdata/apps/own-exporter (OpenTelemetry Go v1.36.0) and the same at the newest release.
#[test]
fn the_applications_own_exports_from_a_handler_are_not_traced() {
    for sdk in [None, Some(NEWEST_OTEL_GO)] {
        let app = App::copy("own-exporter");
        if let Some(version) = sdk {
            let get = app.go(&["get", &format!("go.opentelemetry.io/otel/sdk@{version}"), &format!("go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp@{version}")]);
            assert!(get.status.success(), "{}", String::from_utf8_lossy(&get.stderr));
        }
        own_exports_are_not_traced(&app);
    }
}

fn own_exports_are_not_traced(app: &App) {
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
    check_otelhttp_transport(&otelhttp_client(None));
}

/// The two otelhttp checks with the newest otelhttp, v0.72.0 (OpenTelemetry Go v1.47.0).
#[test]
fn the_newest_otelhttp_keeps_its_one_span_too() {
    let app = otelhttp_client(Some("v0.72.0"));
    check_otelhttp_transport(&app);
    check_otelhttp_handler(&app);
}

/// testdata/apps/otelhttp-client (otelhttp v0.63.0), or at otelhttp `release`, built.
fn otelhttp_client(release: Option<&str>) -> App {
    let app = App::copy("otelhttp-client");
    if let Some(release) = release {
        let get = app.go(&["get", &format!("go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp@{release}")]);
        assert!(get.status.success(), "{}", String::from_utf8_lossy(&get.stderr));
    }
    app.autotel_go(&["build", "-o", "bin/service", "."]);
    app
}

fn check_otelhttp_transport(app: &App) {
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
    check_otelhttp_handler(&otelhttp_client(None));
}

fn check_otelhttp_handler(app: &App) {
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

/// Whether `span` is one of autotel's hooks' (its scope is `autotel.dev/go/hooks/<name>`).
fn autotels(span: &Span) -> bool {
    span.scope.name.starts_with("autotel.dev/go/hooks/")
}

/// The routers that trace their requests themselves (testdata/apps/otel-routers: otelgin v0.65.0,
/// otelecho v0.60.0, otelmux v0.58.0, the newest releases, behind one net/http server, in one
/// build): each request has one SERVER span, the router's, named after its route, whose parent
/// is the caller's traceparent (or none: a root); autotel's net/http SERVER span is never
/// exported. The handler's span started with context.Background() is the router span's child
/// (the program's span is current on the goroutine in place of autotel's). autotel's
/// http.server.request.duration is still recorded, with the route. With
/// OTEL_GO_DISABLED_INSTRUMENTATIONS=otelsdk, autotel's span is back, the router's under it.
/// Again with older releases: the three at v0.57.0 on OpenTelemetry Go v1.32.0.
#[test]
fn router_wrappers_requests_get_one_server_span() {
    check_router_wrappers(&App::copy("otel-routers"));
    let older = App::copy("otel-routers");
    let wrappers = ["github.com/gin-gonic/gin/otelgin", "github.com/labstack/echo/otelecho", "github.com/gorilla/mux/otelmux"];
    let mut get = vec!["get".to_string(), "go.opentelemetry.io/otel@v1.32.0".to_string()];
    get.extend(wrappers.iter().map(|w| format!("go.opentelemetry.io/contrib/instrumentation/{w}@v0.57.0")));
    let output = older.go(&get.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    check_router_wrappers(&older);
}

fn check_router_wrappers(app: &App) {
    app.autotel_go(&["build", "-o", "bin/service", "."]);
    let receiver = receiver();
    let mut command = Command::new(app.binary("service"));
    otel_env(&mut command, &receiver, "otel-routers");
    let service = Service::start(command);
    // (scope suffix, path, route, the caller's trace id)
    let routers = [
        ("/otelgin", "/gin/users/7", "/gin/users/:id", "0af7651916cd43dd8448eb211c80319c"),
        ("/otelecho", "/echo/users/7", "/echo/users/:id", "1af7651916cd43dd8448eb211c80319c"),
        ("/otelmux", "/mux/users/7", "/mux/users/{id}", "2af7651916cd43dd8448eb211c80319c"),
    ];
    let caller_span = "b7ad6b7169203331";
    for (_, path, _, trace_id) in routers {
        let traceparent = format!("00-{trace_id}-{caller_span}-01");
        assert_eq!(http_get(&service.url(path), &[("traceparent", &traceparent)]).0, 200, "{path}");
        assert_eq!(http_get(&service.url(path), &[]).0, 200, "{path}");
    }
    let store = receiver.store();
    let arrived = store.wait_until(Duration::from_secs(30), |s| s.spans().len() >= 12)
        && store.wait_until(Duration::from_secs(30), |s| {
            let points = s.metric_points();
            let durations = points.iter().filter(|p| p.name == "http.server.request.duration" && p.scope.name.starts_with("autotel.dev/go/hooks/"));
            let routes = durations.filter_map(|p| p.attributes.get("http.route").cloned()).collect::<Vec<_>>();
            routers.iter().all(|(_, _, route, _)| routes.contains(&Value::String(route.to_string())))
        });
    assert!(arrived, "six server spans, six manual spans, autotel's metric by route: {:#?}\n{:#?}", store.spans(), store.metric_points());
    std::thread::sleep(Duration::from_millis(500)); // autotel's server spans would be exported with them
    let spans = store.spans();
    assert_eq!(spans.len(), 12, "{spans:#?}");
    assert!(!spans.iter().any(|s| autotels(s)), "autotel's SERVER spans stepped aside: {spans:#?}");
    for (suffix, _, route, trace_id) in routers {
        let servers = spans.iter().filter(|s| s.kind == SpanKind::Server && s.scope.name.ends_with(suffix)).collect::<Vec<_>>();
        assert_eq!(servers.len(), 2, "{suffix}: one SERVER span per request: {spans:#?}");
        for server in &servers {
            assert!(server.name.ends_with(route), "{suffix}: named after the route {route}: {server:#?}");
            let manual = spans.iter().filter(|s| s.parent_span_id == Some(server.span_id)).collect::<Vec<_>>();
            assert_eq!(manual.len(), 1, "{suffix}: the handler's context-less span is the router span's child: {spans:#?}");
            assert_eq!(manual[0].trace_id, server.trace_id);
        }
        let continued = servers.iter().find(|s| s.parent_span_id.is_some()).unwrap_or_else(|| panic!("{suffix}: no span continues the caller: {servers:#?}"));
        assert_eq!(continued.trace_id.to_string(), trace_id, "{suffix}: {continued:#?}");
        assert_eq!(continued.parent_span_id.map(|id| id.to_string()).as_deref(), Some(caller_span), "{suffix}: {continued:#?}");
        assert!(servers.iter().any(|s| s.parent_span_id.is_none()), "{suffix}: without a traceparent the router's span is a root: {servers:#?}");
    }
    drop(service);

    // The control: with the otelsdk instrumentation off, autotel's span stays, the router's its child.
    let control = crate::support::receiver();
    let mut command = Command::new(app.binary("service"));
    otel_env(&mut command, &control, "otel-routers");
    command.env("OTEL_GO_DISABLED_INSTRUMENTATIONS", "otelsdk");
    let service = Service::start(command);
    assert_eq!(http_get(&service.url("/gin/users/7"), &[]).0, 200);
    let store = control.store();
    assert!(store.wait_until(Duration::from_secs(30), |s| s.spans().len() >= 3), "{:#?}", store.spans());
    let spans = store.spans();
    let ours = spans.iter().find(|s| s.kind == SpanKind::Server && autotels(s)).unwrap_or_else(|| panic!("autotel's SERVER span: {spans:#?}"));
    let gin = spans.iter().find(|s| s.kind == SpanKind::Server && s.scope.name.ends_with("/otelgin")).unwrap_or_else(|| panic!("otelgin's: {spans:#?}"));
    assert_eq!(gin.parent_span_id, Some(ours.span_id), "{spans:#?}");
    drop(service);
}

/// The clients that trace their calls themselves (testdata/apps/otel-clients: go-redis with
/// redisotel v9.23.0's tracing against a real Redis, database/sql through otelsql v0.44.0 over
/// SQLite, the newest releases, in one build; OpenTelemetry Go v1.47.0): each command and each
/// statement has one CLIENT span, the program's, child of the program's span "job"; autotel's
/// go-redis and database/sql spans are never exported. With the otelsdk instrumentation off,
/// autotel's spans are back, the program's under them. Again with older releases: redisotel
/// v9.7.0 and otelsql v0.35.0 on OpenTelemetry Go v1.32.0.
#[test]
fn redisotel_and_otelsql_calls_get_one_client_span() {
    let scratch = tempfile::tempdir().unwrap();
    let redis = servers::start(&ServerSpec { kind: ServerKind::Redis, port: None }, scratch.path()).unwrap_or_else(|e| panic!("start Redis: {e}"));
    check_client_wrappers(&App::copy("otel-clients"), &redis);
    let older = App::copy("otel-clients");
    let output = older.go(&["get", "github.com/redis/go-redis/extra/redisotel/v9@v9.7.0", "github.com/XSAM/otelsql@v0.35.0", "go.opentelemetry.io/otel@v1.32.0"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    check_client_wrappers(&older, &redis);
    drop(redis);
}

fn check_client_wrappers(app: &App, redis: &servers::Server) {
    app.autotel_go(&["build", "-o", "bin/clients", "."]);
    let run = |env: &[(&str, &str)]| {
        let receiver = receiver();
        let mut command = Command::new(app.binary("clients"));
        otel_env(&mut command, &receiver, "otel-clients");
        command.env("REDIS_ADDR", &redis.values["redis.addr"]).envs(env.iter().copied());
        let out = command.output().unwrap();
        assert!(out.status.success(), "the program failed:\n{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(String::from_utf8_lossy(&out.stdout), "hello gear\n");
        let store = receiver.store();
        assert!(store.wait_until(Duration::from_secs(30), |s| s.spans().iter().any(|s| s.name == "job")), "{:#?}", store.spans());
        std::thread::sleep(Duration::from_millis(500));
        store.spans()
    };

    let spans = run(&[]);
    assert!(!spans.iter().any(|s| autotels(s)), "autotel's CLIENT spans stepped aside: {spans:#?}");
    let job = spans.iter().find(|s| s.name == "job").unwrap();
    let text = |s: &Span| attr(s, "db.query.text").or_else(|| attr(s, "db.statement"));
    let calls = [
        ("/redisotel", "set greeting hello"),
        ("/redisotel", "get greeting"),
        ("/otelsql", "CREATE TABLE widgets (id INTEGER PRIMARY KEY, name TEXT NOT NULL)"),
        ("/otelsql", "INSERT INTO widgets (id, name) VALUES (1, 'gear')"),
        ("/otelsql", "SELECT name FROM widgets WHERE id = 1"),
    ];
    for (scope, call) in calls {
        let of_call = spans.iter().filter(|s| text(s).as_deref() == Some(call)).collect::<Vec<_>>();
        assert_eq!(of_call.len(), 1, "{call}: one span: {spans:#?}");
        let span = of_call[0];
        assert!(span.scope.name.ends_with(scope), "{call}: the program's: {span:#?}");
        assert_eq!(span.kind, SpanKind::Client, "{span:#?}");
        assert_eq!(span.parent_span_id, Some(job.span_id), "{call}: the job's child: {span:#?}");
        assert_eq!(span.trace_id, job.trace_id);
    }
    // The program's other spans of these calls (otelsql's reset-session and rows spans) hang under
    // the job too, not under a span that was never exported.
    for span in spans.iter().filter(|s| s.scope.name.ends_with("/otelsql")) {
        assert_eq!(span.parent_span_id, Some(job.span_id), "{span:#?}");
    }

    // The control: with the otelsdk instrumentation off, autotel's spans are back, parents of the
    // program's.
    let spans = run(&[("OTEL_GO_DISABLED_INSTRUMENTATIONS", "otelsdk")]);
    for (_, call) in calls {
        let program = spans.iter().find(|s| text(s).as_deref() == Some(call) && !autotels(s)).unwrap_or_else(|| panic!("{call}: {spans:#?}"));
        let parent = spans.iter().find(|s| Some(s.span_id) == program.parent_span_id).unwrap_or_else(|| panic!("{call}: no parent: {spans:#?}"));
        assert!(autotels(parent) && parent.kind == SpanKind::Client, "{call}: autotel's CLIENT span is the parent: {parent:#?}");
    }
}

/// otelgrpc's stats handlers on the program's server and clients (testdata/apps/otelgrpc):
/// each call has one CLIENT and one SERVER span, otelgrpc's, and autotel's grpc hooks record
/// none; the handler's context-less manual span and its context-less call to Echo join
/// otelgrpc's server span, so the program's trace is one tree: job → SayHello CLIENT →
/// SayHello SERVER → (manual, Echo CLIENT → Echo SERVER). With otelgrpc v0.61.0 (OpenTelemetry
/// Go v1.36.0, grpc v1.72.1, the app's go.mod) and the newest, v0.72.0 (v1.47.0, grpc v1.83.2).
#[test]
fn otelgrpc_calls_get_one_client_and_one_server_span() {
    check_otelgrpc(&App::copy("otelgrpc"));
    let newest = App::copy("otelgrpc");
    let get = newest.go(&["get", "go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc@v0.72.0"]);
    assert!(get.status.success(), "{}", String::from_utf8_lossy(&get.stderr));
    check_otelgrpc(&newest);
}

fn check_otelgrpc(app: &App) {
    app.autotel_go(&["build", "-o", "bin/otelgrpc", "."]);
    let receiver = receiver();
    let mut command = Command::new(app.binary("otelgrpc"));
    otel_env(&mut command, &receiver, "otelgrpc");
    let out = command.output().unwrap();
    assert!(out.status.success(), "the program failed:\n{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hello bob\n");
    let store = receiver.store();
    assert!(store.wait_until(Duration::from_secs(30), |s| s.spans().len() >= 6), "{:#?}", store.spans());
    std::thread::sleep(Duration::from_millis(500));
    let spans = store.spans();
    assert!(!spans.iter().any(|s| s.scope.name == "autotel.dev/go/hooks/grpc"), "autotel's grpc spans stepped aside: {spans:#?}");
    assert_eq!(spans.len(), 6, "job, manual, and a CLIENT and a SERVER span per call: {spans:#?}");
    let find = |name: &str, kind: SpanKind| {
        spans.iter().find(|s| s.name == name && s.kind == kind).unwrap_or_else(|| panic!("{name} {kind:?}: {spans:#?}"))
    };
    let job = find("job", SpanKind::Internal);
    let hello_client = find("autotel.test.Greeter/SayHello", SpanKind::Client);
    let hello_server = find("autotel.test.Greeter/SayHello", SpanKind::Server);
    let manual = find("manual", SpanKind::Internal);
    let echo_client = find("autotel.test.Greeter/Echo", SpanKind::Client);
    let echo_server = find("autotel.test.Greeter/Echo", SpanKind::Server);
    for (child, parent) in [(hello_client, job), (hello_server, hello_client), (manual, hello_server), (echo_client, hello_server), (echo_server, echo_client)] {
        assert_eq!(child.parent_span_id, Some(parent.span_id), "{} {:?} is the child of {} {:?}: {spans:#?}", child.name, child.kind, parent.name, parent.kind);
        assert_eq!(child.trace_id, job.trace_id);
    }
    for span in [hello_client, hello_server, echo_client, echo_server] {
        assert!(span.scope.name.ends_with("/otelgrpc"), "the program's: {span:#?}");
    }
}
