//! Ingest benchmark of the receiver (not a test): spans per second over OTLP/gRPC and
//! OTLP/HTTP (protobuf) from a load generator in the same process, and resident memory per
//! 100 000 stored spans. Prints a Markdown report (bench/view-ingest.md holds one).
//!
//! ```sh
//! cargo bench -p otlp --bench ingest                 # 1 000 000 spans per protocol
//! AUTOTEL_BENCH_SPANS=200000 cargo bench -p otlp --bench ingest
//! ```
//!
//! Requests carry 1 000 spans each (an SDK batch exporter's default is 512), every span with
//! eight HTTP semantic-convention attributes; several requests are in flight at once. The
//! receiver runs on its own runtime (as in `autotel view`) with the default store limits, so
//! past 100 000 spans every insertion also evicts old traces, the steady state of a long run.

use std::net::Ipv4Addr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_client::TraceServiceClient;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, InstrumentationScope, KeyValue};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1 as proto;
use otlp::{BackgroundReceiver, ReceiverConfig, StoreLimits};
use prost::Message as _;

const SPANS_PER_REQUEST: usize = 1_000;
const IN_FLIGHT: usize = 4;

fn string(key: &str, value: &str) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(value.into())),
        }),
        ..Default::default()
    }
}

fn int(key: &str, value: i64) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue {
            value: Some(any_value::Value::IntValue(value)),
        }),
        ..Default::default()
    }
}

