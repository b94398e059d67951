//! OTLP export of attach's spans: `ExportTraceServiceRequest` over HTTP/protobuf or gRPC
//! (plaintext HTTP/2), configured by the standard `OTEL_*` variables. A bounded queue sits between the ring-buffer reader and
//! the exporter thread: a slow or absent collector costs dropped spans (counted and reported),
//! never a blocked reader. Spans travel encoded ([`crate::spans::encode_span`]); [`encode_request`] frames
//! them into the request without decoding them, and both transports send those bytes as they
//! are (gRPC through a codec of its own, `grpc`).

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, InstrumentationScope, KeyValue};
use opentelemetry_proto::tonic::resource::v1::Resource;
use prost::encoding as wire;
use prost::Message;

use crate::error::AttachError;
use crate::spans::len_field;

mod grpc;

const QUEUE: usize = 8192;
const BATCH: usize = 512;
const FLUSH_EVERY: Duration = Duration::from_millis(500);

/// The OTLP transport (`OTEL_EXPORTER_OTLP_PROTOCOL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// `http/protobuf` (the default).
    HttpProtobuf,
    /// `grpc`: the TraceService over plaintext HTTP/2 (no TLS).
    Grpc,
}

/// Exporter settings from the environment.
#[derive(Debug, Clone)]
pub struct ExportConfig {
    /// Where traces go; `None` when export is off. For `http/protobuf` the full URL of the
    /// traces endpoint (`…/v1/traces`); for `grpc` the server's `http://host:port`.
    pub traces_url: Option<String>,
    pub protocol: Protocol,
    pub headers: Vec<(String, String)>,
    pub service_name: Option<String>,
    pub resource_attributes: Vec<(String, String)>,
    pub timeout: Duration,
}

impl ExportConfig {
    /// Export to `traces_url` (a full `…/v1/traces` URL) with no other settings.
    pub fn to_url(traces_url: impl Into<String>) -> ExportConfig {
        ExportConfig {
            traces_url: Some(traces_url.into()),
            protocol: Protocol::HttpProtobuf,
            headers: Vec::new(),
            service_name: None,
            resource_attributes: Vec::new(),
            timeout: Duration::from_secs(10),
        }
    }

    /// Export over OTLP/gRPC to `endpoint` (`http://host:port`) with no other settings.
    pub fn to_grpc(endpoint: impl Into<String>) -> ExportConfig {
        ExportConfig {
            protocol: Protocol::Grpc,
            ..ExportConfig::to_url(endpoint)
        }
    }

    pub fn from_env() -> Result<ExportConfig, AttachError> {
        ExportConfig::from_vars(|k| std::env::var(k).ok())
    }

