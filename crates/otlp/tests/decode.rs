//! `decode_http_payload`: the OTLP/JSON mapping (fixtures in `fixtures/`), protobuf, the
//! conversion rules (what is rejected and why) and the error messages.

mod common;

use common::{
    assert_spans_eq, expected_logs, expected_metric_points, expected_spans, key_value,
    trace_request,
};
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value, ArrayValue, KeyValueList};
use opentelemetry_proto::tonic::logs::v1 as proto_logs;
use opentelemetry_proto::tonic::metrics::v1 as proto_metrics;
use otlp::model::{Batch, Value};
use otlp::{decode_http_payload, Rejections, Signal};
use prost::Message as _;

const JSON: &str = "application/json";
const PROTOBUF: &str = "application/x-protobuf";

#[test]
fn json_traces_decode_to_the_exact_model() {
    let decoded =
        decode_http_payload(Signal::Traces, JSON, common::TRACES_JSON.as_bytes()).unwrap();
    assert_eq!(decoded.rejections, Rejections::default());
    assert!(decoded.batch.logs.is_empty() && decoded.batch.metric_points.is_empty());
    assert_spans_eq(&decoded.batch.spans, &expected_spans());
    // One resource and scope block gives one shared allocation.
    assert!(std::sync::Arc::ptr_eq(
        &decoded.batch.spans[0].resource,
        &decoded.batch.spans[1].resource
    ));
}

#[test]
fn json_logs_and_metrics_decode_to_the_exact_model() {
    let logs = decode_http_payload(
        Signal::Logs,
        "application/json; charset=utf-8",
        common::LOGS_JSON.as_bytes(),
    )
    .unwrap();
    assert_eq!(
        logs.batch,
        Batch {
            logs: expected_logs(),
            ..Batch::default()
        }
    );
    assert_eq!(logs.rejections, Rejections::default());
    let metrics =
        decode_http_payload(Signal::Metrics, JSON, common::METRICS_JSON.as_bytes()).unwrap();
    assert_eq!(
        metrics.batch,
        Batch {
            metric_points: expected_metric_points(),
            ..Batch::default()
        }
    );
    assert_eq!(metrics.rejections, Rejections::default());
}

#[test]
fn protobuf_values_of_every_type_decode() {
    use any_value::Value as V;
    let mut request = trace_request(&[(&[7; 16], &[8; 8], "op")]);
    request.resource_spans[0].scope_spans[0].spans[0].attributes = vec![
        key_value("s", V::StringValue("x".into())),
        key_value("b", V::BoolValue(true)),
        key_value("i", V::IntValue(i64::MIN)),
        key_value("d", V::DoubleValue(-0.5)),
        key_value("bytes", V::BytesValue(vec![1, 2])),
        key_value("a", V::ArrayValue(ArrayValue { values: vec![] })),
        key_value(
            "m",
            V::KvlistValue(KeyValueList {
                values: vec![key_value("inner", V::IntValue(1))],
            }),
        ),
        key_value("s", V::StringValue("last wins".into())),
    ];
    let decoded = decode_http_payload(
        Signal::Traces,
        "application/x-protobuf",
        &request.encode_to_vec(),
    )
    .unwrap();
    let mut expected = common::simple_span([7; 16], [8; 8], "op");
    expected.attributes = [
        ("s", Value::from("last wins")),
        ("b", Value::Bool(true)),
        ("i", Value::Int(i64::MIN)),
        ("d", Value::Double(-0.5)),
        ("bytes", Value::Bytes(vec![1, 2])),
        ("a", Value::Array(vec![])),
        (
            "m",
            Value::Map([("inner", Value::Int(1))].into_iter().collect()),
        ),
    ]
    .into_iter()
    .collect();
    assert_eq!(decoded.batch.spans, vec![expected]);
}

