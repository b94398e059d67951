//! WebSocket upgrades through net/http (testdata/apps/websocket: gorilla/websocket v1.5.3 and
//! coder/websocket v1.8.15, server and client in one process). The handler hijacks the
//! connection and keeps serving it; the SERVER span ends at the upgrade, with status code 101,
//! not when the connection closes (go/hooks/nethttp/hijack.go, rules/gorillawebsocket.yaml).
//! coder's Dial goes through net/http's Transport, gorilla's Dialer writes its handshake on its
//! own connection (its hook makes the CLIENT span): either way the CLIENT span has the 101, ends
//! when the response arrives, and its traceparent makes the server span its child.

use crate::support::*;
use otlp::model::{Span, SpanKind, StatusCode};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

/// How long the dialing side keeps the upgraded connection open after the echo.
const HOLD: Duration = Duration::from_secs(3);

#[test]
fn an_upgrade_ends_the_server_span_with_101_before_the_connection_closes() {
    let app = App::copy("websocket");
    app.autotel_go(&["build", "-o", "bin/service", "."]);
    let receiver = receiver();
    let mut command = Command::new(app.binary("service"));
    otel_env(&mut command, &receiver, "websocket");
    let service = Service::start(command);
    let hold = format!("{}s", HOLD.as_secs());
    for lib in ["gorilla", "coder"] {
        // The program behaves as without autotel: the message comes back.
        assert_eq!(http_get(&service.url(&format!("/run?lib={lib}&hold={hold}")), &[]), (200, format!("hello {lib}")));
    }
    let store = receiver.store();
    let servers = |s: &otlp::Store| s.spans().iter().filter(|sp| sp.kind == SpanKind::Server).count();
    assert!(store.wait_until(Duration::from_secs(30), |s| servers(s) == 4), "{:#?}", store.spans());
    std::thread::sleep(Duration::from_millis(500)); // any other span would be exported with them
    let spans = store.spans();
    let server = |path: &str| -> Arc<Span> {
        let found: Vec<_> = spans.iter().filter(|s| s.kind == SpanKind::Server && attr(s, "url.path").as_deref() == Some(path)).collect();
        assert_eq!(found.len(), 1, "one SERVER span for {path}: {spans:#?}");
        found[0].clone()
    };
    let run_of = |lib: &str| {
        spans
            .iter()
            .find(|s| s.kind == SpanKind::Server && attr(s, "url.query").is_some_and(|q| q.contains(&format!("lib={lib}"))))
            .unwrap_or_else(|| panic!("no /run span for {lib}: {spans:#?}"))
            .clone()
    };
    let nanos = |d: Duration| d.as_nanos() as u64;
    let ended_at_upgrade = |span: &Span, run: &Span| {
        assert_eq!(attr(span, "http.response.status_code").as_deref(), Some("101"), "{span:#?}");
        assert_eq!(span.status.code, StatusCode::Unset, "{span:#?}");
        let duration = span.end_unix_nanos - span.start_unix_nanos;
        assert!(duration < nanos(HOLD / 3), "{:?} lasts {duration} ns: it ended with the connection", span.name);
        // The connection closed after HOLD, then the run handler answered.
        assert!(span.end_unix_nanos + nanos(HOLD * 2 / 3) < run.end_unix_nanos, "{span:#?}\nended after the connection closed:\n{run:#?}");
    };

    // gorilla: Upgrade writes the 101 on the hijacked connection itself.
    let gorilla = server("/gorilla");
    assert_eq!(gorilla.name, "GET /gorilla");
    let gorilla_run = run_of("gorilla");
    ended_at_upgrade(&gorilla, &gorilla_run);

    // coder: Accept writes the 101 with WriteHeader, then hijacks; Dial goes through the Transport.
    let coder = server("/coder");
    let coder_run = run_of("coder");
    assert_eq!(coder.name, "GET /coder");
    ended_at_upgrade(&coder, &coder_run);

    // The dialing side: one CLIENT span per handshake, under the /run request (gorilla's Dial
    // passes no ctx: the goroutine's current span), parent of the upgraded server span.
    for (lib, upgraded, run) in [("gorilla", &gorilla, &gorilla_run), ("coder", &coder, &coder_run)] {
        let clients: Vec<_> = spans.iter().filter(|s| s.kind == SpanKind::Client && s.parent_span_id == Some(run.span_id)).collect();
        assert_eq!(clients.len(), 1, "one CLIENT span under /run?lib={lib}: {spans:#?}");
        let client = clients[0];
        assert_eq!(client.name, "GET", "{client:#?}");
        assert_eq!(attr(client, "url.full").as_deref(), Some(format!("http://{}/{lib}", service.addr).as_str()), "{client:#?}");
        ended_at_upgrade(client, run);
        assert_eq!(upgraded.parent_span_id, Some(client.span_id), "{lib}: the upgrade request carried the client span's traceparent");
        assert_eq!(upgraded.trace_id, run.trace_id);
    }

    let violations = semconv_violations(&spans);
    assert!(violations.is_empty(), "{}", violations.join("\n"));
    drop(service);

    // The control: without the gorillawebsocket hook nothing saw gorilla's 101, written on the
    // hijacked connection. The span still ends at the hijack, with no status code: none is guessed.
    let control = crate::support::receiver();
    let mut command = Command::new(app.binary("service"));
    otel_env(&mut command, &control, "websocket");
    command.env("OTEL_GO_DISABLED_INSTRUMENTATIONS", "gorillawebsocket");
    let service = Service::start(command);
    assert_eq!(http_get(&service.url(&format!("/run?lib=gorilla&hold={hold}")), &[]), (200, "hello gorilla".to_string()));
    let store = control.store();
    assert!(store.wait_until(Duration::from_secs(30), |s| servers(s) == 2), "{:#?}", store.spans());
    let spans = store.spans();
    let gorilla = spans.iter().find(|s| s.kind == SpanKind::Server && attr(s, "url.path").as_deref() == Some("/gorilla")).unwrap();
    let run = spans.iter().find(|s| s.kind == SpanKind::Server && attr(s, "url.path").as_deref() == Some("/run")).unwrap();
    assert_eq!(attr(gorilla, "http.response.status_code"), None, "{gorilla:#?}");
    assert_eq!(gorilla.name, "GET /gorilla");
    assert!(gorilla.end_unix_nanos + nanos(HOLD * 2 / 3) < run.end_unix_nanos, "{gorilla:#?}\n{run:#?}");
    drop(service);
}
