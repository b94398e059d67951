//! Shared by the integration tests: the models the JSON fixtures in `fixtures/` must decode
//! to, the same requests as protobuf messages, and a small HTTP client.

#![allow(dead_code)] // each test binary uses a different part

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, InstrumentationScope, KeyValue};
use opentelemetry_proto::tonic::resource::v1::Resource as ProtoResource;
use opentelemetry_proto::tonic::trace::v1 as proto;
use otlp::model::{
    Attributes, Event, ExponentialBuckets, ExponentialHistogram, Histogram, Link, LogRecord,
    MetricPoint, MetricValue, Number, Quantile, Resource, Scope, Span, SpanKind, Status,
    StatusCode, Summary, Temporality, Value,
};

pub const TRACES_JSON: &str = include_str!("../fixtures/traces.json");
pub const LOGS_JSON: &str = include_str!("../fixtures/logs.json");
pub const METRICS_JSON: &str = include_str!("../fixtures/metrics.json");

fn checkout() -> Arc<Resource> {
    Arc::new(Resource {
        attributes: [("service.name", Value::from("checkout"))]
            .into_iter()
            .collect(),
    })
}

/// What `fixtures/traces.json` holds.
pub fn expected_spans() -> Vec<Span> {
    let resource = Arc::new(Resource {
        attributes: [
            ("service.name", Value::from("checkout")),
            ("host.cpu.count", Value::Int(8)),
        ]
        .into_iter()
        .collect(),
    });
    let scope = Arc::new(Scope {
        name: "autotel/nethttp".into(),
        version: "0.1.0".into(),
    });
    let server = Span {
        trace_id: "5b8efff798038103d269b633813fc60c".parse().unwrap(),
        span_id: "eee19b7ec3c1b174".parse().unwrap(),
        parent_span_id: None,
        name: "GET /cart/{id}".into(),
        kind: SpanKind::Server,
        start_unix_nanos: 1_700_000_000_000_000_000,
        end_unix_nanos: 1_700_000_000_250_000_000,
        status: Status {
            code: StatusCode::Error,
            message: "upstream failed".into(),
        },
        attributes: [
            ("http.request.method", Value::from("GET")),
            ("http.response.status_code", Value::Int(500)),
            ("sampled", Value::Bool(true)),
            ("load", Value::Double(0.75)),
            ("nan", Value::Double(f64::NAN)),
            ("raw", Value::Bytes(vec![0x00, 0x01, 0xff])),
            ("tags", Value::Array(vec![Value::from("a"), Value::Int(-3)])),
            (
                "nested",
                Value::Map([("k", Value::Bool(false))].into_iter().collect()),
            ),
            ("nothing", Value::Empty),
            ("unknown.field", Value::from("kept")),
        ]
        .into_iter()
        .collect(),
        events: vec![Event {
            name: "exception".into(),
            time_unix_nanos: 1_700_000_000_100_000_000,
            attributes: [("exception.type", Value::from("io.EOF"))]
                .into_iter()
                .collect(),
        }],
        links: vec![Link {
            trace_id: "0af7651916cd43dd8448eb211c80319c".parse().unwrap(),
            span_id: "b7ad6b7169203331".parse().unwrap(),
            attributes: [("link.kind", Value::from("follows"))]
                .into_iter()
                .collect(),
        }],
        resource: Arc::clone(&resource),
        scope: Arc::clone(&scope),
    };
    let client = Span {
        trace_id: server.trace_id,
        span_id: "1111111111111111".parse().unwrap(),
        parent_span_id: Some(server.span_id),
        name: "SELECT carts".into(),
        kind: SpanKind::Client,
        start_unix_nanos: 1_700_000_000_010_000_000,
        end_unix_nanos: 1_700_000_000_020_000_000,
        status: Status::default(),
        attributes: Attributes::new(),
        events: vec![],
        links: vec![],
        resource,
        scope,
    };
    vec![server, client]
}

/// What `fixtures/logs.json` holds.
pub fn expected_logs() -> Vec<LogRecord> {
    let scope = Arc::new(Scope {
        name: "log/slog".into(),
        version: String::new(),
    });
    vec![
        LogRecord {
            time_unix_nanos: Some(1_700_000_000_200_000_000),
            observed_time_unix_nanos: Some(1_700_000_000_200_000_500),
            severity_number: 17,
            severity_text: "ERROR".into(),
            event_name: String::new(),
            body: Value::from("payment declined"),
            attributes: [("order.id", Value::Int(1234))].into_iter().collect(),
            trace_id: Some("5b8efff798038103d269b633813fc60c".parse().unwrap()),
            span_id: Some("eee19b7ec3c1b174".parse().unwrap()),
            resource: checkout(),
            scope: Arc::clone(&scope),
        },
        LogRecord {
            time_unix_nanos: None,
            observed_time_unix_nanos: None,
            severity_number: 9,
            severity_text: String::new(),
            event_name: "app.start".into(),
            body: Value::Map([("msg", Value::from("started"))].into_iter().collect()),
            attributes: Attributes::new(),
            trace_id: None,
            span_id: None,
            resource: checkout(),
            scope,
        },
    ]
}