#[test]
fn spans_that_break_the_rules_are_rejected_and_the_rest_kept() {
    let mut request = trace_request(&[
        (&[1; 16], &[1; 8], "good"),
        (&[1; 3], &[2; 8], "short trace id"),
        (&[1; 16], &[0; 8], "zero span id"),
        (&[1; 16], &[3; 8], "bad kind"),
        (&[1; 16], &[4; 8], "bad parent"),
        (&[0; 16], &[5; 8], "zero trace id"),
    ]);
    let spans = &mut request.resource_spans[0].scope_spans[0].spans;
    spans[3].kind = 9;
    spans[4].parent_span_id = vec![1, 2];
    let decoded = decode_http_payload(Signal::Traces, PROTOBUF, &request.encode_to_vec()).unwrap();
    assert_eq!(
        decoded.batch.spans,
        vec![common::simple_span([1; 16], [1; 8], "good")]
    );
    assert_eq!(
        decoded.rejections,
        Rejections {
            count: 5,
            first_reason: Some(
                "span \"short trace id\": trace_id has 3 bytes; OTLP requires 16".into()
            )
        }
    );
    assert_eq!(
        decoded.rejections.message(),
        "5 items rejected; the first: span \"short trace id\": trace_id has 3 bytes; OTLP requires 16"
    );
    let reasons: Vec<String> = request.resource_spans[0].scope_spans[0]
        .spans
        .iter()
        .skip(1)
        .map(|span| {
            let single =
                opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest {
                    resource_spans: vec![opentelemetry_proto::tonic::trace::v1::ResourceSpans {
                        scope_spans: vec![opentelemetry_proto::tonic::trace::v1::ScopeSpans {
                            spans: vec![span.clone()],
                            ..Default::default()
                        }],
                        ..Default::default()
                    }],
                };
            decode_http_payload(Signal::Traces, PROTOBUF, &single.encode_to_vec())
                .unwrap()
                .rejections
                .message()
        })
        .collect();
    assert_eq!(
        reasons,
        [
            "1 item rejected: span \"short trace id\": trace_id has 3 bytes; OTLP requires 16",
            "1 item rejected: span \"zero span id\": span_id is all zeros",
            "1 item rejected: span \"bad kind\": unknown span kind 9",
            "1 item rejected: span \"bad parent\": parent_span_id has 2 bytes; OTLP requires 8 or none",
            "1 item rejected: span \"zero trace id\": trace_id is all zeros",
        ]
    );
}

#[test]
fn log_records_and_data_points_that_break_the_rules_are_rejected() {
    let request = ExportLogsServiceRequest {
        resource_logs: vec![proto_logs::ResourceLogs {
            scope_logs: vec![proto_logs::ScopeLogs {
                log_records: vec![
                    proto_logs::LogRecord {
                        severity_number: 25,
                        ..Default::default()
                    },
                    proto_logs::LogRecord {
                        trace_id: vec![1; 15],
                        ..Default::default()
                    },
                    proto_logs::LogRecord {
                        severity_number: 24,
                        trace_id: vec![0; 16],
                        span_id: vec![0; 8],
                        ..Default::default()
                    },
                ],
                ..Default::default()
            }],
            ..Default::default()
        }],
    };
    let decoded = decode_http_payload(Signal::Logs, PROTOBUF, &request.encode_to_vec()).unwrap();
    assert_eq!(decoded.batch.logs.len(), 1);
    assert_eq!(decoded.batch.logs[0].severity_number, 24);
    assert_eq!(decoded.batch.logs[0].body, Value::Empty);
    assert_eq!(
        (
            decoded.batch.logs[0].trace_id,
            decoded.batch.logs[0].span_id
        ),
        (None, None),
        "zero ids mean none"
    );
    assert_eq!(
        decoded.rejections.message(),
        "2 items rejected; the first: log record: severity_number 25 is outside 0..=24"
    );

    use proto_metrics::metric::Data;
    let metric = |name: &str, data| proto_metrics::Metric {
        name: name.into(),
        data: Some(data),
        ..Default::default()
    };
    let request = ExportMetricsServiceRequest {
        resource_metrics: vec![proto_metrics::ResourceMetrics {
            scope_metrics: vec![proto_metrics::ScopeMetrics {
                metrics: vec![
                    metric(
                        "h",
                        Data::Histogram(proto_metrics::Histogram {
                            data_points: vec![proto_metrics::HistogramDataPoint {
                                explicit_bounds: vec![1.0],
                                bucket_counts: vec![1, 2, 3],
                                ..Default::default()
                            }],
                            aggregation_temporality: 2,
                        }),
                    ),
                    metric(
                        "g",
                        Data::Gauge(proto_metrics::Gauge {
                            data_points: vec![proto_metrics::NumberDataPoint::default()],
                        }),
                    ),
                    metric(
                        "s",
                        Data::Sum(proto_metrics::Sum {
                            data_points: vec![proto_metrics::NumberDataPoint {
                                value: Some(proto_metrics::number_data_point::Value::AsInt(1)),
                                ..Default::default()
                            }],
                            aggregation_temporality: 7,
                            is_monotonic: false,
                        }),
                    ),
                ],
                ..Default::default()
            }],
            ..Default::default()
        }],
    };
    let decoded = decode_http_payload(Signal::Metrics, PROTOBUF, &request.encode_to_vec()).unwrap();
    assert!(decoded.batch.metric_points.is_empty());
    assert_eq!(decoded.rejections.count, 3);
    assert_eq!(
        decoded.rejections.first_reason.as_deref(),
        Some("metric \"h\": a histogram with 1 bounds needs 2 bucket counts, not 3")
    );
}

#[test]
fn a_resource_with_an_unusable_value_rejects_its_items() {
    let mut request = trace_request(&[(&[1; 16], &[1; 8], "a"), (&[1; 16], &[2; 8], "b")]);
    request.resource_spans[0]
        .resource
        .as_mut()
        .unwrap()
        .attributes = vec![key_value("x", any_value::Value::StringValueStrindex(3))];
    let decoded = decode_http_payload(Signal::Traces, PROTOBUF, &request.encode_to_vec()).unwrap();
    assert!(decoded.batch.is_empty());
    assert_eq!(
        decoded.rejections.message(),
        "2 items rejected; the first: resource: attribute \"x\": string_value_strindex is only meaningful in profiles"
    );
}

