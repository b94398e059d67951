//! The OTLP/gRPC client of the exporter: TraceService's `Export` call made with a codec of its
//! own, whose encoder writes the request's bytes as they are. The generated client takes an
//! `ExportTraceServiceRequest`, so the already-encoded request ([`super::encode_request`])
//! had to be decoded back into prost's structs (an allocation per string and id) only to be
//! encoded again; this client sends the bytes it is given.

use bytes::BufMut as _;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceResponse;
use prost::Message as _;
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::codegen::http::uri::PathAndQuery;
use tonic::transport::Channel;
use tonic::{GrpcMethod, Request, Status};

const SERVICE: &str = "opentelemetry.proto.collector.trace.v1.TraceService";
const EXPORT_PATH: &str = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

/// A TraceService client over one channel.
pub(super) struct TraceClient(tonic::client::Grpc<Channel>);

impl TraceClient {
    pub(super) fn new(channel: Channel) -> TraceClient {
        TraceClient(tonic::client::Grpc::new(channel))
    }

    /// Calls `Export` with `request`, an encoded `ExportTraceServiceRequest`.
    pub(super) async fn export(
        &mut self,
        mut request: Request<Vec<u8>>,
    ) -> Result<ExportTraceServiceResponse, Status> {
        self.0
            .ready()
            .await
            .map_err(|e| Status::unknown(format!("Service was not ready: {e}")))?;
        request
            .extensions_mut()
            .insert(GrpcMethod::new(SERVICE, "Export"));
        let path = PathAndQuery::from_static(EXPORT_PATH);
        let response = self.0.unary(request, path, EncodedCodec).await?;
        Ok(response.into_inner())
    }
}

/// Sends encoded request bytes unchanged; decodes the response with prost.
struct EncodedCodec;

impl Codec for EncodedCodec {
    type Encode = Vec<u8>;
    type Decode = ExportTraceServiceResponse;
    type Encoder = EncodedCodec;
    type Decoder = ResponseDecoder;

    fn encoder(&mut self) -> EncodedCodec {
        EncodedCodec
    }

    fn decoder(&mut self) -> ResponseDecoder {
        ResponseDecoder
    }
}

impl Encoder for EncodedCodec {
    type Item = Vec<u8>;
    type Error = Status;

    fn encode(&mut self, item: Vec<u8>, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        dst.put_slice(&item);
        Ok(())
    }
}

struct ResponseDecoder;

impl Decoder for ResponseDecoder {
    type Item = ExportTraceServiceResponse;
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Self::Item>, Status> {
        // As tonic's prost codec answers an unreadable message.
        ExportTraceServiceResponse::decode(src)
            .map(Some)
            .map_err(|e| Status::internal(e.to_string()))
    }
}
