//! What the Kafka client tests share (kafkago.rs, franzgo.rs, sarama.rs): a real broker
//! (`peersuite::servers::kafka`), the client's pair app (`testdata/apps/<fixture>`, whose
//! `produce ADDR TOPIC` writes four messages and `consume ADDR TOPIC GROUP N` reads them in a
//! consumer group) built with `autotel go build` at a chosen release of the client, its two runs
//! as the services `kafka-producer` and `kafka-consumer`, the Kafka spans they exported, what
//! every send and receive span has, and the whole check of a client with one send span per
//! message (franz-go, sarama).

use crate::support::*;
use otlp::model::{Span, SpanKind, StatusCode, Value};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

pub const TOPIC: &str = "orders";
pub const GROUP: &str = "billing";
/// The traceparent both pair apps set themselves on message "own".
pub const OWN_TRACE: &str = "0af7651916cd43dd8448eb211c80319c";
pub const OWN_SPAN: &str = "b7ad6b7169203331";

/// One produce-then-consume run of a pair app.
pub struct PairRun {
    /// The broker's port (server.port on every span).
    pub port: String,
    /// What the producer and the consumer printed.
    pub produced: String,
    pub consumed: String,
    /// Everything exported, and the Kafka spans among it (those with messaging.system).
    pub all: Vec<Arc<Span>>,
    pub spans: Vec<Arc<Span>>,
}

pub fn service(span: &Span) -> String {
    match span.resource.attributes.get("service.name") {
        Some(Value::String(s)) => s.clone(),
        other => panic!("span {:?} has service.name {other:?}", span.name),
    }
}

