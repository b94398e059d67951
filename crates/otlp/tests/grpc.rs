//! OTLP/gRPC against a started receiver, with the generated tonic clients: each signal, gzip,
//! partial success, and the codes for oversized and malformed messages (after which the
//! receiver still answers).

mod common;

use std::net::Ipv4Addr;
use std::sync::Arc;

use common::{key_value, simple_span, trace_request};
use opentelemetry_proto::tonic::collector::logs::v1::logs_service_client::LogsServiceClient;
use opentelemetry_proto::tonic::collector::logs::v1::{
    ExportLogsServiceRequest, ExportLogsServiceResponse,
};
use opentelemetry_proto::tonic::collector::metrics::v1::metrics_service_client::MetricsServiceClient;
use opentelemetry_proto::tonic::collector::metrics::v1::{
    ExportMetricsServiceRequest, ExportMetricsServiceResponse,
};
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_client::TraceServiceClient;
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTracePartialSuccess, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::any_value;
use opentelemetry_proto::tonic::logs::v1 as proto_logs;
use opentelemetry_proto::tonic::metrics::v1 as proto_metrics;
use otlp::model::{
    Attributes, LogRecord, MetricPoint, MetricValue, Number, Resource, Scope, Temporality, Value,
};
use otlp::{Receiver, ReceiverConfig};
use tonic::codec::CompressionEncoding;

async fn start(max_request_bytes: usize) -> Receiver {
    Receiver::start(ReceiverConfig {
        max_request_bytes,
        ..ReceiverConfig::ephemeral(Ipv4Addr::LOCALHOST.into())
    })
    .await
    .expect("the receiver starts")
}

async fn trace_client(receiver: &Receiver) -> TraceServiceClient<tonic::transport::Channel> {
    TraceServiceClient::connect(format!("http://{}", receiver.grpc_addr()))
        .await
        .expect("a connection")
}

