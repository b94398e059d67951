//! End to end, as root, against a real Apache Kafka broker (from Maven Central, KRaft mode,
//! started by the harness): `testdata/apps/attach-kafka` (net/http + segmentio/kafka-go),
//! built with plain `go build`, attached. A request writes two messages in one WriteMessages
//! call; the program's reader goroutine reads them. Checked: the producer span `send {topic}`
//! (kind producer, child of the request's server span, batch count 2) and one `receive
//! {topic}` span per message (kind client), with the messaging attributes.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use attach::Target;
use common::*;
use otlp::model::{Span, SpanKind, StatusCode};

const TRACE: &str = "6bf92f3577b34da6a3ce929d0e0e4738";
const TOPIC: &str = "orders";

fn get(url: &str, traceparent: Option<&str>) -> (u16, String) {
    let mut req = ureq::get(url).timeout(Duration::from_secs(20));
    if let Some(tp) = traceparent {
        req = req.set("traceparent", tp);
    }
    match req.call() {
        Ok(r) => (r.status(), r.into_string().unwrap_or_default()),
        Err(ureq::Error::Status(code, r)) => (code, r.into_string().unwrap_or_default()),
        Err(e) => panic!("GET {url}: {e}"),
    }
}

#[test]
fn attach_traces_kafka_go_writer_and_reader() {
    check("kafka-plain", &[]);
}

/// Without DWARF the kafka-go offsets come from the fallback table.
#[test]
fn attach_traces_kafka_go_in_a_stripped_build() {
    check("kafka-stripped", &["-ldflags=-s -w"]);
}

fn check(variant: &str, flags: &[&str]) {
    require_root_and_bpf();
    let broker = kafka_broker();
    let broker_addr = &broker.values["kafka.addr"];
    let exe = build("attach-kafka", variant, flags, &[("CGO_ENABLED", "0")]);
    let text = attach::check(&exe).expect("check").to_string();
    assert!(text.contains("+ kafka-go writer") && text.contains("+ kafka-go reader"), "{text}");

    let rx = receiver();
    let app = App::start(&exe, &["-addr", "127.0.0.1:0", "-broker", broker_addr, "-topic", TOPIC], &[]);
    let base = format!("http://{}", app.addr);
    let attached = attach_to(Target::Pid(app.child.id()), &rx);
    let start = Instant::now();
    loop {
        attached.assert_running();
        let (status, body) = get(&format!("{base}/produce"), None);
        assert_eq!(status, 200, "{body}");
        let spans = rx.store().spans();
        if spans.iter().any(|s| s.name == format!("send {TOPIC}")) && spans.iter().any(|s| s.name == format!("receive {TOPIC}")) {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(40), "no kafka spans after 40 s:\n{}", describe(&spans));
        std::thread::sleep(Duration::from_millis(300));
    }
    // Let the warm-up messages drain before the measured request.
    std::thread::sleep(Duration::from_secs(1));

    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_nanos() as u64;
    let tp = format!("00-{TRACE}-00f067aa0ba902b7-01");
    let (status, body) = get(&format!("{base}/produce"), Some(&tp));
    assert_eq!((status, body.as_str()), (200, "sent 2\n"));
    let receives = |s: &[Arc<Span>]| -> Vec<Arc<Span>> {
        s.iter().filter(|s| s.name == format!("receive {TOPIC}") && s.end_unix_nanos >= since).cloned().collect()
    };
    let spans = wait_for_spans(&rx, "the producer span and two receive spans", Duration::from_secs(20), |s| {
        s.iter().any(|s| hex(&s.trace_id.0) == TRACE && s.kind == SpanKind::Producer) && receives(s).len() >= 2
    });
    let server = spans
        .iter()
        .find(|s| hex(&s.trace_id.0) == TRACE && s.kind == SpanKind::Server)
        .expect("server span");
    assert_eq!(server.name, "GET /produce");
    let send = spans.iter().find(|s| hex(&s.trace_id.0) == TRACE && s.kind == SpanKind::Producer).expect("producer span");
    assert_eq!(send.name, format!("send {TOPIC}"));
    assert_eq!(send.parent_span_id, Some(server.span_id), "{}", describe(&spans));
    assert_eq!(send.attr_str("messaging.system"), Some("kafka"));
    assert_eq!(send.attr_str("messaging.operation.name"), Some("send"));
    assert_eq!(send.attr_str("messaging.operation.type"), Some("send"));
    assert_eq!(send.attr_str("messaging.destination.name"), Some(TOPIC));
    assert_eq!(send.attr_int("messaging.batch.message_count"), Some(2));
    assert_ne!(send.status.code, StatusCode::Error);

    let (host, port) = broker_addr.rsplit_once(':').expect("host:port");
    let recv = receives(&spans);
    assert_eq!(recv.len(), 2, "{}", describe(&spans));
    for r in &recv {
        assert_eq!(r.kind, SpanKind::Client);
        assert_eq!(r.attr_str("messaging.system"), Some("kafka"));
        assert_eq!(r.attr_str("messaging.operation.name"), Some("receive"));
        assert_eq!(r.attr_str("messaging.operation.type"), Some("receive"));
        assert_eq!(r.attr_str("messaging.destination.name"), Some(TOPIC));
        assert_eq!(r.attr_str("messaging.destination.partition.id"), Some("0"));
        assert_eq!(r.attr_str("server.address"), Some(host));
        assert_eq!(r.attr_int("server.port"), Some(port.parse().expect("port")));
        assert_ne!(r.status.code, StatusCode::Error);
        assert!(r.end_unix_nanos >= r.start_unix_nanos);
    }

    attached.finish();
    let (status, stdout, stderr) = app.stop();
    assert!(status.success(), "the app exited with {status}: {stderr}");
    assert!(stdout.ends_with("bye\n"), "{stdout}");
    assert!(stdout.contains("got order-") , "{stdout}");
}
