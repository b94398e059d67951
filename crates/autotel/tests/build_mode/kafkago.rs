//! segmentio/kafka-go in build mode, against a real Apache Kafka broker (KRaft, jars from Maven
//! Central, started by `peersuite::servers::kafka`): testdata/apps/kafkago-pair built with
//! `autotel go build`, a producer process writes four messages in three WriteMessages calls and
//! exits, then a consumer process in a consumer group reads them. Checked: one PRODUCER span
//! `send {topic}` per call (batch count on the two-message call, the key on a one-message call),
//! one CLIENT span `receive {topic}` per message with partition, offset, group and broker, each
//! the child of (and linked to) the send span whose traceparent its message carries, so the
//! consumer's spans join the producer's traces across the broker; a WriteMessages call made with
//! context.Background() inside a net/http handler is a child of the handler's server span
//! (goroutine-local context); the application's own
//! traceparent header is kept, and the caller's messages are not changed. The oldest kafka-go
//! release the rule covers (the app's v0.4.1) and the newest.

use crate::kafka_pair::*;
use crate::support::*;
use otlp::model::{Span, SpanKind, StatusCode};
use std::sync::Arc;

/// The newest kafka-go release (`go list -m -versions github.com/segmentio/kafka-go`).
const NEWEST_KAFKA_GO: &str = "v0.4.51";

fn check(version: Option<&str>) {
    let PairRun { port, consumed, all, spans, .. } = produce_and_consume("kafkago-pair", "github.com/segmentio/kafka-go", version, 3);

    // The app retries a write that fails while the new topic's leader is not known yet: such
    // a call's span is an error span with error.type; the calls that succeeded are the others.
    let mut sends: Vec<&Arc<Span>> = spans.iter().filter(|s| s.kind == SpanKind::Producer).collect();
    sends.sort_by_key(|s| s.start_unix_nanos);
    for failed in sends.iter().filter(|s| s.status.code == StatusCode::Error) {
        assert!(attr(failed, "error.type").is_some(), "{failed:#?}");
    }
    sends.retain(|s| s.status.code != StatusCode::Error);
    assert_eq!(sends.len(), 3, "{sends:#?}");
    for s in &sends {
        assert_send(s, &port);
    }
    assert_eq!((sends[0].parent_span_id, sends[2].parent_span_id), (None, None), "{sends:#?}");
    // The batch was written by GET /batch's handler with context.Background().
    let handler = all.iter().find(|s| s.kind == SpanKind::Server && Some(s.span_id) == sends[1].parent_span_id);
    assert!(handler.is_some_and(|h| h.trace_id == sends[1].trace_id && h.name == "GET"), "the batch's parent is the handler's span: {sends:#?}\n{all:#?}");
    assert_eq!(attr(sends[0], "messaging.kafka.message.key").as_deref(), Some("k1"));
    assert_eq!(attr(sends[0], "messaging.batch.message_count"), None);
    assert_eq!(attr(sends[1], "messaging.batch.message_count").as_deref(), Some("2"));
    assert_eq!(attr(sends[2], "messaging.batch.message_count"), None);

    let mut receives: Vec<&Arc<Span>> = spans.iter().filter(|s| s.kind == SpanKind::Client).collect();
    receives.sort_by_key(|s| offset(s));
    assert_eq!(receives.len(), 4, "{receives:#?}");
    for (offset, r) in receives.iter().enumerate() {
        assert_receive(r, offset as i64, &port);
    }
    // Message one came from the first call, two and three from the second; "own" carries the
    // application's own context.
    let producers = [sends[0], sends[1], sends[1]];
    for (r, send) in receives.iter().zip(producers) {
        assert_eq!((r.trace_id, r.parent_span_id), (send.trace_id, Some(send.span_id)), "the receive joins the send's trace: {r:#?}\n{send:#?}");
        assert!(r.links.iter().any(|l| (l.trace_id, l.span_id) == (send.trace_id, send.span_id)), "{r:#?}");
    }
    assert_eq!(attr(receives[0], "messaging.kafka.message.key").as_deref(), Some("k1"));
    let own = receives[3];
    assert_eq!((own.trace_id.to_string(), own.parent_span_id.map(|s| s.to_string())), (OWN_TRACE.to_string(), Some(OWN_SPAN.to_string())), "{own:#?}");
    // The headers the consumer saw: autotel's traceparent on the first three, the app's own kept.
    let expected: Vec<String> = [("one", sends[0]), ("two", sends[1]), ("three", sends[1])]
        .iter()
        .map(|(v, s)| format!("{v} traceparent=00-{}-{}-01", s.trace_id, s.span_id))
        .chain([format!("own traceparent=00-{OWN_TRACE}-{OWN_SPAN}-01")])
        .collect();
    assert_eq!(consumed.lines().collect::<Vec<_>>(), expected, "{consumed}");

    let violations = semconv_violations(&spans);
    assert!(violations.is_empty(), "{violations:#?}");
}

#[test]
fn kafka_go_producer_and_consumer_join_one_trace_across_the_broker() {
    check(None);
}

/// The rule's range: its floor (v0.4.1, the app's own requirement) is covered above.
#[test]
fn the_newest_kafka_go_release_is_instrumented() {
    check(Some(NEWEST_KAFKA_GO));
}
