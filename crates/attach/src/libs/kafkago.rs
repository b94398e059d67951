//! segmentio/kafka-go: a producer span per `(*Writer).WriteMessages`, a receive span per
//! `(*Reader).FetchMessage` (with the returned message's partition, offset and key). BPF side:
//! `bpf/lib/kafkago.bpf.h`; spans: `kafka_span` below.

use opentelemetry_proto::tonic::trace::v1::span;

use super::{Analysis, Library, SpanParts};
use crate::event::{EventKind, SpanEvent};
use crate::offsets::*;
use crate::plan::{PlannedProbe, SkippedProbe};
#[cfg(bpf_built)]
use crate::plan::CheckReport;
use crate::probes::{ProbeId, ProbeSpec};
use crate::spans::{kv_int, kv_str, server_address, split_host_port, Semantics};

pub struct KafkaGo;

pub const KAFKA_WRITER_TOPIC: Field = req("github.com/segmentio/kafka-go.Writer", "Topic");
pub const KAFKA_MESSAGE_TOPIC: Field = req("github.com/segmentio/kafka-go.Message", "Topic");
pub const KAFKA_MESSAGE_PARTITION: Field = opt("github.com/segmentio/kafka-go.Message", "Partition");
pub const KAFKA_MESSAGE_OFFSET: Field = opt("github.com/segmentio/kafka-go.Message", "Offset");
pub const KAFKA_MESSAGE_KEY: Field = opt("github.com/segmentio/kafka-go.Message", "Key");
pub const KAFKA_READER_CONFIG: Field = req("github.com/segmentio/kafka-go.Reader", "config");
pub const KAFKA_READERCFG_TOPIC: Field = req("github.com/segmentio/kafka-go.ReaderConfig", "Topic");
pub const KAFKA_READERCFG_GROUP: Field = opt("github.com/segmentio/kafka-go.ReaderConfig", "GroupID");
pub const KAFKA_READERCFG_BROKERS: Field = opt("github.com/segmentio/kafka-go.ReaderConfig", "Brokers");
pub const KAFKA_READERCFG_PARTITION: Field = opt("github.com/segmentio/kafka-go.ReaderConfig", "Partition");

/// Where `offsets.json` gets these fields for targets without DWARF (`crate::offsets::MODULE_PROBES`).
pub const OFFSETS_PROBE: ModuleProbe = ModuleProbe {
    module: "github.com/segmentio/kafka-go",
    probe: "attach-offsets-probe-kafka",
    versions: &["v0.4.47", "v0.4.51"],
    fields: &[
        KAFKA_WRITER_TOPIC,
        KAFKA_MESSAGE_TOPIC,
        KAFKA_MESSAGE_PARTITION,
        KAFKA_MESSAGE_OFFSET,
        KAFKA_MESSAGE_KEY,
        KAFKA_READER_CONFIG,
        KAFKA_READERCFG_TOPIC,
        KAFKA_READERCFG_GROUP,
        KAFKA_READERCFG_BROKERS,
        KAFKA_READERCFG_PARTITION,
    ],
};

pub(crate) const PROBES: &[ProbeSpec] = &[
    ProbeSpec {
        id: ProbeId::KafkaWrite,
        programs: ("kafka_write_enter", Some("kafka_write_ret")),
        instrumentation: "kafkago",
        what: "kafka-go writer",
        function: "github.com/segmentio/kafka-go.(*Writer).WriteMessages",
        also: &[],
        fields: &[G_GOID, KAFKA_WRITER_TOPIC, KAFKA_MESSAGE_TOPIC],
        ignore_calls_from: None,
        at_calls_to: None,
        also_calls_to: &[],
        exit_at_calls: None,
    },
    ProbeSpec {
        id: ProbeId::KafkaFetch,
        programs: ("kafka_fetch_enter", Some("kafka_fetch_ret")),
        instrumentation: "kafkago",
        what: "kafka-go reader",
        function: "github.com/segmentio/kafka-go.(*Reader).FetchMessage",
        also: &[],
        fields: &[
            G_GOID,
            KAFKA_MESSAGE_PARTITION,
            KAFKA_MESSAGE_OFFSET,
            KAFKA_MESSAGE_KEY,
            KAFKA_READER_CONFIG,
            KAFKA_READERCFG_TOPIC,
            KAFKA_READERCFG_GROUP,
            KAFKA_READERCFG_BROKERS,
            KAFKA_READERCFG_PARTITION,
        ],
        ignore_calls_from: None,
        at_calls_to: None,
        also_calls_to: &[],
        exit_at_calls: None,
    },
];

