//! twmb/franz-go (pkg/kgo) in build mode, against a real Apache Kafka broker (KRaft, jars from
//! Maven Central, started by `peersuite::servers::kafka`): testdata/apps/franzgo-pair built with
//! `autotel go build`, a producer process produces four records with ProduceSync (producing a
//! record that failed again, as the same `*kgo.Record`) and exits,
//! then a consumer process in a consumer group polls them. Checked: one PRODUCER span
//! `send {topic}` per record with the partition and offset the broker gave (the key on "one"),
//! one CLIENT span `receive {topic}` per polled record with partition, offset, group and broker,
//! each the child of (and linked to) the send span whose traceparent its record carries, so the
//! consumer's spans join the producer's traces across the broker; records produced with
//! context.Background() inside a net/http handler are children of the handler's server span
//! (goroutine-local context); the application's own header and its own traceparent are kept.
//! The oldest franz-go release the rule covers (the app's v1.14.0) and the newest.

use crate::kafka_pair::*;
use crate::support::*;
use otlp::model::{Span, SpanKind, StatusCode};
use std::sync::Arc;

/// The newest franz-go release (`go list -m -versions github.com/twmb/franz-go`).
const NEWEST_FRANZ_GO: &str = "v1.22.3";

fn offset(span: &Span) -> Option<i64> {
    attr(span, "messaging.kafka.offset").map(|o| o.parse().unwrap())
}

fn check(version: Option<&str>) {
    let PairRun { port, consumed, all, spans } = produce_and_consume("franzgo-pair", "github.com/twmb/franz-go", version, 4);

    // The app produces a record that failed while the new topic's leader was not known yet
    // again (the same *kgo.Record): the failed attempt's span is an error span with error.type
    // and no offset, and not the parent of the next attempt's; the others succeeded.
    let mut sends: Vec<&Arc<Span>> = spans.iter().filter(|s| s.kind == SpanKind::Producer).collect();
    for failed in sends.iter().filter(|s| s.status.code == StatusCode::Error) {
        assert!(attr(failed, "error.type").is_some() && offset(failed).is_none(), "{failed:#?}");
        assert!(!sends.iter().any(|s| s.parent_span_id == Some(failed.span_id)), "{sends:#?}");
    }
    sends.retain(|s| s.status.code != StatusCode::Error);
    sends.sort_by_key(|s| offset(s));
    assert_eq!(sends.len(), 4, "{sends:#?}");
    for (i, s) in sends.iter().enumerate() {
        assert_eq!((s.name.as_str(), service(s).as_str()), ("send orders", "kafka-producer"), "{s:#?}");
        assert_eq!(attr(s, "messaging.system").as_deref(), Some("kafka"));
        assert_eq!(attr(s, "messaging.operation.name").as_deref(), Some("send"));
        assert_eq!(attr(s, "messaging.operation.type").as_deref(), Some("send"));
        assert_eq!(attr(s, "messaging.destination.name").as_deref(), Some(TOPIC));
        assert_eq!(attr(s, "messaging.destination.partition.id").as_deref(), Some("0"));
        assert_eq!(offset(s), Some(i as i64), "{s:#?}");
        assert_eq!(attr(s, "server.address").as_deref(), Some("127.0.0.1"));
        assert_eq!(attr(s, "server.port").as_deref(), Some(port.as_str()));
        assert!(s.end_unix_nanos >= s.start_unix_nanos);
    }
    assert_eq!((sends[0].parent_span_id, sends[3].parent_span_id), (None, None), "{sends:#?}");
    // "two" and "three" were produced by GET /batch's handler with context.Background().
    for s in &sends[1..3] {
        let handler = all.iter().find(|h| h.kind == SpanKind::Server && Some(h.span_id) == s.parent_span_id);
        assert!(handler.is_some_and(|h| h.trace_id == s.trace_id && h.name == "GET"), "the record's parent is the handler's span: {s:#?}\n{all:#?}");
    }
    assert_eq!(sends[1].parent_span_id, sends[2].parent_span_id);
    assert_eq!(attr(sends[0], "messaging.kafka.message.key").as_deref(), Some("k1"));
    assert!(sends[1..].iter().all(|s| attr(s, "messaging.kafka.message.key").is_none()));

    let mut receives: Vec<&Arc<Span>> = spans.iter().filter(|s| s.kind == SpanKind::Client).collect();
    receives.sort_by_key(|s| offset(s));
    assert_eq!(receives.len(), 4, "{receives:#?}");
    for (i, r) in receives.iter().enumerate() {
        assert_eq!((r.name.as_str(), service(r).as_str()), ("receive orders", "kafka-consumer"), "{r:#?}");
        assert_eq!(attr(r, "messaging.system").as_deref(), Some("kafka"));
        assert_eq!(attr(r, "messaging.operation.name").as_deref(), Some("receive"));
        assert_eq!(attr(r, "messaging.operation.type").as_deref(), Some("receive"));
        assert_eq!(attr(r, "messaging.destination.name").as_deref(), Some(TOPIC));
        assert_eq!(attr(r, "messaging.destination.partition.id").as_deref(), Some("0"));
        assert_eq!(offset(r), Some(i as i64));
        assert_eq!(attr(r, "messaging.consumer.group.name").as_deref(), Some(GROUP));
        assert_eq!(attr(r, "server.address").as_deref(), Some("127.0.0.1"));
        assert_eq!(attr(r, "server.port").as_deref(), Some(port.as_str()));
        assert_ne!(r.status.code, StatusCode::Error, "{r:#?}");
        assert!(r.end_unix_nanos >= r.start_unix_nanos);
    }
    // Records one to three carry autotel's context; "own" the application's own.
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

#[test]
fn franz_go_producer_and_consumer_join_one_trace_across_the_broker() {
    check(None);
}

/// The rule's range: its floor (v1.14.0, the app's own requirement) is covered above.
#[test]
fn the_newest_franz_go_release_is_instrumented() {
    check(Some(NEWEST_FRANZ_GO));
}
