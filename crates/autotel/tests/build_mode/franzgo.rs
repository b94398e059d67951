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

const FIXTURE: &str = "franzgo-pair";
const MODULE: &str = "github.com/twmb/franz-go";

/// The newest franz-go release (`go list -m -versions github.com/twmb/franz-go`).
const NEWEST_FRANZ_GO: &str = "v1.22.3";

#[test]
fn franz_go_producer_and_consumer_join_one_trace_across_the_broker() {
    check_send_per_message(FIXTURE, MODULE, None);
}

/// The rule's range: its floor (v1.14.0, the app's own requirement) is covered above.
#[test]
fn the_newest_franz_go_release_is_instrumented() {
    check_send_per_message(FIXTURE, MODULE, Some(NEWEST_FRANZ_GO));
}
