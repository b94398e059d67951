//! A fuzz loop for the OTLP decoding paths, on the stable compiler (libFuzzer needs nightly,
//! which CI does not have): [`otlp::decode_http_payload`] for every signal and both encodings
//! must never panic, whatever the bytes; what it accepts must also survive the JSON-lines
//! writer and reader and a store insertion.
//!
//! Inputs come from three sources, in turn: the seed corpus checked in under
//! `fuzz/corpus/<signal>/` (OTLP/JSON and protobuf bodies), byte- and token-level mutations of
//! corpus entries (bit flips, inserted/deleted/duplicated ranges, splices, odd varints and
//! JSON numbers), and structure-aware protobuf requests generated from random models (ids of
//! wrong lengths, unknown enum values, mismatched histogram buckets, deep nesting, extreme
//! numbers). Each input is decoded as every signal in both encodings.
//!
//! It runs for `AUTOTEL_FUZZ_SECONDS` (default 5; CI runs 60, see `.ci/run`) from the seed
//! `AUTOTEL_FUZZ_SEED` (default: the clock; printed so a failure can be replayed). A panicking
//! input is written to `target/fuzz-crashes/` and the test fails naming it.
//! `AUTOTEL_FUZZ_WRITE_SEEDS=1` rewrites the generated protobuf seeds into the corpus.

use std::fs;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{
    any_value, AnyValue, ArrayValue, InstrumentationScope, KeyValue, KeyValueList,
};
use opentelemetry_proto::tonic::logs::v1 as logs;
use opentelemetry_proto::tonic::metrics::v1 as metrics;
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1 as trace;
use otlp::{decode_http_payload, jsonl, Signal, Store, StoreLimits};
use prost::Message as _;

const SIGNALS: [Signal; 3] = [Signal::Traces, Signal::Metrics, Signal::Logs];
const CONTENT_TYPES: [&str; 2] = ["application/x-protobuf", "application/json"];

/// xorshift64*: small, fast and reproducible from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }

    /// A number a decoder may choke on.
    fn edgy_u64(&mut self) -> u64 {
        [
            0,
            1,
            u64::MAX,
            i64::MAX as u64,
            1 << 63,
            1_700_000_000_000_000_000,
        ][self.below(6)]
        .wrapping_add(if self.chance(2) { 0 } else { self.next() % 3 })
    }

    fn edgy_f64(&mut self) -> f64 {
        [
            0.0,
            -0.0,
            1.5,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MAX,
            f64::MIN_POSITIVE,
            -1e300,
        ][self.below(9)]
    }
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus")
}

fn signal_dir(signal: Signal) -> PathBuf {
    corpus_dir().join(signal.to_string())
}

/// Every checked-in seed, with the signal whose directory holds it.
fn load_corpus() -> Vec<(Signal, Vec<u8>)> {
    let mut corpus = Vec::new();
    for signal in SIGNALS {
        let dir = signal_dir(signal);
        let mut paths: Vec<PathBuf> = fs::read_dir(&dir)
            .unwrap_or_else(|error| panic!("the seed corpus {} is missing: {error}", dir.display()))
            .map(|entry| entry.expect("a corpus entry").path())
            .collect();
        paths.sort();
        for path in paths {
            corpus.push((signal, fs::read(&path).expect("a readable seed")));
        }
    }
    corpus
}

/// Decodes `input` as every signal in both encodings; what is accepted goes through the
/// JSON-lines writer, back through its reader, and into a small store.
fn exercise(input: &[u8]) {
    for signal in SIGNALS {
        for content_type in CONTENT_TYPES {
            let Ok(decoded) = decode_http_payload(signal, content_type, input) else {
                continue;
            };
            let _ = decoded.rejections.message();
            let batch = decoded.batch;
            let lines: Vec<String> = batch
                .spans
                .iter()
                .map(jsonl::span_line)
                .chain(batch.logs.iter().map(jsonl::log_line))
                .chain(batch.metric_points.iter().map(jsonl::metric_line))
                .collect();
            for line in &lines {
                if let Err(error) = jsonl::parse_line(line) {
                    panic!("a line the writer wrote does not read back: {error}\n{line}");
                }
            }
            let store = Store::new(StoreLimits {
                max_spans: 4,
                max_logs: 4,
                max_metric_points: 4,
            });
            store.insert(batch);
            let _ = store.traces();
        }
    }
}

