use crate::harness::Redis;
use crate::support::*;
use crate::traces::*;
use otlp::model::{Span, SpanKind, StatusCode};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

/// GET without expecting an answer: a handler that panics gets its connection closed.
pub fn raw_get(addr: std::net::SocketAddr, path: &str) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response
}

pub fn server_span(receiver: &BackgroundReceiver, service: &str, name: &str) -> Arc<Span> {
    let store = receiver.store();
    let find = || store.spans().into_iter().find(|s| s.kind == SpanKind::Server && s.name == name && crate::traces::service(s) == service);
    assert!(store.wait_until(Duration::from_secs(30), |_| find().is_some()), "no server span {name:?} of {service}:\n{:#?}", store.spans());
    find().unwrap()
}

/// `testdata/apps/oldest-libs`: gin 1.7.0, echo v3.3.10 and v4.1.16, redigo 1.8.2, go-redis
/// v8.11.0, logrus 1.4.0, zap 1.13.0 and zerolog 1.20.0, the oldest releases the rules claim, rewritten and run.
#[test]
fn the_oldest_supported_releases_are_instrumented() {
    let app = App::copy("oldest-libs");
    app.autotel_go(&["build", "-o", "bin/app", "."]);
    let redis = Redis::start();
    let receiver = receiver();
    for framework in ["gin", "echo3", "echo4"] {
        let mut command = Command::new(app.binary("app"));
        otel_env(&mut command, &receiver, framework);
        command.env("FRAMEWORK", framework).env("REDIS_ADDR", redis.addr());
        let service = Service::start(command);

        assert_eq!(http_get(&service.url("/users/7"), &[]), (200, "secret".to_string()), "{framework}");
        let server = server_span(&receiver, framework, "GET /users/:id");
        assert_eq!(string(&server, "http.route"), "/users/:id");
        let store = receiver.store();
        store.wait_until(Duration::from_secs(30), |s| s.spans_of_trace(server.trace_id).len() >= 5);
        std::thread::sleep(Duration::from_millis(500));
        let spans = store.spans_of_trace(server.trace_id);
        let mut children: Vec<(String, String, String)> = spans
            .iter()
            .filter(|s| s.span_id != server.span_id)
            .map(|s| {
                assert_eq!(s.parent_span_id, Some(server.span_id), "{framework}: {s:#?}");
                assert_eq!(s.status.code, StatusCode::Unset, "{framework}: redis.Nil is not an error: {s:#?}");
                assert!(s.duration_nanos() >= 0);
                (s.scope.name.clone(), s.name.clone(), string(s, "db.query.text"))
            })
            .collect();
        children.sort();
        let expected = [
            // go-redis v8 and v9 are one instrumentation, "goredis": one scope.
            ("autotel.dev/go/hooks/goredis", "GET", "GET missing"),
            ("autotel.dev/go/hooks/goredis", "PIPELINE INCR", "INCR visits; INCR visits"),
            ("autotel.dev/go/hooks/redigo", "GET", "GET user:7"),
            ("autotel.dev/go/hooks/redigo", "SET", "SET user:7 ?"),
        ]
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()));
        assert_eq!(children, expected, "{framework}: one span per redigo command (Send … Receive), one per go-redis pipeline");
        let pipeline = spans.iter().find(|s| s.name == "PIPELINE INCR").unwrap();
        assert_eq!(int(pipeline, "db.operation.batch.size"), 2);
        assert_eq!(int(pipeline, "server.port"), redis.port as i64);
        let violations = semconv_violations(&spans);
        assert!(violations.is_empty(), "{framework}: {}", violations.join("\n"));

        // A handler error: the server span is an error with an exception event.
        let (status, _) = http_get(&service.url("/fail"), &[]);
        assert_eq!(status, 500);
        let failed = server_span(&receiver, framework, "GET /fail");
        assert_eq!(failed.status.code, StatusCode::Error, "{framework}: {failed:#?}");
        assert!(failed.events.iter().any(|e| e.name == "exception"), "{framework}: {failed:#?}");

        // A panic leaves the framework: net/http recovers it as it would without autotel.
        let response = raw_get(service.addr, "/boom");
        assert_eq!(response, "", "{framework}: net/http closes the connection of a panicking handler");
        let boom = server_span(&receiver, framework, "GET /boom");
        assert_eq!(boom.status.code, StatusCode::Error, "{framework}: {boom:#?}");
        assert!(boom.events.iter().any(|e| e.name == "exception"), "{framework}: {boom:#?}");

        // The duration metric carries the framework's route too.
        let expected = ["/boom", "/fail", "/users/:id"].map(String::from).to_vec();
        let routes = || crate::routers::metric_routes(&receiver, framework);
        assert!(
            receiver.store().wait_until(Duration::from_secs(30), |_| routes() == expected),
            "{framework}: http.route of the duration data points: {:?}",
            routes()
        );

        let (_, out, err) = service.stop();
        assert!(err.contains(": boom\n"), "{framework}: net/http logged the handler's own panic value:\n{err}");
        let trace_id = server.trace_id.to_string();
        let logrus_line = out.lines().find(|l| l.contains(r#""msg":"user lookup""#)).unwrap_or_else(|| panic!("{framework}: no logrus line:\n{out}"));
        assert!(logrus_line.contains(&format!(r#""trace_id":"{trace_id}""#)), "{framework}: {logrus_line}");
        let zap_line = out.lines().find(|l| l.contains("\tuser lookup\t")).unwrap_or_else(|| panic!("{framework}: no zap line:\n{out}"));
        assert!(zap_line.contains(&format!(r#""trace_id": "{trace_id}""#)), "{framework}: {zap_line}");
        let zerolog_line = |message: &str| {
            let text = format!(r#""message":"{message}""#);
            out.lines().find(|l| l.contains(&text)).unwrap_or_else(|| panic!("{framework}: no zerolog line {message:?}:\n{out}"))
        };
        let plain = zerolog_line("zerolog user lookup");
        assert!(plain.contains(&format!(r#""trace_id":"{trace_id}""#)) && plain.contains(r#""span_id":""#), "{framework}: {plain}");
        let own = zerolog_line("zerolog own trace_id");
        assert_eq!(own.matches(r#""trace_id":"#).count(), 1, "{framework}: the application's trace_id stays the only one: {own}");
        assert!(own.contains(r#""trace_id":"set-by-the-app""#), "{framework}: {own}");
    }
}