/// Request number `batch`: ten traces of a hundred spans (a server root and its children),
/// with ids unique across batches.
fn request(batch: u64) -> ExportTraceServiceRequest {
    let start = 1_700_000_000_000_000_000u64 + batch * 1_000_000_000;
    let spans = (0..SPANS_PER_REQUEST as u64)
        .map(|index| {
            let trace = index / 100;
            let mut trace_id = [0u8; 16];
            trace_id[..8].copy_from_slice(&batch.to_be_bytes());
            trace_id[8..].copy_from_slice(&(trace + 1).to_be_bytes());
            let span_id = (batch << 20 | index) + 1;
            let root = index % 100 == 0;
            let parent = if root {
                Vec::new()
            } else {
                ((batch << 20 | (trace * 100)) + 1).to_be_bytes().to_vec()
            };
            proto::Span {
                trace_id: trace_id.to_vec(),
                span_id: span_id.to_be_bytes().to_vec(),
                parent_span_id: parent,
                name: if root {
                    "GET /api/users/{id}"
                } else {
                    "SELECT users"
                }
                .into(),
                kind: if root { 2 } else { 3 },
                start_time_unix_nano: start + index * 1_000,
                end_time_unix_nano: start + index * 1_000 + 250_000,
                attributes: vec![
                    string("http.request.method", "GET"),
                    string(
                        "url.full",
                        "http://api.internal:8080/api/users/42?expand=true",
                    ),
                    string("http.route", "/api/users/{id}"),
                    int("http.response.status_code", 200),
                    string("server.address", "api.internal"),
                    int("server.port", 8080),
                    string("network.protocol.version", "1.1"),
                    string("user_agent.original", "Go-http-client/1.1"),
                ],
                status: Some(proto::Status::default()),
                ..Default::default()
            }
        })
        .collect();
    ExportTraceServiceRequest {
        resource_spans: vec![proto::ResourceSpans {
            resource: Some(Resource {
                attributes: vec![
                    string("service.name", "users-api"),
                    string("telemetry.sdk.language", "go"),
                    string("host.name", "bench"),
                ],
                ..Default::default()
            }),
            scope_spans: vec![proto::ScopeSpans {
                scope: Some(InstrumentationScope {
                    name: "autotel/nethttp".into(),
                    version: "0.1.0".into(),
                    ..Default::default()
                }),
                spans,
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

/// CPU time this process has used so far (user + system, all threads; Linux).
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks: u64 = [11, 12]
        .iter()
        .filter_map(|index| {
            fields
                .get(*index)
                .and_then(|field| field.parse::<u64>().ok())
        })
        .sum();
    // USER_HZ is 100 on Linux.
    Duration::from_millis(ticks * 10)
}

/// CPU time the calling thread has used so far, to the nanosecond (Linux schedstat).
fn thread_cpu_time() -> Duration {
    let schedstat = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    Duration::from_nanos(
        schedstat
            .split_whitespace()
            .next()
            .and_then(|field| field.parse().ok())
            .unwrap_or(0),
    )
}

/// Resident set size of this process, in bytes (Linux).
fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|field| field.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

fn start_receiver() -> BackgroundReceiver {
    BackgroundReceiver::spawn(ReceiverConfig {
        limits: StoreLimits::default(),
        ..ReceiverConfig::ephemeral(Ipv4Addr::LOCALHOST.into())
    })
    .expect("the receiver starts")
}

/// Sends `requests` protobuf bodies over HTTP, `IN_FLIGHT` at a time; the elapsed time.
async fn send_http(
    addr: std::net::SocketAddr,
    bodies: Arc<Vec<Bytes>>,
    requests: usize,
) -> Duration {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..IN_FLIGHT {
        let client = client.clone();
        let bodies = Arc::clone(&bodies);
        tasks.push(tokio::spawn(async move {
            for number in (worker..requests).step_by(IN_FLIGHT) {
                let request = http::Request::post(format!("http://{addr}/v1/traces"))
                    .header("content-type", "application/x-protobuf")
                    .body(Full::new(bodies[number % bodies.len()].clone()))
                    .expect("a request");
                let response = client.request(request).await.expect("an answer");
                assert_eq!(response.status(), 200);
                let _ = http_body_util::BodyExt::collect(response.into_body()).await;
            }
        }));
    }
    for task in tasks {
        task.await.expect("a sender");
    }
    started.elapsed()
}

/// Sends `requests` export calls over gRPC, `IN_FLIGHT` at a time; the elapsed time.
async fn send_grpc(
    addr: std::net::SocketAddr,
    messages: Arc<Vec<ExportTraceServiceRequest>>,
    requests: usize,
) -> Duration {
    let client = TraceServiceClient::connect(format!("http://{addr}"))
        .await
        .expect("a gRPC connection")
        .max_decoding_message_size(64 << 20);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..IN_FLIGHT {
        let mut client = client.clone();
        let messages = Arc::clone(&messages);
        tasks.push(tokio::spawn(async move {
            for number in (worker..requests).step_by(IN_FLIGHT) {
                client
                    .export(messages[number % messages.len()].clone())
                    .await
                    .expect("an export");
            }
        }));
    }
    for task in tasks {
        task.await.expect("a sender");
    }
    started.elapsed()
}

fn main() {
    let total: usize = std::env::var("AUTOTEL_BENCH_SPANS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(1_000_000);
    let requests = total.div_ceil(SPANS_PER_REQUEST);
    // Distinct batches so traces do not merge; reused round-robin past 64.
    let messages: Arc<Vec<ExportTraceServiceRequest>> = Arc::new((0..64).map(request).collect());
    let bodies: Arc<Vec<Bytes>> = Arc::new(
        messages
            .iter()
            .map(|message| Bytes::from(message.encode_to_vec()))
            .collect(),
    );
    let body_bytes = bodies[0].len();
    let client = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("the load generator's runtime");

    // Memory first, on a fresh heap: 100 000 spans into an empty store.
    let receiver = start_receiver();
    let before = rss_bytes();
    client.block_on(send_http(
        receiver.http_addr(),
        Arc::clone(&bodies),
        100_000 / SPANS_PER_REQUEST,
    ));
    let stored = receiver.store().stats().spans;
    let after = rss_bytes();
    receiver.shutdown().expect("a clean shutdown");

    // The hot path alone, without sockets: decode + convert, then store insertion.
    let store = otlp::Store::new(StoreLimits::default());
    let (mut decoding, mut inserting) = (Duration::ZERO, Duration::ZERO);
    let hot_requests = requests.min(300);
    for number in 0..hot_requests {
        let started = thread_cpu_time();
        let decoded = otlp::decode_http_payload(
            otlp::Signal::Traces,
            "application/x-protobuf",
            &bodies[number % bodies.len()],
        )
        .expect("a valid body");
        let decoded_at = thread_cpu_time();
        store.insert(decoded.batch);
        decoding += decoded_at - started;
        inserting += thread_cpu_time() - decoded_at;
    }
    let hot_spans = (hot_requests * SPANS_PER_REQUEST) as f64;

    let mut results = Vec::new();
    for protocol in ["OTLP/HTTP protobuf", "OTLP/gRPC"] {
        let receiver = start_receiver();
        let cpu_before = cpu_time();
        let elapsed = match protocol {
            "OTLP/gRPC" => client.block_on(send_grpc(
                receiver.grpc_addr(),
                Arc::clone(&messages),
                requests,
            )),
            _ => client.block_on(send_http(
                receiver.http_addr(),
                Arc::clone(&bodies),
                requests,
            )),
        };
        let stats = receiver.store().stats();
        assert_eq!(
            stats.spans as u64 + stats.evicted_spans,
            (requests * SPANS_PER_REQUEST) as u64,
            "every span arrived"
        );
        let cpu = cpu_time() - cpu_before;
        receiver.shutdown().expect("a clean shutdown");
        results.push((protocol, elapsed, cpu));
    }

    let spans = (requests * SPANS_PER_REQUEST) as f64;
    println!(
        "| transport | spans | requests | wall time | spans/s (wall) | CPU time, receiver + generator | spans per CPU-second |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for (protocol, elapsed, cpu) in &results {
        println!(
            "| {protocol} | {spans} | {requests} | {:.2} s | {:.0} | {:.2} s | {:.0} |",
            elapsed.as_secs_f64(),
            spans / elapsed.as_secs_f64(),
            cpu.as_secs_f64(),
            spans / cpu.as_secs_f64().max(0.01),
        );
    }
    println!();
    println!(
        "Hot path without sockets, one thread, {hot_spans} spans, thread CPU time: decode + convert {:.0} ns/span \
         ({:.0} spans/s), store insert (with eviction past 100k) {:.0} ns/span ({:.0} spans/s), \
         together {:.0} spans/s.",
        decoding.as_nanos() as f64 / hot_spans,
        hot_spans / decoding.as_secs_f64(),
        inserting.as_nanos() as f64 / hot_spans,
        hot_spans / inserting.as_secs_f64(),
        hot_spans / (decoding + inserting).as_secs_f64(),
    );
    println!();
    println!(
        "Memory: {stored} spans stored, RSS {:.1} MiB → {:.1} MiB: **{:.1} MiB per 100k spans** \
         ({:.0} bytes per span; request body {body_bytes} bytes per {SPANS_PER_REQUEST} spans).",
        before as f64 / 1048576.0,
        after as f64 / 1048576.0,
        (after.saturating_sub(before)) as f64 / 1048576.0 * 100_000.0 / stored.max(1) as f64,
        (after.saturating_sub(before)) as f64 / stored.max(1) as f64,
    );
}