/// A corpus entry changed in one to four ways.
fn mutate(rng: &mut Rng, input: &[u8], corpus: &[(Signal, Vec<u8>)]) -> Vec<u8> {
    let mut data = input.to_vec();
    for _ in 0..=rng.below(4) {
        let len = data.len();
        match rng.below(10) {
            0 if len > 0 => {
                let at = rng.below(len);
                data[at] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let at = rng.below(len);
                data[at] = rng.next() as u8;
            }
            2 => {
                let at = rng.below(len + 1);
                let count = 1 + rng.below(8);
                let bytes = rng.bytes(count);
                data.splice(at..at, bytes);
            }
            3 if len > 0 => {
                let from = rng.below(len);
                let to = (from + 1 + rng.below(32)).min(len);
                data.drain(from..to);
            }
            4 if len > 0 => {
                let from = rng.below(len);
                let to = (from + 1 + rng.below(64)).min(len);
                let copy = data[from..to].to_vec();
                let at = rng.below(len + 1);
                data.splice(at..at, copy);
            }
            5 => data.truncate(rng.below(len + 1)),
            6 => {
                // Splice: the head of this input, the tail of another.
                let other = &corpus[rng.below(corpus.len())].1;
                let cut = rng.below(len + 1);
                let from = rng.below(other.len() + 1);
                data.truncate(cut);
                data.extend_from_slice(&other[from..]);
            }
            7 => {
                // An overlong or maximal varint, often read as a length prefix.
                let at = rng.below(len + 1);
                let varint: &[u8] = match rng.below(3) {
                    0 => &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
                    1 => &[
                        0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00,
                    ],
                    _ => &[0xff, 0xff, 0xff, 0xff, 0x0f],
                };
                data.splice(at..at, varint.iter().copied());
            }
            8 => {
                // JSON: an odd value where a digit was.
                if let Some(at) = (0..len)
                    .map(|_| rng.below(len))
                    .find(|at| data[*at].is_ascii_digit())
                {
                    let text: &[u8] = [
                        &b"-1"[..],
                        b"1e999",
                        b"18446744073709551616",
                        b"\"NaN\"",
                        b"null",
                        b"[]",
                        b"{}",
                        b"0.5",
                        b"\"\"",
                        b"\"zz\"",
                    ][rng.below(10)];
                    data.splice(at..at + 1, text.iter().copied());
                }
            }
            _ => {
                // JSON: deep nesting.
                let depth = 1 + rng.below(200);
                let at = rng.below(len + 1);
                let open = if rng.chance(2) { b'[' } else { b'{' };
                data.splice(at..at, std::iter::repeat_n(open, depth));
            }
        }
    }
    data
}

fn any_value(rng: &mut Rng, depth: usize) -> AnyValue {
    use any_value::Value as V;
    let value = match rng.below(if depth > 0 { 9 } else { 7 }) {
        0 => None,
        1 => {
            let len = rng.below(12);
            Some(V::StringValue(
                String::from_utf8_lossy(&rng.bytes(len)).into_owned(),
            ))
        }
        2 => Some(V::BoolValue(rng.chance(2))),
        3 => Some(V::IntValue(rng.edgy_u64() as i64)),
        4 => Some(V::DoubleValue(rng.edgy_f64())),
        5 => {
            let len = rng.below(10);
            Some(V::BytesValue(rng.bytes(len)))
        }
        6 => Some(V::StringValueStrindex(rng.next() as i32)),
        7 => Some(V::ArrayValue(ArrayValue {
            values: (0..rng.below(3))
                .map(|_| any_value(rng, depth - 1))
                .collect(),
        })),
        _ => Some(V::KvlistValue(KeyValueList {
            values: attributes(rng, depth - 1),
        })),
    };
    AnyValue { value }
}

fn attributes(rng: &mut Rng, depth: usize) -> Vec<KeyValue> {
    (0..rng.below(4))
        .map(|index| KeyValue {
            // Repeated keys now and then.
            key: format!("k{}", if rng.chance(4) { 0 } else { index }),
            value: if rng.chance(8) {
                None
            } else {
                Some(any_value(rng, depth))
            },
            ..Default::default()
        })
        .collect()
}

/// An id of the right length mostly; empty, zero or odd-sized sometimes.
fn id(rng: &mut Rng, len: usize) -> Vec<u8> {
    match rng.below(8) {
        0 => Vec::new(),
        1 => vec![0; len],
        2 => {
            let len = rng.below(20);
            rng.bytes(len)
        }
        _ => rng.bytes(len),
    }
}

fn resource(rng: &mut Rng) -> Option<Resource> {
    (!rng.chance(6)).then(|| Resource {
        attributes: attributes(rng, 3),
        ..Default::default()
    })
}

fn scope(rng: &mut Rng) -> Option<InstrumentationScope> {
    (!rng.chance(4)).then(|| InstrumentationScope {
        name: "fuzz".into(),
        version: "0".into(),
        ..Default::default()
    })
}

/// An enum value, sometimes outside the enum.
fn enum_value(rng: &mut Rng, variants: i32) -> i32 {
    if rng.chance(8) {
        rng.next() as i32
    } else {
        rng.below(variants as usize) as i32
    }
}

