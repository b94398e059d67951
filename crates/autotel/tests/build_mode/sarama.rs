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

use crate::kafka_pair::*;

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