/// What `fixtures/metrics.json` holds.
pub fn expected_metric_points() -> Vec<MetricPoint> {
    let scope = Arc::new(Scope {
        name: "autotel/runtime".into(),
        version: "1.2.3".into(),
    });
    let point = |name: &str, description: &str, unit: &str, value, attributes, start| MetricPoint {
        name: name.into(),
        description: description.into(),
        unit: unit.into(),
        value,
        attributes,
        start_time_unix_nanos: start,
        time_unix_nanos: 1_700_000_001_000_000_000,
        resource: checkout(),
        scope: Arc::clone(&scope),
    };
    let start = Some(1_700_000_000_000_000_000);
    vec![
        point(
            "go.goroutine.count",
            "",
            "{goroutine}",
            MetricValue::Gauge(Number::Int(42)),
            Attributes::new(),
            None,
        ),
        point(
            "http.server.request.count",
            "Requests served",
            "",
            MetricValue::Sum {
                value: Number::Double(7.5),
                monotonic: true,
                temporality: Temporality::Cumulative,
            },
            [("http.route", Value::from("/cart/{id}"))]
                .into_iter()
                .collect(),
            start,
        ),
        point(
            "http.server.request.duration",
            "",
            "s",
            MetricValue::Histogram(Histogram {
                count: 3,
                sum: Some(0.6),
                min: Some(0.1),
                max: Some(0.3),
                bounds: vec![0.1, 0.5],
                bucket_counts: vec![1, 2, 0],
                temporality: Temporality::Delta,
            }),
            Attributes::new(),
            start,
        ),
        point(
            "db.client.operation.duration",
            "",
            "",
            MetricValue::ExponentialHistogram(ExponentialHistogram {
                count: 4,
                sum: Some(10.0),
                min: None,
                max: None,
                scale: -1,
                zero_count: 1,
                zero_threshold: 0.001,
                positive: ExponentialBuckets {
                    offset: 2,
                    bucket_counts: vec![2, 1],
                },
                negative: ExponentialBuckets::default(),
                temporality: Temporality::Cumulative,
            }),
            Attributes::new(),
            None,
        ),
        point(
            "rpc.latency",
            "",
            "",
            MetricValue::Summary(Summary {
                count: 10,
                sum: 5.5,
                quantiles: vec![
                    Quantile {
                        quantile: 0.5,
                        value: 0.4,
                    },
                    Quantile {
                        quantile: 1.0,
                        value: f64::INFINITY,
                    },
                ],
            }),
            Attributes::new(),
            None,
        ),
    ]
}

/// Compares spans field by field with NaN equal to NaN (a NaN attribute is in the fixture).
pub fn assert_spans_eq<'a>(actual: impl IntoIterator<Item = &'a Span>, expected: &[Span]) {
    let render = |span: &Span| format!("{span:#?}");
    let actual: Vec<String> = actual.into_iter().map(render).collect();
    let expected: Vec<String> = expected.iter().map(render).collect();
    assert_eq!(actual, expected);
}

pub fn key_value(key: &str, value: any_value::Value) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue { value: Some(value) }),
        ..Default::default()
    }
}

/// A protobuf trace request with one span per `(trace_id, span_id, name)`.
pub fn trace_request(spans: &[(&[u8], &[u8], &str)]) -> ExportTraceServiceRequest {
    ExportTraceServiceRequest {
        resource_spans: vec![proto::ResourceSpans {
            resource: Some(ProtoResource {
                attributes: vec![key_value(
                    "service.name",
                    any_value::Value::StringValue("grpc-test".into()),
                )],
                ..Default::default()
            }),
            scope_spans: vec![proto::ScopeSpans {
                scope: Some(InstrumentationScope {
                    name: "test".into(),
                    version: "1".into(),
                    ..Default::default()
                }),
                spans: spans
                    .iter()
                    .map(|(trace_id, span_id, name)| proto::Span {
                        trace_id: trace_id.to_vec(),
                        span_id: span_id.to_vec(),
                        name: (*name).into(),
                        kind: proto::span::SpanKind::Internal as i32,
                        start_time_unix_nano: 10,
                        end_time_unix_nano: 20,
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

/// The model of one span of [`trace_request`].
pub fn simple_span(trace_id: [u8; 16], span_id: [u8; 8], name: &str) -> Span {
    Span {
        trace_id: otlp::model::TraceId(trace_id),
        span_id: otlp::model::SpanId(span_id),
        parent_span_id: None,
        name: name.into(),
        kind: SpanKind::Internal,
        start_unix_nanos: 10,
        end_unix_nanos: 20,
        status: Status::default(),
        attributes: Attributes::new(),
        events: vec![],
        links: vec![],
        resource: Arc::new(Resource {
            attributes: [("service.name", Value::from("grpc-test"))]
                .into_iter()
                .collect(),
        }),
        scope: Arc::new(Scope {
            name: "test".into(),
            version: "1".into(),
        }),
    }
}

/// An HTTP/1.1 answer: status, `Content-Type`, body.
#[derive(PartialEq)]
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
}

/// Shows the body as text, so a failed comparison is readable.
impl std::fmt::Debug for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Answer")
            .field("status", &self.status)
            .field("content_type", &self.content_type)
            .field("body", &String::from_utf8_lossy(&self.body))
            .finish()
    }
}

/// Sends one request to the receiver's HTTP address.
pub async fn send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> Answer {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let mut request = http::Request::builder()
        .method(method)
        .uri(format!("http://{addr}{path}"));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = client
        .request(request.body(Full::new(Bytes::from(body))).unwrap())
        .await
        .expect("an HTTP answer");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get(http::header::CONTENT_TYPE)
        .map(|value| value.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("a whole body")
        .to_bytes()
        .to_vec();
    Answer {
        status,
        content_type,
        body,
    }
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}