    /// [`from_env`](Self::from_env) over any source of variables.
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> Result<ExportConfig, AttachError> {
        let var = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        let disabled = var("OTEL_SDK_DISABLED").is_some_and(|v| v.eq_ignore_ascii_case("true"))
            || var("OTEL_TRACES_EXPORTER").is_some_and(|v| v.trim() == "none");
        if let Some(e) = var("OTEL_TRACES_EXPORTER") {
            if e.trim() != "otlp" && e.trim() != "none" {
                return Err(AttachError::Config {
                    var: "OTEL_TRACES_EXPORTER",
                    value: e,
                    reason: "attach exports with `otlp` (or `none`)".into(),
                });
            }
        }
        let (protocol_var, protocol_value) = match var("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") {
            Some(v) => ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", v),
            None => ("OTEL_EXPORTER_OTLP_PROTOCOL", var("OTEL_EXPORTER_OTLP_PROTOCOL").unwrap_or_else(|| "http/protobuf".into())),
        };
        let protocol = match protocol_value.trim() {
            "http/protobuf" => Protocol::HttpProtobuf,
            "grpc" => Protocol::Grpc,
            _ => {
                return Err(AttachError::Config {
                    var: protocol_var,
                    value: protocol_value,
                    reason: "attach exports with `http/protobuf` or `grpc` (`http/json` is not supported)".into(),
                })
            }
        };
        let traces_url = if disabled {
            None
        } else if let Some(u) = var("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") {
            Some(u)
        } else {
            match protocol {
                Protocol::HttpProtobuf => {
                    let base = var("OTEL_EXPORTER_OTLP_ENDPOINT").unwrap_or_else(|| "http://localhost:4318".into());
                    Some(format!("{}/v1/traces", base.trim_end_matches('/')))
                }
                Protocol::Grpc => Some(var("OTEL_EXPORTER_OTLP_ENDPOINT").unwrap_or_else(|| "http://localhost:4317".into())),
            }
        };
        if protocol == Protocol::Grpc {
            if let Some(u) = &traces_url {
                if u.starts_with("https://") {
                    return Err(AttachError::Config {
                        var: "OTEL_EXPORTER_OTLP_ENDPOINT",
                        value: u.clone(),
                        reason: "attach's gRPC exporter speaks plaintext HTTP/2 only; use an http:// endpoint \
                                 (or a local collector)"
                            .into(),
                    });
                }
            }
        }
        let pairs = |v: Option<String>| -> Vec<(String, String)> {
            v.map(|s| {
                s.split(',')
                    .filter_map(|kv| kv.split_once('='))
                    .map(|(k, v)| (k.trim().to_owned(), percent_decode(v.trim())))
                    .collect()
            })
            .unwrap_or_default()
        };
        let mut headers = pairs(var("OTEL_EXPORTER_OTLP_HEADERS"));
        headers.extend(pairs(var("OTEL_EXPORTER_OTLP_TRACES_HEADERS")));
        let timeout_ms = var("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT")
            .or_else(|| var("OTEL_EXPORTER_OTLP_TIMEOUT"))
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(10_000);
        Ok(ExportConfig {
            traces_url,
            protocol,
            headers,
            service_name: var("OTEL_SERVICE_NAME"),
            resource_attributes: pairs(var("OTEL_RESOURCE_ATTRIBUTES")),
            timeout: Duration::from_millis(timeout_ms),
        })
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    crate::text::valid_text(&out)
}

/// What identifies the process a span came from (one OTLP resource per process).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProcessInfo {
    pub pid: u32,
    /// Shared: every queued span carries its process, so a clone must not copy the path.
    pub executable_path: Arc<str>,
}

/// A span and its process, as queued for export.
pub struct Queued {
    pub process: ProcessInfo,
    /// The span as an encoded OTLP `Span` message, written where it was built
    /// ([`crate::spans::encode_span`]): the export thread only copies bytes.
    pub span: Vec<u8>,
}

/// Handle of the exporter thread. Spans travel to it in batches (one per ring-buffer drain),
/// so the reading thread pays one channel send and wake-up per batch, not per span; at most
/// `QUEUE` spans wait.
pub struct Exporter {
    tx: Option<Sender<Vec<Queued>>>,
    waiting: Arc<AtomicUsize>,
    thread: Option<JoinHandle<()>>,
    pub dropped: Arc<AtomicU64>,
    pub exported: Arc<AtomicU64>,
}

impl Exporter {
    pub fn spawn(cfg: ExportConfig) -> Exporter {
        let (tx, rx) = mpsc::channel();
        let dropped = Arc::new(AtomicU64::new(0));
        let exported = Arc::new(AtomicU64::new(0));
        let waiting = Arc::new(AtomicUsize::new(0));
        let (exp, wait) = (exported.clone(), waiting.clone());
        let thread = std::thread::Builder::new()
            .name("otlp-export".into())
            .spawn(move || export_loop(cfg, rx, exp, wait))
            .ok();
        Exporter {
            tx: Some(tx),
            waiting,
            thread,
            dropped,
            exported,
        }
    }

    /// Queues spans without blocking; what does not fit in the queue is dropped.
    pub fn send(&self, spans: Vec<Queued>) {
        let n = spans.len();
        let Some(tx) = &self.tx else { return };
        if n == 0 {
            return;
        }
        if self.waiting.fetch_add(n, Ordering::Relaxed) + n > QUEUE || tx.send(spans).is_err() {
            self.waiting.fetch_sub(n, Ordering::Relaxed);
            self.dropped.fetch_add(n as u64, Ordering::Relaxed);
        }
    }