#[test]
fn unreadable_bodies_are_errors_that_say_what_is_wrong() {
    let error = |signal, content_type: &str, body: &str| {
        decode_http_payload(signal, content_type, body.as_bytes())
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        error(Signal::Traces, "text/plain", "{}"),
        "unsupported Content-Type \"text/plain\": OTLP/HTTP takes application/x-protobuf or application/json"
    );
    assert_eq!(
        error(Signal::Traces, JSON, "{\"resourceSpans\": ["),
        "the body is not valid JSON: EOF while parsing a list at line 1 column 19"
    );
    assert_eq!(
        error(Signal::Traces, JSON, r#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"AAECAwQFBgcICQoLDA0ODw=="}]}]}]}"#),
        "the body is not a valid OTLP/JSON traces request: resourceSpans[0].scopeSpans[0].spans[0].traceId: \
         \"AAECAwQFBgcICQoLDA0ODw==\" is not hex (OTLP/JSON writes ids as hex, not base64)"
    );
    assert_eq!(
        error(Signal::Traces, JSON, r#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"kind":"SERVER"}]}]}]}"#),
        "the body is not a valid OTLP/JSON traces request: resourceSpans[0].scopeSpans[0].spans[0].kind: unknown enum value \"SERVER\""
    );
    assert_eq!(
        error(Signal::Logs, JSON, r#"{"resourceLogs":{}}"#),
        "the body is not a valid OTLP/JSON logs request: resourceLogs: expected an array, found an object"
    );
    assert_eq!(
        error(Signal::Metrics, JSON, r#"{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"gauge":{},"sum":{}}]}]}]}"#),
        "the body is not a valid OTLP/JSON metrics request: resourceMetrics[0].scopeMetrics[0].metrics[0].sum: \
         a metric has exactly one of gauge, sum, histogram, exponentialHistogram, summary"
    );
    assert_eq!(
        error(Signal::Traces, JSON, r#"{"resourceSpans":[{"resource":{"attributes":[{"key":"k","value":{"stringValue":"a","intValue":"1"}}]}}]}"#),
        "the body is not a valid OTLP/JSON traces request: resourceSpans[0].resource.attributes[0].value.intValue: \
         an AnyValue holds one value, this one has several"
    );
    assert_eq!(
        error(Signal::Traces, PROTOBUF, "\u{0a}\u{05}ab"),
        "the body is not a valid OTLP traces protobuf message: failed to decode Protobuf message: \
         ExportTraceServiceRequest.resource_spans: buffer underflow"
    );
}

#[test]
fn an_empty_json_object_is_an_empty_request() {
    let decoded = decode_http_payload(Signal::Traces, JSON, b"{}").unwrap();
    assert!(decoded.batch.is_empty());
    assert_eq!(decoded.rejections, Rejections::default());
}

/// What a fuzz target of `decode_http_payload` checks, on a fixed budget: mangled bodies give
/// answers (decoded or an error), never a panic.
#[test]
fn mangled_bodies_never_panic() {
    let protobuf = {
        let mut request = trace_request(&[(&[1; 16], &[2; 8], "op")]);
        request.resource_spans[0].scope_spans[0].spans[0].attributes = vec![key_value(
            "k",
            any_value::Value::ArrayValue(ArrayValue { values: vec![] }),
        )];
        request.encode_to_vec()
    };
    let seeds: [(&str, &[u8]); 4] = [
        (JSON, common::TRACES_JSON.as_bytes()),
        (JSON, common::METRICS_JSON.as_bytes()),
        (JSON, common::LOGS_JSON.as_bytes()),
        (PROTOBUF, &protobuf),
    ];
    // xorshift64: deterministic, so a failure reproduces.
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut outcomes = [0usize; 2];
    for round in 0..3000 {
        let (content_type, seed) = seeds[round % seeds.len()];
        let mut body = seed.to_vec();
        for _ in 0..=(next() % 4) {
            let at = (next() as usize) % body.len();
            match next() % 3 {
                0 => body[at] = next() as u8,
                1 => body.truncate(at),
                _ => body.insert(at, b"{}[]\",:0-e\\"[(next() % 11) as usize]),
            }
            if body.is_empty() {
                break;
            }
        }
        for signal in [Signal::Traces, Signal::Metrics, Signal::Logs] {
            outcomes[usize::from(decode_http_payload(signal, content_type, &body).is_ok())] += 1;
        }
    }
    assert!(
        outcomes[0] > 0 && outcomes[1] > 0,
        "both outcomes were exercised: {outcomes:?}"
    );
}