impl Library for KafkaGo {
    fn name(&self) -> &'static str {
        "kafkago"
    }

    fn probes(&self) -> &'static [ProbeSpec] {
        PROBES
    }

    fn span<'a>(&self, e: &'a SpanEvent, _: &'a Semantics) -> Option<SpanParts<'a>> {
        matches!(e.kind, EventKind::KafkaSend | EventKind::KafkaRecv).then(|| kafka_span(e))
    }

    fn review(&self, planned: &mut [PlannedProbe], _: &mut Vec<SkippedProbe>, _: &Analysis) -> Vec<String> {
        if !planned.iter().any(|p| p.spec.instrumentation == self.name()) {
            return Vec::new();
        }
        vec!["kafka-go receive spans do not link to the producer's trace (message headers are not read or written)".into()]
    }

    #[cfg(bpf_built)]
    fn configure(&self, ro: &mut super::Rodata, report: &CheckReport) {
        let o = &report.offsets;
        let get = |f: Field| o.get(f).unwrap_or(0);
        ro.off_kafka_writer_topic = get(KAFKA_WRITER_TOPIC);
        ro.off_kafka_message_topic = get(KAFKA_MESSAGE_TOPIC);
        ro.off_kafka_reader_config = get(KAFKA_READER_CONFIG);
        ro.off_kafka_readercfg_topic = get(KAFKA_READERCFG_TOPIC);
        ro.off_kafka_readercfg_group = get(KAFKA_READERCFG_GROUP);
        ro.off_kafka_readercfg_brokers = get(KAFKA_READERCFG_BROKERS);
        ro.off_kafka_readercfg_partition = get(KAFKA_READERCFG_PARTITION);
        ro.off_kafka_message_partition = get(KAFKA_MESSAGE_PARTITION);
        ro.off_kafka_message_offset = get(KAFKA_MESSAGE_OFFSET);
        ro.off_kafka_message_key = get(KAFKA_MESSAGE_KEY);
        ro.have_kafka_message =
            [KAFKA_MESSAGE_PARTITION, KAFKA_MESSAGE_OFFSET, KAFKA_MESSAGE_KEY].iter().all(|f| o.get(*f).is_some()) as u8;
        ro.have_kafka_group = o.get(KAFKA_READERCFG_GROUP).is_some() as u8;
        ro.have_kafka_brokers = o.get(KAFKA_READERCFG_BROKERS).is_some() as u8;
        ro.have_kafka_partition = o.get(KAFKA_READERCFG_PARTITION).is_some() as u8;
    }
}

/// kafka-go (messaging conventions): the writer's `send {topic}`, kind producer; the
/// reader's `receive {topic}`, kind client (a pull-based receive).
fn kafka_span(e: &SpanEvent) -> SpanParts<'_> {
    let send = e.kind == EventKind::KafkaSend;
    let op = if send { "send" } else { "receive" };
    let mut attrs = vec![
        kv_str("messaging.system", "kafka"),
        kv_str("messaging.operation.name", op),
        kv_str("messaging.operation.type", op),
    ];
    if !e.text.is_empty() {
        attrs.push(kv_str("messaging.destination.name", e.text.as_str()));
    }
    if send {
        if e.count > 1 {
            attrs.push(kv_int("messaging.batch.message_count", e.count));
        }
    } else {
        // The message's partition; without the message (an error, or no offsets for it) a
        // reader without a group reads the one partition it was configured with.
        if e.count >= 0 && (e.has_status || e.aux[0].is_empty()) {
            attrs.push(kv_str("messaging.destination.partition.id", e.count.to_string()));
        }
        if e.has_status {
            attrs.push(kv_int("messaging.kafka.offset", e.status));
        }
        if !e.aux[0].is_empty() {
            attrs.push(kv_str("messaging.consumer.group.name", e.aux[0].as_str()));
        }
        if !e.aux[2].is_empty() {
            attrs.push(kv_str("messaging.kafka.message.key", e.aux[2].as_str()));
        }
        server_address(&mut attrs, split_host_port(&e.aux[1]));
    }
    if e.is_error {
        attrs.push(kv_str("error.type", "_OTHER"));
    }
    let name = if e.text.is_empty() { op.to_owned() } else { format!("{op} {}", e.text) };
    let kind = if send { span::SpanKind::Producer } else { span::SpanKind::Client };
    (name, kind, e.is_error, attrs)
}