    /// Flushes what is queued and stops the thread.
    pub fn shutdown(mut self) {
        self.tx.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Where batches go: one HTTP agent, or one gRPC channel on a runtime of its own.
enum Sink {
    Http(ureq::Agent),
    Grpc(Box<GrpcSink>),
}

struct GrpcSink {
    rt: tokio::runtime::Runtime,
    client: Option<grpc::TraceClient>,
}

impl Sink {
    fn new(cfg: &ExportConfig) -> Result<Sink, String> {
        match cfg.protocol {
            Protocol::HttpProtobuf => Ok(Sink::Http(ureq::AgentBuilder::new().timeout(cfg.timeout).build())),
            Protocol::Grpc => {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| format!("cannot start the gRPC exporter's runtime: {e}"))?;
                Ok(Sink::Grpc(Box::new(GrpcSink { rt, client: None })))
            }
        }
    }

    /// Sends req, an encoded `ExportTraceServiceRequest` ([`encode_request`]).
    fn send(&mut self, cfg: &ExportConfig, url: &str, req: Vec<u8>) -> Result<(), String> {
        match self {
            Sink::Http(agent) => post(agent, url, &cfg.headers, &req),
            Sink::Grpc(g) => {
                if g.client.is_none() {
                    // Connects on first use and reconnects by itself: an absent collector
                    // costs failed exports, never a failed agent.
                    let channel = {
                        let _guard = g.rt.enter();
                        tonic::transport::Endpoint::from_shared(url.to_owned())
                            .map_err(|e| format!("invalid endpoint {url}: {e}"))?
                            .connect_timeout(cfg.timeout)
                            .timeout(cfg.timeout)
                            .connect_lazy()
                    };
                    g.client = Some(grpc::TraceClient::new(channel));
                }
                let Some(client) = g.client.as_mut() else {
                    return Err("no gRPC client".into());
                };
                let mut request = tonic::Request::new(req);
                for (k, v) in &cfg.headers {
                    let key = tonic::metadata::MetadataKey::from_bytes(k.to_ascii_lowercase().as_bytes());
                    let value = tonic::metadata::MetadataValue::try_from(v.as_str());
                    if let (Ok(key), Ok(value)) = (key, value) {
                        request.metadata_mut().insert(key, value);
                    }
                }
                g.rt
                    .block_on(client.export(request))
                    .map(|_| ())
                    .map_err(|status| format!("{}: {}", status.code(), status.message()))
            }
        }
    }
}

fn export_loop(cfg: ExportConfig, rx: Receiver<Vec<Queued>>, exported: Arc<AtomicU64>, waiting: Arc<AtomicUsize>) {
    let mut sink = match Sink::new(&cfg) {
        Ok(s) => Some(s),
        Err(e) => {
            eprintln!("autotel attach: {e}; spans will not be exported");
            None
        }
    };
    let mut batch: Vec<Queued> = Vec::new();
    let mut last = Instant::now();
    let mut warned = false;
    loop {
        let wait = FLUSH_EVERY.saturating_sub(last.elapsed());
        let done = match rx.recv_timeout(wait) {
            Ok(spans) => {
                waiting.fetch_sub(spans.len(), Ordering::Relaxed);
                if batch.is_empty() {
                    batch = spans; // the common case: a drain's batch is the export's
                } else {
                    batch.extend(spans);
                }
                false
            }
            Err(RecvTimeoutError::Timeout) => false,
            Err(RecvTimeoutError::Disconnected) => true,
        };
        if !batch.is_empty() && (done || batch.len() >= BATCH || last.elapsed() >= FLUSH_EVERY) {
            let n = batch.len() as u64;
            let req = encode_request(&cfg, &std::mem::take(&mut batch));
            if let (Some(url), Some(sink)) = (&cfg.traces_url, sink.as_mut()) {
                match sink.send(&cfg, url, req) {
                    Ok(()) => {
                        exported.fetch_add(n, Ordering::Relaxed);
                        warned = false;
                    }
                    Err(e) => {
                        if !warned {
                            eprintln!("autotel attach: exporting {n} spans to {url} failed: {e} (dropped; will keep trying)");
                            warned = true;
                        }
                    }
                }
            }
        }
        if batch.is_empty() {
            last = Instant::now();
        }
        if done {
            return;
        }
    }
}

fn post(agent: &ureq::Agent, url: &str, headers: &[(String, String)], body: &[u8]) -> Result<(), String> {
    let mut r = agent.post(url).set("Content-Type", "application/x-protobuf");
    for (k, v) in headers {
        r = r.set(k, v);
    }
    r.send_bytes(body).map(|_| ()).map_err(|e| e.to_string())
}

/// Groups spans by process into one request, encoded: the bytes prost gives the
/// `ExportTraceServiceRequest` of one `ResourceSpans` per process (its resource, then one
/// `ScopeSpans` holding the spans in their order), with the queued spans' bytes copied in.
pub fn encode_request(cfg: &ExportConfig, spans: &[Queued]) -> Vec<u8> {
    // Usually one process, rarely a few.
    let mut by_proc: Vec<(&ProcessInfo, Vec<&[u8]>)> = Vec::new();
    for q in spans {
        match by_proc.iter_mut().find(|(p, _)| **p == q.process) {
            Some((_, v)) => v.push(&q.span),
            None => by_proc.push((&q.process, vec![&q.span])),
        }
    }
    let scope = InstrumentationScope {
        name: "autotel.dev/attach".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        ..Default::default()
    };
    let mut out = Vec::with_capacity(spans.iter().map(|q| q.span.len() + 4).sum::<usize>() + 512 * by_proc.len());
    for (p, spans) in by_proc {
        let resource = Resource {
            attributes: resource_attributes(cfg, p),
            dropped_attributes_count: 0,
            ..Default::default()
        };
        // ScopeSpans { scope = 1, spans = 2 } (schema_url empty: absent)
        let scope_len = len_field(1, scope.encoded_len()) + spans.iter().map(|s| len_field(2, s.len())).sum::<usize>();
        // ResourceSpans { resource = 1, scope_spans = 2 }
        let rs_len = len_field(1, resource.encoded_len()) + len_field(2, scope_len);
        // ExportTraceServiceRequest { resource_spans = 1 }
        wire::encode_key(1, wire::WireType::LengthDelimited, &mut out);
        wire::encode_varint(rs_len as u64, &mut out);
        wire::message::encode(1, &resource, &mut out);
        wire::encode_key(2, wire::WireType::LengthDelimited, &mut out);
        wire::encode_varint(scope_len as u64, &mut out);
        wire::message::encode(1, &scope, &mut out);
        for s in spans {
            wire::encode_key(2, wire::WireType::LengthDelimited, &mut out);
            wire::encode_varint(s.len() as u64, &mut out);
            out.extend_from_slice(s);
        }
    }
    out
}

fn resource_attributes(cfg: &ExportConfig, p: &ProcessInfo) -> Vec<KeyValue> {
    let exe_name = std::path::Path::new(&*p.executable_path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut attrs: Vec<KeyValue> = Vec::new();
    let from_env_service = cfg
        .resource_attributes
        .iter()
        .find(|(k, _)| k == "service.name")
        .map(|(_, v)| v.clone());
    let service = cfg.service_name.clone().or(from_env_service).unwrap_or(exe_name.clone());
    attrs.push(kv_str("service.name", service));
    for (k, v) in &cfg.resource_attributes {
        if k != "service.name" {
            attrs.push(kv_str(k, v.clone()));
        }
    }
    attrs.push(kv_int("process.pid", p.pid as i64));
    attrs.push(kv_str("process.executable.name", exe_name));
    attrs.push(kv_str("process.executable.path", &*p.executable_path));
    attrs.push(kv_str("telemetry.sdk.name", "autotel-attach"));
    attrs.push(kv_str("telemetry.sdk.language", "go"));
    attrs.push(kv_str("telemetry.sdk.version", env!("CARGO_PKG_VERSION")));
    attrs
}

/// A string attribute of the resource (its keys may come from `OTEL_RESOURCE_ATTRIBUTES`).
fn kv_str(key: impl Into<String>, value: impl Into<String>) -> KeyValue {
    kv(key, any_value::Value::StringValue(value.into()))
}

fn kv_int(key: impl Into<String>, value: i64) -> KeyValue {
    kv(key, any_value::Value::IntValue(value))
}

fn kv(key: impl Into<String>, value: any_value::Value) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue { value: Some(value) }),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    use opentelemetry_proto::tonic::trace::v1::Span;