fn trace_request(rng: &mut Rng) -> ExportTraceServiceRequest {
    let span = |rng: &mut Rng| trace::Span {
        trace_id: id(rng, 16),
        span_id: id(rng, 8),
        parent_span_id: id(rng, 8),
        name: "s".into(),
        kind: enum_value(rng, 6),
        start_time_unix_nano: rng.edgy_u64(),
        end_time_unix_nano: rng.edgy_u64(),
        attributes: attributes(rng, 4),
        events: (0..rng.below(3))
            .map(|_| trace::span::Event {
                time_unix_nano: rng.edgy_u64(),
                name: "e".into(),
                attributes: attributes(rng, 2),
                ..Default::default()
            })
            .collect(),
        links: (0..rng.below(2))
            .map(|_| trace::span::Link {
                trace_id: id(rng, 16),
                span_id: id(rng, 8),
                attributes: attributes(rng, 2),
                ..Default::default()
            })
            .collect(),
        status: (!rng.chance(3)).then(|| trace::Status {
            message: "m".into(),
            code: enum_value(rng, 3),
        }),
        ..Default::default()
    };
    ExportTraceServiceRequest {
        resource_spans: (0..1 + rng.below(2))
            .map(|_| trace::ResourceSpans {
                resource: resource(rng),
                scope_spans: (0..1 + rng.below(2))
                    .map(|_| trace::ScopeSpans {
                        scope: scope(rng),
                        spans: (0..rng.below(5)).map(|_| span(rng)).collect(),
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            })
            .collect(),
    }
}

fn logs_request(rng: &mut Rng) -> ExportLogsServiceRequest {
    let record = |rng: &mut Rng| logs::LogRecord {
        time_unix_nano: rng.edgy_u64(),
        observed_time_unix_nano: rng.edgy_u64(),
        severity_number: enum_value(rng, 25),
        severity_text: "INFO".into(),
        body: (!rng.chance(4)).then(|| any_value(rng, 4)),
        attributes: attributes(rng, 3),
        trace_id: id(rng, 16),
        span_id: id(rng, 8),
        event_name: if rng.chance(3) {
            "ev".into()
        } else {
            String::new()
        },
        ..Default::default()
    };
    ExportLogsServiceRequest {
        resource_logs: (0..1 + rng.below(2))
            .map(|_| logs::ResourceLogs {
                resource: resource(rng),
                scope_logs: vec![logs::ScopeLogs {
                    scope: scope(rng),
                    log_records: (0..rng.below(5)).map(|_| record(rng)).collect(),
                    ..Default::default()
                }],
                ..Default::default()
            })
            .collect(),
    }
}

fn metrics_request(rng: &mut Rng) -> ExportMetricsServiceRequest {
    use metrics::metric::Data;
    let number = |rng: &mut Rng| metrics::NumberDataPoint {
        attributes: attributes(rng, 2),
        start_time_unix_nano: rng.edgy_u64(),
        time_unix_nano: rng.edgy_u64(),
        value: match rng.below(3) {
            0 => None,
            1 => Some(metrics::number_data_point::Value::AsInt(
                rng.edgy_u64() as i64
            )),
            _ => Some(metrics::number_data_point::Value::AsDouble(rng.edgy_f64())),
        },
        ..Default::default()
    };
    let counts = |rng: &mut Rng| {
        (0..rng.below(6))
            .map(|_| rng.edgy_u64())
            .collect::<Vec<_>>()
    };
    let data = |rng: &mut Rng| match rng.below(6) {
        0 => None,
        1 => Some(Data::Gauge(metrics::Gauge {
            data_points: (0..rng.below(3)).map(|_| number(rng)).collect(),
        })),
        2 => Some(Data::Sum(metrics::Sum {
            data_points: (0..rng.below(3)).map(|_| number(rng)).collect(),
            aggregation_temporality: enum_value(rng, 3),
            is_monotonic: rng.chance(2),
        })),
        3 => Some(Data::Histogram(metrics::Histogram {
            data_points: (0..rng.below(3))
                .map(|_| metrics::HistogramDataPoint {
                    attributes: attributes(rng, 2),
                    time_unix_nano: rng.edgy_u64(),
                    count: rng.edgy_u64(),
                    sum: (!rng.chance(3)).then(|| rng.edgy_f64()),
                    bucket_counts: counts(rng),
                    explicit_bounds: (0..rng.below(6)).map(|_| rng.edgy_f64()).collect(),
                    min: (!rng.chance(3)).then(|| rng.edgy_f64()),
                    max: (!rng.chance(3)).then(|| rng.edgy_f64()),
                    ..Default::default()
                })
                .collect(),
            aggregation_temporality: enum_value(rng, 3),
        })),
        4 => Some(Data::ExponentialHistogram(metrics::ExponentialHistogram {
            data_points: (0..rng.below(3))
                .map(|_| metrics::ExponentialHistogramDataPoint {
                    attributes: attributes(rng, 2),
                    time_unix_nano: rng.edgy_u64(),
                    count: rng.edgy_u64(),
                    sum: (!rng.chance(3)).then(|| rng.edgy_f64()),
                    scale: rng.next() as i32 % 30,
                    zero_count: rng.edgy_u64(),
                    positive: (!rng.chance(3)).then(|| {
                        metrics::exponential_histogram_data_point::Buckets {
                            offset: rng.next() as i32,
                            bucket_counts: counts(rng),
                        }
                    }),
                    negative: None,
                    zero_threshold: rng.edgy_f64(),
                    ..Default::default()
                })
                .collect(),
            aggregation_temporality: enum_value(rng, 3),
        })),
        _ => Some(Data::Summary(metrics::Summary {
            data_points: (0..rng.below(3))
                .map(|_| metrics::SummaryDataPoint {
                    count: rng.edgy_u64(),
                    sum: rng.edgy_f64(),
                    quantile_values: (0..rng.below(3))
                        .map(|_| metrics::summary_data_point::ValueAtQuantile {
                            quantile: rng.edgy_f64(),
                            value: rng.edgy_f64(),
                        })
                        .collect(),
                    ..Default::default()
                })
                .collect(),
        })),
    };
    ExportMetricsServiceRequest {
        resource_metrics: (0..1 + rng.below(2))
            .map(|_| metrics::ResourceMetrics {
                resource: resource(rng),
                scope_metrics: vec![metrics::ScopeMetrics {
                    scope: scope(rng),
                    metrics: (0..rng.below(4))
                        .map(|_| metrics::Metric {
                            name: "m".into(),
                            unit: "1".into(),
                            data: data(rng),
                            ..Default::default()
                        })
                        .collect(),
                    ..Default::default()
                }],
                ..Default::default()
            })
            .collect(),
    }
}

fn generated(rng: &mut Rng, signal: Signal) -> Vec<u8> {
    match signal {
        Signal::Traces => trace_request(rng).encode_to_vec(),
        Signal::Metrics => metrics_request(rng).encode_to_vec(),
        Signal::Logs => logs_request(rng).encode_to_vec(),
    }
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
}

#[test]
fn decoding_never_panics_on_any_input() {
    let seconds = env_u64("AUTOTEL_FUZZ_SECONDS").unwrap_or(5);
    let seed = env_u64("AUTOTEL_FUZZ_SEED").unwrap_or_else(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(1, |elapsed| elapsed.as_nanos() as u64)
    }) | 1;
    eprintln!("fuzzing the OTLP decoders for {seconds} s from AUTOTEL_FUZZ_SEED={seed}");

    if std::env::var_os("AUTOTEL_FUZZ_WRITE_SEEDS").is_some() {
        let mut rng = Rng(0x5eed);
        for signal in SIGNALS {
            for index in 0..4 {
                let path = signal_dir(signal).join(format!("generated-{index}.pb"));
                fs::write(&path, generated(&mut rng, signal)).expect("the seed is written");
            }
        }
    }
    let corpus = load_corpus();
    assert!(
        SIGNALS
            .iter()
            .all(|signal| corpus.iter().filter(|(s, _)| s == signal).count() >= 2),
        "every signal has seeds in {}",
        corpus_dir().display()
    );

    let mut rng = Rng(seed);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut runs = 0u64;
    let mut index = 0usize;
    loop {
        // The seeds as they are first, then mutations and generated requests.
        let input = if index < corpus.len() {
            corpus[index].1.clone()
        } else if rng.chance(3) {
            let signal = SIGNALS[rng.below(3)];
            generated(&mut rng, signal)
        } else {
            let base = corpus[rng.below(corpus.len())].1.clone();
            mutate(&mut rng, &base, &corpus)
        };
        index += 1;
        if let Err(panic) = panic::catch_unwind(AssertUnwindSafe(|| exercise(&input))) {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/fuzz-crashes");
            let _ = fs::create_dir_all(&dir);
            let path = dir.join(format!("crash-{seed}-{runs}.bin"));
            let _ = fs::write(&path, &input);
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            panic!(
                "input {runs} (AUTOTEL_FUZZ_SEED={seed}) panicked: {message}; it is saved in {}",
                path.display()
            );
        }
        runs += 1;
        if index >= corpus.len() && Instant::now() >= deadline {
            break;
        }
    }
    eprintln!("{runs} inputs, each decoded as 3 signals × 2 encodings, no panic");
}