#[tokio::test]
async fn each_signal_is_stored_exactly() {
    let receiver = start(1 << 20).await;
    let endpoint = format!("http://{}", receiver.grpc_addr());

    let response = trace_client(&receiver)
        .await
        .export(trace_request(&[(&[1; 16], &[2; 8], "op")]))
        .await
        .unwrap();
    assert_eq!(
        response.into_inner(),
        ExportTraceServiceResponse {
            partial_success: None
        }
    );

    let logs = ExportLogsServiceRequest {
        resource_logs: vec![proto_logs::ResourceLogs {
            scope_logs: vec![proto_logs::ScopeLogs {
                log_records: vec![proto_logs::LogRecord {
                    time_unix_nano: 5,
                    severity_number: 13,
                    severity_text: "WARN".into(),
                    body: Some(opentelemetry_proto::tonic::common::v1::AnyValue {
                        value: Some(any_value::Value::StringValue("slow".into())),
                    }),
                    trace_id: vec![1; 16],
                    span_id: vec![2; 8],
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        }],
    };
    let response = LogsServiceClient::connect(endpoint.clone())
        .await
        .unwrap()
        .export(logs)
        .await
        .unwrap();
    assert_eq!(
        response.into_inner(),
        ExportLogsServiceResponse {
            partial_success: None
        }
    );

    let metrics = ExportMetricsServiceRequest {
        resource_metrics: vec![proto_metrics::ResourceMetrics {
            scope_metrics: vec![proto_metrics::ScopeMetrics {
                metrics: vec![proto_metrics::Metric {
                    name: "requests".into(),
                    unit: "{request}".into(),
                    data: Some(proto_metrics::metric::Data::Sum(proto_metrics::Sum {
                        data_points: vec![proto_metrics::NumberDataPoint {
                            attributes: vec![key_value(
                                "route",
                                any_value::Value::StringValue("/".into()),
                            )],
                            start_time_unix_nano: 1,
                            time_unix_nano: 2,
                            value: Some(proto_metrics::number_data_point::Value::AsInt(3)),
                            ..Default::default()
                        }],
                        aggregation_temporality: 1,
                        is_monotonic: true,
                    })),
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        }],
    };
    let response = MetricsServiceClient::connect(endpoint)
        .await
        .unwrap()
        .export(metrics)
        .await
        .unwrap();
    assert_eq!(
        response.into_inner(),
        ExportMetricsServiceResponse {
            partial_success: None
        }
    );

    let store = receiver.store();
    assert_eq!(
        store
            .spans()
            .iter()
            .map(|s| (**s).clone())
            .collect::<Vec<_>>(),
        [simple_span([1; 16], [2; 8], "op")]
    );
    let empty = (Arc::new(Resource::default()), Arc::new(Scope::default()));
    assert_eq!(
        store
            .logs()
            .iter()
            .map(|l| (**l).clone())
            .collect::<Vec<_>>(),
        [LogRecord {
            time_unix_nanos: Some(5),
            observed_time_unix_nanos: None,
            severity_number: 13,
            severity_text: "WARN".into(),
            event_name: String::new(),
            body: Value::from("slow"),
            attributes: Attributes::new(),
            trace_id: Some(otlp::model::TraceId([1; 16])),
            span_id: Some(otlp::model::SpanId([2; 8])),
            resource: empty.0.clone(),
            scope: empty.1.clone(),
        }]
    );
    assert_eq!(
        store
            .metric_points()
            .iter()
            .map(|p| (**p).clone())
            .collect::<Vec<_>>(),
        [MetricPoint {
            name: "requests".into(),
            description: String::new(),
            unit: "{request}".into(),
            value: MetricValue::Sum {
                value: Number::Int(3),
                monotonic: true,
                temporality: Temporality::Delta
            },
            attributes: [("route", Value::from("/"))].into_iter().collect(),
            start_time_unix_nanos: Some(1),
            time_unix_nanos: 2,
            resource: empty.0,
            scope: empty.1,
        }]
    );
    receiver.shutdown().await.unwrap();
}

#[tokio::test]
async fn gzip_requests_and_partial_success() {
    let receiver = start(1 << 20).await;
    let mut client = trace_client(&receiver)
        .await
        .send_compressed(CompressionEncoding::Gzip);
    let request = trace_request(&[(&[1; 16], &[2; 8], "kept"), (&[1; 16], &[2; 9], "long id")]);
    let response = client.export(request).await.unwrap().into_inner();
    assert_eq!(
        response,
        ExportTraceServiceResponse {
            partial_success: Some(ExportTracePartialSuccess {
                rejected_spans: 1,
                error_message:
                    "1 item rejected: span \"long id\": span_id has 9 bytes; OTLP requires 8".into(),
            })
        }
    );
    assert_eq!(
        receiver
            .store()
            .spans()
            .iter()
            .map(|s| s.name.as_str().to_owned())
            .collect::<Vec<_>>(),
        ["kept"]
    );
    receiver.shutdown().await.unwrap();
}

/// A message whose field 1 is a number where `ExportTraceServiceRequest` has a message.
#[derive(Clone, PartialEq, prost::Message)]
struct NotARequest {
    #[prost(uint64, tag = "1")]
    number: u64,
}

async fn send_raw(receiver: &Receiver, message: NotARequest) -> tonic::Status {
    let channel =
        tonic::transport::Endpoint::from_shared(format!("http://{}", receiver.grpc_addr()))
            .unwrap()
            .connect()
            .await
            .unwrap();
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready().await.unwrap();
    let codec = tonic_prost::ProstCodec::<NotARequest, ExportTraceServiceResponse>::default();
    let path = http::uri::PathAndQuery::from_static(
        "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
    );
    grpc.unary(tonic::Request::new(message), path, codec)
        .await
        .expect_err("the receiver refuses it")
}

#[tokio::test]
async fn oversized_and_malformed_messages_get_codes_that_exporters_do_not_retry() {
    let receiver = start(1024).await;
    let mut client = trace_client(&receiver).await;

    let big = trace_request(&[(&[1; 16], &[2; 8], &"x".repeat(2000))]);
    let status = client.export(big.clone()).await.unwrap_err();
    assert_eq!(status.code(), tonic::Code::ResourceExhausted);
    let size = prost::Message::encoded_len(&big);
    assert_eq!(
        status.message(),
        format!(
            "Error, decoded message length too large: found {size} bytes, the limit is: 1024 bytes"
        )
    );

    // Compressed below the limit, inflating past it.
    let status = client
        .clone()
        .send_compressed(CompressionEncoding::Gzip)
        .export(big)
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::ResourceExhausted);

    let status = send_raw(&receiver, NotARequest { number: 7 }).await;
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    assert_eq!(
        status.message(),
        "failed to decode Protobuf message: ExportTraceServiceRequest.resource_spans: \
         invalid wire type: Varint (expected LengthDelimited)"
    );

    let response = client
        .export(trace_request(&[(&[1; 16], &[2; 8], "after")]))
        .await
        .unwrap();
    assert_eq!(
        response.into_inner(),
        ExportTraceServiceResponse {
            partial_success: None
        }
    );
    assert_eq!(receiver.store().stats().refused_requests, 3);
    receiver.shutdown().await.unwrap();
}

#[tokio::test]
async fn an_unknown_service_is_unimplemented() {
    let receiver = start(1024).await;
    let channel =
        tonic::transport::Endpoint::from_shared(format!("http://{}", receiver.grpc_addr()))
            .unwrap()
            .connect()
            .await
            .unwrap();
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready().await.unwrap();
    let codec = tonic_prost::ProstCodec::<NotARequest, ExportTraceServiceResponse>::default();
    let path = http::uri::PathAndQuery::from_static(
        "/opentelemetry.proto.collector.profiles.v1development.ProfilesService/Export",
    );
    let status = grpc
        .unary(tonic::Request::new(NotARequest { number: 1 }), path, codec)
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::Unimplemented);
    receiver.shutdown().await.unwrap();
}