fn run(app: &App, binary: &str, receiver: &BackgroundReceiver, service: &str, args: &[&str]) -> String {
    let mut command = Command::new(app.binary(binary));
    command.args(args);
    otel_env(&mut command, receiver, service);
    let out = command.output().unwrap();
    assert!(out.status.success(), "{binary} {args:?} failed:\n{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// Builds `fixture` with `module` at `version` (None: the fixture's own), produces (`produce`)
/// and consumes four messages against a fresh broker, and waits until at least `sends`
/// successful PRODUCER spans and four successful receive (CLIENT) spans arrived.
pub fn produce_and_consume(fixture: &str, module: &str, version: Option<&str>, sends: usize) -> PairRun {
    let run = produce_and_consume_with(fixture, module, version, "produce", 4, sends);
    assert_eq!(run.produced, "produced 4\n");
    run
}

/// [`produce_and_consume`] with the pair app's producer command `produce` (what it printed is
/// in [`PairRun::produced`]) and `messages` consumed and awaited as receive spans.
pub fn produce_and_consume_with(fixture: &str, module: &str, version: Option<&str>, produce: &str, messages: usize, sends: usize) -> PairRun {
    let state = tempfile::tempdir().unwrap();
    let broker = peersuite::servers::kafka(None, state.path(), Path::new(env!("CARGO_TARGET_TMPDIR")))
        .unwrap_or_else(|e| panic!("the Kafka broker: {e}"));
    let addr = broker.values["kafka.addr"].clone();
    let app = App::copy(fixture);
    if let Some(v) = version {
        let get = app.go(&["get", &format!("{module}@{v}")]);
        assert!(get.status.success(), "{}", String::from_utf8_lossy(&get.stderr));
    }
    app.autotel_go(&["build", "-o", &format!("bin/{fixture}"), "."]);
    let receiver = receiver();
    let produced = run(&app, fixture, &receiver, "kafka-producer", &[produce, &addr, TOPIC]);
    let consumed = run(&app, fixture, &receiver, "kafka-consumer", &["consume", &addr, TOPIC, GROUP, &messages.to_string()]);
    let store = receiver.store();
    let kafka_spans = |s: &[Arc<Span>]| -> Vec<Arc<Span>> { s.iter().filter(|s| attr(s, "messaging.system").is_some()).cloned().collect() };
    let complete = |s: &[Arc<Span>]| {
        let ok = |kind| kafka_spans(s).iter().filter(|s| s.kind == kind && s.status.code != StatusCode::Error).count();
        ok(SpanKind::Producer) >= sends && ok(SpanKind::Client) >= messages
    };
    assert!(
        store.wait_until(Duration::from_secs(60), |s| complete(&s.spans())),
        "{sends} send and {messages} receive spans arrive; got {:#?}",
        store.spans()
    );
    let all = store.spans();
    PairRun { port: broker.values["kafka.port"].clone(), produced, consumed, spans: kafka_spans(&all), all }
}

/// What every send span of the producer has: name, service, messaging and broker attributes.
pub fn assert_send(s: &Span, port: &str) {
    assert_eq!((s.name.as_str(), service(s).as_str()), ("send orders", "kafka-producer"), "{s:#?}");
    assert_eq!(attr(s, "messaging.system").as_deref(), Some("kafka"));
    assert_eq!(attr(s, "messaging.operation.name").as_deref(), Some("send"));
    assert_eq!(attr(s, "messaging.operation.type").as_deref(), Some("send"));
    assert_eq!(attr(s, "messaging.destination.name").as_deref(), Some(TOPIC));
    assert_eq!(attr(s, "server.address").as_deref(), Some("127.0.0.1"));
    assert_eq!(attr(s, "server.port").as_deref(), Some(port));
}

/// What the consumer's receive span of the message at `offset` (partition 0) has.
pub fn assert_receive(r: &Span, offset: i64, port: &str) {
    assert_eq!((r.name.as_str(), service(r).as_str()), ("receive orders", "kafka-consumer"), "{r:#?}");
    assert_eq!(attr(r, "messaging.system").as_deref(), Some("kafka"));
    assert_eq!(attr(r, "messaging.operation.name").as_deref(), Some("receive"));
    assert_eq!(attr(r, "messaging.operation.type").as_deref(), Some("receive"));
    assert_eq!(attr(r, "messaging.destination.name").as_deref(), Some(TOPIC));
    assert_eq!(attr(r, "messaging.destination.partition.id").as_deref(), Some("0"));
    assert_eq!(attr(r, "messaging.kafka.offset"), Some(offset.to_string()), "{r:#?}");
    assert_eq!(attr(r, "messaging.consumer.group.name").as_deref(), Some(GROUP));
    assert_eq!(attr(r, "server.address").as_deref(), Some("127.0.0.1"));
    assert_eq!(attr(r, "server.port").as_deref(), Some(port));
    assert_ne!(r.status.code, StatusCode::Error, "{r:#?}");
    assert!(r.end_unix_nanos >= r.start_unix_nanos);
}

pub fn offset(span: &Span) -> Option<i64> {
    attr(span, "messaging.kafka.offset").map(|o| o.parse().unwrap())
}

/// The checks of a client with one send span per message (franz-go, sarama), whose pair app
/// sends "one" (key k1), then "two" (the app's header) and "three" from GET /batch's handler
/// without a ctx, then "own" (the app's own traceparent), one message at a time or in one call.
pub fn check_send_per_message(fixture: &str, module: &str, version: Option<&str>) {
    let PairRun { port, consumed, all, spans, .. } = produce_and_consume(fixture, module, version, 4);

    // The app sends a message that failed while the new topic's leader was not known yet
    // again (the same record or message): the failed attempt's span is an error span with
    // error.type and no offset, and not the parent of the next attempt's; the others succeeded.
    let mut sends: Vec<&Arc<Span>> = spans.iter().filter(|s| s.kind == SpanKind::Producer).collect();
    for failed in sends.iter().filter(|s| s.status.code == StatusCode::Error) {
        assert!(attr(failed, "error.type").is_some() && offset(failed).is_none(), "{failed:#?}");
        assert!(!sends.iter().any(|s| s.parent_span_id == Some(failed.span_id)), "{sends:#?}");
    }
    sends.retain(|s| s.status.code != StatusCode::Error);
    sends.sort_by_key(|s| offset(s));
    assert_eq!(sends.len(), 4, "{sends:#?}");
    for (i, s) in sends.iter().enumerate() {
        assert_send(s, &port);
        assert_eq!(attr(s, "messaging.destination.partition.id").as_deref(), Some("0"));
        assert_eq!(offset(s), Some(i as i64), "{s:#?}");
        assert!(s.end_unix_nanos >= s.start_unix_nanos);
    }
    assert_eq!((sends[0].parent_span_id, sends[3].parent_span_id), (None, None), "{sends:#?}");
    // "two" and "three" were sent by GET /batch's handler, without a ctx.
    for s in &sends[1..3] {
        let handler = all.iter().find(|h| h.kind == SpanKind::Server && Some(h.span_id) == s.parent_span_id);
        assert!(handler.is_some_and(|h| h.trace_id == s.trace_id && h.name == "GET"), "the message's parent is the handler's span: {s:#?}\n{all:#?}");
    }
    assert_eq!(sends[1].parent_span_id, sends[2].parent_span_id);
    assert!(sends.iter().all(|s| attr(s, "messaging.batch.message_count").is_none()), "one span per message: {sends:#?}");
    assert_eq!(attr(sends[0], "messaging.kafka.message.key").as_deref(), Some("k1"));
    assert!(sends[1..].iter().all(|s| attr(s, "messaging.kafka.message.key").is_none()));

    let mut receives: Vec<&Arc<Span>> = spans.iter().filter(|s| s.kind == SpanKind::Client).collect();
    receives.sort_by_key(|s| offset(s));
    assert_eq!(receives.len(), 4, "{receives:#?}");
    for (i, r) in receives.iter().enumerate() {
        assert_receive(r, i as i64, &port);
    }
    // Messages one to three carry autotel's context; "own" the application's own.
    for (r, send) in receives.iter().zip(&sends[..3]) {
        assert_eq!((r.trace_id, r.parent_span_id), (send.trace_id, Some(send.span_id)), "the receive joins the send's trace: {r:#?}\n{send:#?}");
        assert!(r.links.iter().any(|l| (l.trace_id, l.span_id) == (send.trace_id, send.span_id)), "{r:#?}");
    }
    assert_eq!(attr(receives[0], "messaging.kafka.message.key").as_deref(), Some("k1"));
    let own = receives[3];
    assert_eq!((own.trace_id.to_string(), own.parent_span_id.map(|s| s.to_string())), (OWN_TRACE.to_string(), Some(OWN_SPAN.to_string())), "{own:#?}");
    // The headers the consumer saw: autotel's traceparent on the first three (the app's own
    // header on "two" kept), the app's own traceparent kept on "own".
    let expected: Vec<String> = [("one", sends[0], ""), ("two", sends[1], "1"), ("three", sends[2], "")]
        .iter()
        .map(|(v, s, app)| format!("{v} traceparent=00-{}-{}-01 app={app}", s.trace_id, s.span_id))
        .chain([format!("own traceparent=00-{OWN_TRACE}-{OWN_SPAN}-01 app=")])
        .collect();
    assert_eq!(consumed.lines().collect::<Vec<_>>(), expected, "{consumed}");

    let violations = semconv_violations(&spans);
    assert!(violations.is_empty(), "{violations:#?}");
}
