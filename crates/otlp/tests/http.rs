//! OTLP/HTTP against a started receiver: protobuf and JSON, gzip, partial success, and the
//! exact refusals of bad requests, after which the receiver still answers.

mod common;

use std::net::{Ipv4Addr, SocketAddr};

use common::{
    expected_logs, expected_metric_points, expected_spans, gzip, send, trace_request, Answer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTracePartialSuccess, ExportTraceServiceResponse,
};
use otlp::{Receiver, ReceiverConfig};
use prost::Message as _;

async fn start(max_request_bytes: usize) -> Receiver {
    Receiver::start(ReceiverConfig {
        max_request_bytes,
        ..ReceiverConfig::ephemeral(Ipv4Addr::LOCALHOST.into())
    })
    .await
    .expect("the receiver starts")
}

const JSON: (&str, &str) = ("content-type", "application/json");
const PROTOBUF: (&str, &str) = ("content-type", "application/x-protobuf");

fn ok_json(body: &str) -> Answer {
    Answer {
        status: 200,
        content_type: "application/json".into(),
        body: body.into(),
    }
}

fn refused(status: u16, code: i32, message: &str) -> Answer {
    let body = format!(
        r#"{{"code":{code},"message":{}}}"#,
        serde_json::Value::from(message)
    );
    Answer {
        status,
        content_type: "application/json".into(),
        body: body.into_bytes(),
    }
}

#[tokio::test]
async fn json_requests_of_each_signal_are_stored_exactly() {
    let receiver = start(1 << 20).await;
    let addr = receiver.http_addr();
    assert_eq!(
        send(
            addr,
            "POST",
            "/v1/traces",
            &[JSON],
            common::TRACES_JSON.into()
        )
        .await,
        ok_json("{}")
    );
    assert_eq!(
        send(addr, "POST", "/v1/logs", &[JSON], common::LOGS_JSON.into()).await,
        ok_json("{}")
    );
    let gzipped = gzip(common::METRICS_JSON.as_bytes());
    let answer = send(
        addr,
        "POST",
        "/v1/metrics",
        &[JSON, ("content-encoding", "gzip")],
        gzipped,
    )
    .await;
    assert_eq!(answer, ok_json("{}"));
    let store = receiver.store();
    common::assert_spans_eq(store.spans().iter().map(|s| &**s), &expected_spans());
    assert_eq!(
        store
            .logs()
            .iter()
            .map(|l| (**l).clone())
            .collect::<Vec<_>>(),
        expected_logs()
    );
    assert_eq!(
        store
            .metric_points()
            .iter()
            .map(|p| (**p).clone())
            .collect::<Vec<_>>(),
        expected_metric_points()
    );
    receiver.shutdown().await.unwrap();
}

#[tokio::test]
async fn protobuf_requests_are_answered_in_protobuf_with_partial_success() {
    let receiver = start(1 << 20).await;
    let addr = receiver.http_addr();
    let good = trace_request(&[(&[1; 16], &[1; 8], "ok")]).encode_to_vec();
    let answer = send(
        addr,
        "POST",
        "/v1/traces",
        &[PROTOBUF, ("content-encoding", "gzip")],
        gzip(&good),
    )
    .await;
    assert_eq!(
        answer,
        Answer {
            status: 200,
            content_type: "application/x-protobuf".into(),
            body: vec![]
        }
    );

    let mixed =
        trace_request(&[(&[2; 16], &[1; 8], "ok too"), (&[2; 3], &[2; 8], "bad")]).encode_to_vec();
    let answer = send(addr, "POST", "/v1/traces", &[PROTOBUF], mixed).await;
    assert_eq!(
        (answer.status, answer.content_type.as_str()),
        (200, "application/x-protobuf")
    );
    assert_eq!(
        ExportTraceServiceResponse::decode(answer.body.as_slice()).unwrap(),
        ExportTraceServiceResponse {
            partial_success: Some(ExportTracePartialSuccess {
                rejected_spans: 1,
                error_message:
                    "1 item rejected: span \"bad\": trace_id has 3 bytes; OTLP requires 16".into(),
            })
        }
    );
    let names: Vec<String> = receiver
        .store()
        .spans()
        .iter()
        .map(|s| s.name.clone())
        .collect();
    assert_eq!(names, ["ok", "ok too"]);
    assert_eq!(receiver.store().stats().rejected_items, 1);
    receiver.shutdown().await.unwrap();
}

#[tokio::test]
async fn json_partial_success_uses_the_json_mapping() {
    let receiver = start(1 << 20).await;
    let body = r#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"010101","spanId":"0102030405060708","name":"bad"}]}]}]}"#;
    let answer = send(
        receiver.http_addr(),
        "POST",
        "/v1/traces",
        &[JSON],
        body.into(),
    )
    .await;
    assert_eq!(
        answer,
        ok_json(
            r#"{"partialSuccess":{"rejectedSpans":"1","errorMessage":"1 item rejected: span \"bad\": trace_id has 3 bytes; OTLP requires 16"}}"#
        )
    );
    receiver.shutdown().await.unwrap();
}

/// `google.rpc.Status`, to read protobuf error bodies.
#[derive(Clone, PartialEq, prost::Message)]
struct RpcStatus {
    #[prost(int32, tag = "1")]
    code: i32,
    #[prost(string, tag = "2")]
    message: String,
}

