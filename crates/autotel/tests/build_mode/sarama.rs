//! IBM/sarama in build mode, against a real Apache Kafka broker (KRaft, jars from Maven Central,
//! started by `peersuite::servers::kafka`): testdata/apps/sarama-pair built with
//! `autotel go build`, a producer process sends four messages through a SyncProducer (sending a
//! message that failed again, the same `*ProducerMessage`) and exits, then a consumer process in a
//! consumer group consumes them. Checked: one PRODUCER span `send {topic}` per message with the
//! partition and offset the broker gave (the key on "one"), one CLIENT span `receive {topic}` per
//! consumed message with partition, offset, group and broker, each the child of (and linked to)
//! the send span whose traceparent its message carries, so the consumer's spans join the
//! producer's traces across the broker; messages sent by SendMessages inside a net/http handler
//! are children of the handler's server span (goroutine-local context); the application's own
//! header and its own traceparent are kept, and the app itself checks that its Config is not
//! changed and that every message comes back with exactly the headers it was given. The oldest
//! sarama release the rule covers (the app's v1.40.1) and the newest.
//!
//! The AsyncProducer too (`produce-async`): two messages with Return.Successes on, one with it
//! off (sarama never hands it back to the application, its span must end all the same), and one
//! to a topic that does not exist with auto-creation off, whose span ends with sarama's error;
//! the consumer's spans join the three delivered messages' traces.

use crate::kafka_pair::*;
use crate::support::*;
use otlp::model::{SpanKind, StatusCode};

const FIXTURE: &str = "sarama-pair";
const MODULE: &str = "github.com/IBM/sarama";

/// The newest sarama release (`go list -m -versions github.com/IBM/sarama`).
const NEWEST_SARAMA: &str = "v1.62.0";

#[test]
fn sarama_producer_and_consumer_join_one_trace_across_the_broker() {
    check_send_per_message(FIXTURE, MODULE, None);
}

/// The rule's range: its floor (v1.40.1, the app's own requirement) is covered above.
#[test]
fn the_newest_sarama_release_is_instrumented() {
    check_send_per_message(FIXTURE, MODULE, Some(NEWEST_SARAMA));
}

#[test]
fn sarama_async_producer_messages_join_the_consumers_traces() {
    check_async(None);
}

#[test]
fn the_newest_sarama_async_producer_is_instrumented() {
    check_async(Some(NEWEST_SARAMA));
}

/// `produce-async`: "a1" (key ka) and "a2" (the app's header) with Return.Successes on, the lost
/// message to topic "missing", then "b1" with Return.Successes off; the consumer reads three.
fn check_async(version: Option<&str>) {
    let PairRun { port, produced, consumed, spans, .. } = produce_and_consume_with(FIXTURE, MODULE, version, "produce-async", 3, 3);
    // The app checked that the lost message failed with ErrUnknownTopicOrPartition, and printed
    // the error's type (sarama.KError at v1.40.1, newer releases wrap it in errors.Join).
    let (lost_type, rest) = produced.strip_prefix("failed missing ").and_then(|p| p.split_once('\n')).unwrap_or_else(|| panic!("{produced}"));
    assert_eq!(rest, "produced 3\n");

    let sends: Vec<_> = spans.iter().filter(|s| s.kind == SpanKind::Producer).collect();
    assert_eq!(sends.len(), 4, "one span per message, a retried one included: {sends:#?}");
    let (failed, mut sent): (Vec<_>, Vec<_>) = sends.into_iter().partition(|s| s.status.code == StatusCode::Error);
    let [lost] = failed.as_slice() else { panic!("one failed send: {failed:#?}") };
    assert_eq!(lost.name, "send missing", "{lost:#?}");
    assert_eq!(attr(lost, "messaging.destination.name").as_deref(), Some("missing"));
    assert_eq!(attr(lost, "error.type").as_deref(), Some(lost_type), "{lost:#?}");
    assert!(offset(lost).is_none() && lost.end_unix_nanos >= lost.start_unix_nanos, "{lost:#?}");

    sent.sort_by_key(|s| offset(s));
    for (i, s) in sent.iter().enumerate() {
        assert_send(s, &port);
        assert_eq!(attr(s, "messaging.destination.partition.id").as_deref(), Some("0"));
        assert_eq!(offset(s), Some(i as i64), "{s:#?}");
        assert!(s.end_unix_nanos >= s.start_unix_nanos && s.parent_span_id.is_none(), "{s:#?}");
    }
    assert_eq!(attr(sent[0], "messaging.kafka.message.key").as_deref(), Some("ka"));

    let mut receives: Vec<_> = spans.iter().filter(|s| s.kind == SpanKind::Client).collect();
    receives.sort_by_key(|s| offset(s));
    assert_eq!(receives.len(), 3, "{receives:#?}");
    for (i, (r, send)) in receives.iter().zip(&sent).enumerate() {
        assert_receive(r, i as i64, &port);
        assert_eq!((r.trace_id, r.parent_span_id), (send.trace_id, Some(send.span_id)), "the receive joins the send's trace: {r:#?}\n{send:#?}");
        assert!(r.links.iter().any(|l| (l.trace_id, l.span_id) == (send.trace_id, send.span_id)), "{r:#?}");
    }
    let expected: Vec<String> =
        [("a1", ""), ("a2", "2"), ("b1", "")].iter().zip(&sent).map(|((v, app), s)| format!("{v} traceparent=00-{}-{}-01 app={app}", s.trace_id, s.span_id)).collect();
    assert_eq!(consumed.lines().collect::<Vec<_>>(), expected, "{consumed}");

    let violations = semconv_violations(&spans);
    assert!(violations.is_empty(), "{violations:#?}");
}