    use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{TraceService, TraceServiceServer};
    use opentelemetry_proto::tonic::collector::trace::v1::{ExportTraceServiceRequest, ExportTraceServiceResponse};

    fn config(vars: &[(&str, &str)]) -> Result<ExportConfig, AttachError> {
        let vars: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        ExportConfig::from_vars(|k| vars.get(k).cloned())
    }

    #[test]
    fn protocols_and_endpoints() {
        let c = config(&[]).expect("defaults");
        assert_eq!((c.protocol, c.traces_url.as_deref()), (Protocol::HttpProtobuf, Some("http://localhost:4318/v1/traces")));
        let c = config(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")]).expect("grpc");
        assert_eq!((c.protocol, c.traces_url.as_deref()), (Protocol::Grpc, Some("http://localhost:4317")));
        let c = config(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"), ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://10.0.0.1:4317")])
            .expect("grpc endpoint");
        assert_eq!(c.traces_url.as_deref(), Some("http://10.0.0.1:4317"));
        let c = config(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"), ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/protobuf")])
            .expect("the traces variable wins");
        assert_eq!(c.protocol, Protocol::HttpProtobuf);
        let err = config(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json")]).expect_err("json refused");
        assert!(err.to_string().contains("http/json"), "{err}");
        let err = config(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"), ("OTEL_EXPORTER_OTLP_ENDPOINT", "https://c:4317")])
            .expect_err("tls refused");
        assert!(err.to_string().contains("plaintext"), "{err}");
        let c = config(&[("OTEL_SDK_DISABLED", "true")]).expect("disabled");
        assert_eq!(c.traces_url, None);
    }

    fn span(name: &str, n: i64) -> Span {
        Span {
            trace_id: vec![1; 16],
            span_id: vec![n as u8; 8],
            name: name.into(),
            kind: 2,
            start_time_unix_nano: 1_700_000_000_000_000_000,
            end_time_unix_nano: 1_700_000_000_000_000_000 + n as u64,
            attributes: vec![kv_str("http.request.method", "GET"), kv_int("http.response.status_code", n)],
            ..Default::default()
        }
    }

    /// The request prost would encode for these spans, grouped as given.
    fn expected_request(cfg: &ExportConfig, groups: Vec<(&ProcessInfo, Vec<Span>)>) -> ExportTraceServiceRequest {
        use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans};
        let resource_spans = |p: &ProcessInfo, spans: Vec<Span>| ResourceSpans {
            resource: Some(Resource { attributes: resource_attributes(cfg, p), ..Default::default() }),
            scope_spans: vec![ScopeSpans {
                scope: Some(InstrumentationScope {
                    name: "autotel.dev/attach".into(),
                    version: env!("CARGO_PKG_VERSION").into(),
                    ..Default::default()
                }),
                spans,
                schema_url: String::new(),
            }],
            schema_url: String::new(),
        };
        let resource_spans = groups.into_iter().map(|(p, spans)| resource_spans(p, spans)).collect();
        ExportTraceServiceRequest { resource_spans }
    }

    /// The framed bytes are prost's encoding of the request grouped by process (in the order
    /// processes first appear, spans in theirs): what a collector decodes is the message itself.
    #[test]
    fn encoded_request_is_the_request_prost_encodes() {
        let cfg = config(&[("OTEL_SERVICE_NAME", "svc"), ("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=test")])
            .expect("config");
        let a = ProcessInfo { pid: 10, executable_path: "/srv/a".into() };
        let b = ProcessInfo { pid: 20, executable_path: "/srv/b".into() };
        let queued = [(&a, span("GET /x", 1)), (&b, span("GET", 300)), (&a, span("POST /y", 2))];
        let bytes = encode_request(&cfg, &queued.iter().map(|(p, s)| Queued { process: (*p).clone(), span: s.encode_to_vec() }).collect::<Vec<_>>());
        let want = expected_request(
            &cfg,
            vec![(&a, vec![span("GET /x", 1), span("POST /y", 2)]), (&b, vec![span("GET", 300)])],
        );
        assert_eq!(bytes, want.encode_to_vec());
        assert_eq!(ExportTraceServiceRequest::decode(&bytes[..]).expect("decodes"), want);
        assert!(encode_request(&cfg, &[]).is_empty());
    }

    /// A TraceService that keeps every request it receives with its metadata.
    #[derive(Default)]
    struct Collector(std::sync::Mutex<Vec<(tonic::metadata::MetadataMap, ExportTraceServiceRequest)>>);

    #[tonic::async_trait]
    impl TraceService for Collector {
        async fn export(
            &self,
            request: tonic::Request<ExportTraceServiceRequest>,
        ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
            let (metadata, _, message) = request.into_parts();
            self.0.lock().expect("collector lock").push((metadata, message));
            Ok(tonic::Response::new(ExportTraceServiceResponse::default()))
        }
    }

    /// Over gRPC the exporter sends its encoded bytes through its own codec: tonic's generated
    /// TraceService server, on a real socket, decodes them into the request prost would have
    /// sent, with the configured headers as metadata.
    #[test]
    fn a_tonic_trace_service_receives_the_encoded_request() {
        let collector = Arc::new(Collector::default());
        let (addr_tx, addr_rx) = mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let service = TraceServiceServer::from_arc(Arc::clone(&collector));
        let server = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            rt.block_on(async move {
                let incoming = tonic::transport::server::TcpIncoming::bind("127.0.0.1:0".parse().expect("address"))
                    .expect("bind");
                addr_tx.send(incoming.local_addr().expect("local address")).expect("send address");
                tonic::transport::Server::builder()
                    .add_service(service)
                    .serve_with_incoming_shutdown(incoming, async {
                        let _ = stopped.await;
                    })
                    .await
                    .expect("serve")
            })
        });
        let addr = addr_rx.recv().expect("server address");

        let cfg = ExportConfig {
            headers: vec![("X-Test".into(), "1".into())],
            service_name: Some("svc".into()),
            ..ExportConfig::to_grpc(format!("http://{addr}"))
        };
        let a = ProcessInfo { pid: 10, executable_path: "/srv/a".into() };
        let b = ProcessInfo { pid: 20, executable_path: "/srv/b".into() };
        let exporter = Exporter::spawn(cfg.clone());
        let exported = Arc::clone(&exporter.exported);
        exporter.send(vec![
            Queued { process: a.clone(), span: span("GET /x", 1).encode_to_vec() },
            Queued { process: b.clone(), span: span("GET", 300).encode_to_vec() },
            Queued { process: a.clone(), span: span("POST /y", 2).encode_to_vec() },
        ]);
        exporter.shutdown(); // sends what is queued, then stops
        let _ = stop.send(());
        server.join().expect("server thread");

        assert_eq!(exported.load(Ordering::Relaxed), 3);
        let received = collector.0.lock().expect("collector lock");
        assert_eq!(received.len(), 1, "one request");
        let (metadata, request) = &received[0];
        assert_eq!(
            *request,
            expected_request(
                &cfg,
                vec![(&a, vec![span("GET /x", 1), span("POST /y", 2)]), (&b, vec![span("GET", 300)])],
            )
        );
        assert_eq!(metadata.get("x-test").and_then(|v| v.to_str().ok()), Some("1"));
    }
}
