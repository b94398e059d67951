//! The OTLP/gRPC server: the Trace, Metrics and Logs services on one listener, gzip accepted,
//! requests limited in size.
//!
//! tonic answers a request it cannot read with codes that mislead an OTLP exporter: an
//! oversized message gets OUT_OF_RANGE, which the OTLP specification lists as *retryable*, and
//! an unparsable one gets INTERNAL. A response layer rewrites those two (the handlers here
//! never produce them) into RESOURCE_EXHAUSTED and INVALID_ARGUMENT, which exporters do not
//! retry, and counts the refused request.

use std::future::Future;
use std::sync::Arc;

use http::HeaderValue;
use opentelemetry_proto::tonic::collector::logs::v1::logs_service_server::{
    LogsService, LogsServiceServer,
};
use opentelemetry_proto::tonic::collector::logs::v1::{
    ExportLogsPartialSuccess, ExportLogsServiceRequest, ExportLogsServiceResponse,
};
use opentelemetry_proto::tonic::collector::metrics::v1::metrics_service_server::{
    MetricsService, MetricsServiceServer,
};
use opentelemetry_proto::tonic::collector::metrics::v1::{
    ExportMetricsPartialSuccess, ExportMetricsServiceRequest, ExportMetricsServiceResponse,
};
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTracePartialSuccess, ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use tokio::net::TcpListener;
use tokio_stream::wrappers::TcpListenerStream;
use tonic::codec::CompressionEncoding;
use tonic::{Request, Response, Status};

use crate::convert::{self, Decoded};
use crate::store::Store;

/// Serves the three services on `listener` until `shutdown` completes.
pub(crate) async fn serve(
    listener: TcpListener,
    store: Arc<Store>,
    max_request_bytes: usize,
    shutdown: impl Future<Output = ()>,
) -> Result<(), tonic::transport::Error> {
    let services = Arc::new(Services {
        store: Arc::clone(&store),
    });
    let traces = TraceServiceServer::from_arc(Arc::clone(&services))
        .accept_compressed(CompressionEncoding::Gzip)
        .send_compressed(CompressionEncoding::Gzip)
        .max_decoding_message_size(max_request_bytes);
    let metrics = MetricsServiceServer::from_arc(Arc::clone(&services))
        .accept_compressed(CompressionEncoding::Gzip)
        .send_compressed(CompressionEncoding::Gzip)
        .max_decoding_message_size(max_request_bytes);
    let logs = LogsServiceServer::from_arc(services)
        .accept_compressed(CompressionEncoding::Gzip)
        .send_compressed(CompressionEncoding::Gzip)
        .max_decoding_message_size(max_request_bytes);
    tonic::transport::Server::builder()
        .layer(tower::util::MapResponseLayer::new(move |response| {
            fix_refusal_status(&store, response)
        }))
        .add_service(traces)
        .add_service(metrics)
        .add_service(logs)
        .serve_with_incoming_shutdown(TcpListenerStream::new(listener), shutdown)
        .await
}

/// Rewrites tonic's codes for unreadable requests (see the module comment). tonic sends them
/// as a trailers-only response, so the code is in the headers.
fn fix_refusal_status<B>(store: &Store, mut response: http::Response<B>) -> http::Response<B> {
    let code = response
        .headers()
        .get("grpc-status")
        .and_then(|value| value.to_str().ok())
        .and_then(|s| s.parse().ok());
    let replacement = match code.map(tonic::Code::from_i32) {
        Some(tonic::Code::OutOfRange) => tonic::Code::ResourceExhausted,
        Some(tonic::Code::Internal) => tonic::Code::InvalidArgument,
        Some(tonic::Code::ResourceExhausted) | Some(tonic::Code::InvalidArgument) => {
            store.count_refused();
            return response;
        }
        _ => return response,
    };
    store.count_refused();
    response
        .headers_mut()
        .insert("grpc-status", HeaderValue::from(replacement as i32));
    response
}

struct Services {
    store: Arc<Store>,
}

impl Services {
    /// Stores what was accepted and returns the rejection count and message.
    fn accept(&self, decoded: Decoded) -> Option<(i64, String)> {
        let Decoded { batch, rejections } = decoded;
        self.store.insert(batch);
        self.store.count_rejected(rejections.count);
        (rejections.count > 0).then(|| {
            (
                i64::try_from(rejections.count).unwrap_or(i64::MAX),
                rejections.message(),
            )
        })
    }
}

#[tonic::async_trait]
impl TraceService for Services {
    async fn export(
        &self,
        request: Request<ExportTraceServiceRequest>,
    ) -> Result<Response<ExportTraceServiceResponse>, Status> {
        let partial = self.accept(convert::traces(request.into_inner()));
        Ok(Response::new(ExportTraceServiceResponse {
            partial_success: partial.map(|(rejected_spans, error_message)| {
                ExportTracePartialSuccess {
                    rejected_spans,
                    error_message,
                }
            }),
        }))
    }
}

#[tonic::async_trait]
impl MetricsService for Services {
    async fn export(
        &self,
        request: Request<ExportMetricsServiceRequest>,
    ) -> Result<Response<ExportMetricsServiceResponse>, Status> {
        let partial = self.accept(convert::metrics(request.into_inner()));
        Ok(Response::new(ExportMetricsServiceResponse {
            partial_success: partial.map(|(rejected_data_points, error_message)| {
                ExportMetricsPartialSuccess {
                    rejected_data_points,
                    error_message,
                }
            }),
        }))
    }
}

#[tonic::async_trait]
impl LogsService for Services {
    async fn export(
        &self,
        request: Request<ExportLogsServiceRequest>,
    ) -> Result<Response<ExportLogsServiceResponse>, Status> {
        let partial = self.accept(convert::logs(request.into_inner()));
        Ok(Response::new(ExportLogsServiceResponse {
            partial_success: partial.map(|(rejected_log_records, error_message)| {
                ExportLogsPartialSuccess {
                    rejected_log_records,
                    error_message,
                }
            }),
        }))
    }
}
