//! What the Kafka client tests share (kafkago.rs, franzgo.rs): a real broker
//! (`peersuite::servers::kafka`), the client's pair app (`testdata/apps/<fixture>`, whose
//! `produce ADDR TOPIC` writes four messages and `consume ADDR TOPIC GROUP N` reads them in a
//! consumer group) built with `autotel go build` at a chosen release of the client, its two runs
//! as the services `kafka-producer` and `kafka-consumer`, and the Kafka spans they exported.

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
    /// What the consumer printed.
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

/// Builds `fixture` with `module` at `version` (None: the fixture's own), produces and consumes
/// against a fresh broker, and waits until at least `sends` successful PRODUCER spans and four
/// successful receive (CLIENT) spans arrived.
pub fn produce_and_consume(fixture: &str, module: &str, version: Option<&str>, sends: usize) -> PairRun {
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
    let produced = run(&app, fixture, &receiver, "kafka-producer", &["produce", &addr, TOPIC]);
    assert_eq!(produced, "produced 4\n");
    let consumed = run(&app, fixture, &receiver, "kafka-consumer", &["consume", &addr, TOPIC, GROUP, "4"]);
    let store = receiver.store();
    let kafka_spans = |s: &[Arc<Span>]| -> Vec<Arc<Span>> { s.iter().filter(|s| attr(s, "messaging.system").is_some()).cloned().collect() };
    let complete = |s: &[Arc<Span>]| {
        let ok = |kind| kafka_spans(s).iter().filter(|s| s.kind == kind && s.status.code != StatusCode::Error).count();
        ok(SpanKind::Producer) >= sends && ok(SpanKind::Client) >= 4
    };
    assert!(
        store.wait_until(Duration::from_secs(60), |s| complete(&s.spans())),
        "{sends} send and 4 receive spans arrive; got {:#?}",
        store.spans()
    );
    let all = store.spans();
    PairRun { port: broker.values["kafka.port"].clone(), consumed, spans: kafka_spans(&all), all }
}
