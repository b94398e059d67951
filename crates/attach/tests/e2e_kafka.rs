//! End to end, as root, against a real Apache Kafka broker (from Maven Central, KRaft mode,
//! started by the harness): `testdata/apps/attach-kafka` (net/http + segmentio/kafka-go),
//! built with plain `go build`, attached. A request writes two messages in one WriteMessages
//! call; the program's reader goroutine reads them. Checked: the producer span `send {topic}`
//! (kind producer, child of the request's server span, batch count 2) and one `receive
//! {topic}` span per message (kind client, with the message's offset and key), their names, kinds and attributes compared with the
//! rows of testdata/semantics/kafka.json that build mode's tests read too.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use attach::Target;
use common::*;
use otlp::model::{Span, SpanKind, StatusCode, Value};

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

/// The row of testdata/semantics/kafka.json whose `about` is `about`: (name, kind, attributes).
fn table_row(about: &str) -> (String, String, serde_json::Map<String, serde_json::Value>) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/semantics/kafka.json");
    let table: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("kafka.json")).expect("kafka.json is JSON");
    let row = table["operations"].as_array().expect("operations").iter().find(|r| r["about"] == about).unwrap_or_else(|| panic!("no row {about:?}"));
    let text = |k: &str| row[k].as_str().expect(k).to_string();
    (text("name"), text("kind"), row["attributes"].as_object().expect("attributes").clone())
}

/// Checks `span` against the row `about`, with `overrides` replacing the row's attribute values
/// that depend on the run (the broker's port).
fn check_against_table(span: &Span, about: &str, overrides: &[(&str, serde_json::Value)]) {
    let (name, kind, mut want) = table_row(about);
    for (k, v) in overrides {
        assert!(want.contains_key(*k), "row {about:?} has no {k}");
        want.insert(k.to_string(), v.clone());
    }
    let got_kind = match span.kind {
        SpanKind::Producer => "producer",
        SpanKind::Client => "client",
        _ => "other",
    };
    assert_eq!((span.name.as_str(), got_kind), (name.as_str(), kind.as_str()), "row {about:?}: {span:#?}");
    let got: serde_json::Map<String, serde_json::Value> = span
        .attributes
        .iter()
        .map(|(k, v)| {
            let v = match v {
                Value::String(s) => serde_json::Value::from(s.clone()),
                Value::Int(i) => serde_json::Value::from(*i),
                other => serde_json::Value::from(format!("{other:?}")),
            };
            (k.to_string(), v)
        })
        .collect();
    assert_eq!(got, want, "row {about:?}: {span:#?}");
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
    assert_eq!(TOPIC, "orders", "the table's rows use topic orders");
    check_against_table(send, "two messages in one WriteMessages call: one span with the batch count", &[]);
    assert_eq!(send.parent_span_id, Some(server.span_id), "{}", describe(&spans));
    assert_ne!(send.status.code, StatusCode::Error);

    let (host, port) = broker_addr.rsplit_once(':').expect("host:port");
    let recv = receives(&spans);
    assert_eq!(recv.len(), 2, "{}", describe(&spans));
    let mut offsets = Vec::new();
    for r in &recv {
        let port: i64 = port.parse().expect("port");
        let offset = r.attr_int("messaging.kafka.offset").unwrap_or_else(|| panic!("no offset: {r:#?}"));
        offsets.push(offset);
        let overrides = [
            ("server.address", serde_json::Value::from(host)),
            ("server.port", serde_json::Value::from(port)),
            ("messaging.kafka.offset", serde_json::Value::from(offset)),
        ];
        check_against_table(r, "a reader without a consumer group reads its one partition: the message's offset and key", &overrides);
        assert_ne!(r.status.code, StatusCode::Error);
        assert!(r.end_unix_nanos >= r.start_unix_nanos);
    }

    // The two messages of one WriteMessages call are consecutive in the partition.
    offsets.sort();
    assert_eq!(offsets[1], offsets[0] + 1, "{}", describe(&spans));

    attached.finish();
    let (status, stdout, stderr) = app.stop();
    assert!(status.success(), "the app exited with {status}: {stderr}");
    assert!(stdout.ends_with("bye\n"), "{stdout}");
    assert!(stdout.contains("got order-") , "{stdout}");
}