#[tokio::test]
async fn bad_requests_get_the_protocol_answer_and_the_receiver_keeps_serving() {
    let receiver = start(1024).await;
    let addr = receiver.http_addr();

    let answer = send(
        addr,
        "POST",
        "/v1/traces",
        &[JSON],
        b"{\"resourceSpans\":[".to_vec(),
    )
    .await;
    assert_eq!(
        answer,
        refused(
            400,
            3,
            "the body is not valid JSON: EOF while parsing a list at line 1 column 18"
        )
    );

    let answer = send(
        addr,
        "POST",
        "/v1/logs",
        &[PROTOBUF],
        vec![0x0a, 0x05, 0x01],
    )
    .await;
    assert_eq!(
        (answer.status, answer.content_type.as_str()),
        (400, "application/x-protobuf")
    );
    assert_eq!(
        RpcStatus::decode(answer.body.as_slice()).unwrap(),
        RpcStatus {
            code: 3,
            message: "the body is not a valid OTLP logs protobuf message: failed to decode Protobuf message: \
                      ExportLogsServiceRequest.resource_logs: buffer underflow"
                .into()
        }
    );

    let too_large = "the request body is larger than the receiver's limit of 1024 bytes";
    let answer = send(addr, "POST", "/v1/traces", &[JSON], vec![b' '; 1025]).await;
    assert_eq!(answer, refused(413, 8, too_large));
    // A small body that inflates past the limit.
    let bomb = gzip(&[b' '; 100_000]);
    assert!(bomb.len() < 1024);
    let answer = send(
        addr,
        "POST",
        "/v1/metrics",
        &[JSON, ("content-encoding", "gzip")],
        bomb,
    )
    .await;
    assert_eq!(answer, refused(413, 8, too_large));

    let answer = send(
        addr,
        "POST",
        "/v1/traces",
        &[JSON, ("content-encoding", "gzip")],
        b"this is certainly not gzip".to_vec(),
    )
    .await;
    assert_eq!(
        answer,
        refused(400, 3, "the body is not valid gzip: invalid gzip header")
    );
    let answer = send(
        addr,
        "POST",
        "/v1/traces",
        &[JSON, ("content-encoding", "br")],
        b"{}".to_vec(),
    )
    .await;
    assert_eq!(
        answer,
        refused(
            415,
            3,
            "unsupported Content-Encoding \"br\": OTLP/HTTP takes gzip or no encoding"
        )
    );
    let answer = send(
        addr,
        "POST",
        "/v1/traces",
        &[("content-type", "text/plain")],
        b"{}".to_vec(),
    )
    .await;
    assert_eq!(
        answer,
        refused(415, 3, "unsupported Content-Type \"text/plain\": OTLP/HTTP takes application/x-protobuf or application/json")
    );
    assert_eq!(
        send(addr, "GET", "/v1/traces", &[], vec![]).await.status,
        405
    );
    assert_eq!(
        send(addr, "POST", "/v1/profiles", &[JSON], b"{}".to_vec())
            .await
            .status,
        404
    );

    assert_eq!(
        send(addr, "POST", "/v1/traces", &[JSON], b"{}".to_vec()).await,
        ok_json("{}")
    );
    assert_eq!(receiver.store().stats().refused_requests, 7);
    receiver.shutdown().await.unwrap();
}

#[tokio::test]
async fn shutdown_ends_subscriptions_after_what_was_received() {
    let receiver = start(1 << 20).await;
    let mut events = receiver.store().subscribe();
    assert_eq!(
        send(
            receiver.http_addr(),
            "POST",
            "/v1/traces",
            &[JSON],
            common::TRACES_JSON.into()
        )
        .await
        .status,
        200
    );
    let store = std::sync::Arc::clone(receiver.store());
    receiver.shutdown().await.unwrap();
    assert!(matches!(events.recv().await, Ok(otlp::Received::Spans(spans)) if spans.len() == 2));
    assert!(matches!(
        events.recv().await,
        Err(tokio::sync::broadcast::error::RecvError::Closed)
    ));
    assert_eq!(store.spans().len(), 2, "the store stays readable");
}

#[tokio::test]
async fn a_busy_address_is_refused_with_advice() {
    let first = start(1024).await;
    let busy: SocketAddr = first.http_addr();
    let config = ReceiverConfig {
        http: busy,
        ..ReceiverConfig::ephemeral(Ipv4Addr::LOCALHOST.into())
    };
    let error = Receiver::start(config)
        .await
        .err()
        .expect("the second receiver cannot bind");
    assert_eq!(
        error.to_string(),
        format!(
            "cannot listen on {busy} for OTLP/HTTP: address in use (is another OpenTelemetry collector or \
             `autotel view` running? stop it or choose another port)"
        )
    );
    first.shutdown().await.unwrap();
}

#[test]
fn a_background_receiver_serves_until_dropped() {
    let receiver =
        otlp::BackgroundReceiver::spawn(ReceiverConfig::ephemeral(Ipv4Addr::LOCALHOST.into()))
            .unwrap();
    let (grpc, http) = (receiver.grpc_addr(), receiver.http_addr());
    assert_eq!(receiver.http_endpoint(), format!("http://{http}"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let answer = runtime.block_on(send(
        http,
        "POST",
        "/v1/traces",
        &[JSON],
        common::TRACES_JSON.into(),
    ));
    assert_eq!(answer.status, 200);
    assert!(receiver
        .store()
        .wait_until(std::time::Duration::from_secs(5), |store| store
            .spans()
            .len()
            == 2));
    drop(receiver);
    for addr in [grpc, http] {
        let error = std::net::TcpStream::connect(addr).expect_err("nothing listens after drop");
        assert_eq!(error.kind(), std::io::ErrorKind::ConnectionRefused);
    }
}
