//! The OTLP/HTTP server: `POST /v1/traces`, `/v1/metrics`, `/v1/logs` with protobuf or JSON
//! bodies, optionally gzip-compressed, limited in size before and after decompression.
//!
//! Answers follow the OTLP/HTTP specification: 200 with an `Export*ServiceResponse` (carrying
//! `partial_success` when items were rejected); 400 for a body that cannot be read, 413 for one
//! over the limit, 415 for an unsupported `Content-Type` or `Content-Encoding`, each with a
//! `google.rpc.Status` body in the request's encoding (JSON when that is unknown).

use std::io::Read as _;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use bytes::Bytes;
use http::header::{CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderMap, StatusCode};
use http_body_util::{BodyExt as _, LengthLimitError, Limited};

use crate::payload::{
    decode_http_payload, error_status, export_response, DecodeError, Encoding, Signal,
};
use crate::store::Store;

#[derive(Clone)]
struct HttpState {
    store: Arc<Store>,
    max_request_bytes: usize,
}

/// The routes of the OTLP/HTTP receiver.
pub(crate) fn router(store: Arc<Store>, max_request_bytes: usize) -> Router {
    let state = HttpState {
        store,
        max_request_bytes,
    };
    Router::new()
        .route(
            "/v1/traces",
            post(|state: State<HttpState>, headers: HeaderMap, body: Body| {
                export(state, Signal::Traces, headers, body)
            }),
        )
        .route(
            "/v1/metrics",
            post(|state: State<HttpState>, headers: HeaderMap, body: Body| {
                export(state, Signal::Metrics, headers, body)
            }),
        )
        .route(
            "/v1/logs",
            post(|state: State<HttpState>, headers: HeaderMap, body: Body| {
                export(state, Signal::Logs, headers, body)
            }),
        )
        .with_state(state)
}

/// A refused request: the HTTP status, the gRPC code of its `google.rpc.Status` and the text.
struct Refusal {
    status: StatusCode,
    code: tonic::Code,
    message: String,
}

impl Refusal {
    fn bad_request(message: impl Into<String>) -> Self {
        Refusal {
            status: StatusCode::BAD_REQUEST,
            code: tonic::Code::InvalidArgument,
            message: message.into(),
        }
    }

    fn too_large(limit: usize) -> Self {
        Refusal {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            code: tonic::Code::ResourceExhausted,
            message: format!(
                "the request body is larger than the receiver's limit of {limit} bytes"
            ),
        }
    }

    fn unsupported(message: impl Into<String>) -> Self {
        Refusal {
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
            code: tonic::Code::InvalidArgument,
            message: message.into(),
        }
    }
}

async fn export(
    State(state): State<HttpState>,
    signal: Signal,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let encoding = Encoding::from_content_type(content_type);
    match receive(&state, signal, content_type, &headers, body).await {
        Ok(response) => response,
        Err(refusal) => {
            state.store.count_refused();
            let encoding = encoding.unwrap_or(Encoding::Json);
            let body = error_status(encoding, refusal.code, &refusal.message);
            (
                refusal.status,
                [(CONTENT_TYPE, encoding.content_type())],
                body,
            )
                .into_response()
        }
    }
}

async fn receive(
    state: &HttpState,
    signal: Signal,
    content_type: &str,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, Refusal> {
    let limit = state.max_request_bytes;
    let Some(encoding) = Encoding::from_content_type(content_type) else {
        return Err(Refusal::unsupported(
            DecodeError::UnsupportedContentType(content_type.to_owned()).to_string(),
        ));
    };
    let gzip = match headers
        .get(CONTENT_ENCODING)
        .map(|value| value.to_str().unwrap_or("?").trim().to_ascii_lowercase())
    {
        None => false,
        Some(coding) if coding.is_empty() || coding == "identity" => false,
        Some(coding) if coding == "gzip" => true,
        Some(coding) => {
            return Err(Refusal::unsupported(format!(
                "unsupported Content-Encoding {coding:?}: OTLP/HTTP takes gzip or no encoding"
            )));
        }
    };
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|n| n.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return Err(Refusal::too_large(limit));
    }
    let bytes = read_body(body, limit).await?;
    let bytes = if gzip { gunzip(&bytes, limit)? } else { bytes };
    let decoded = decode_http_payload(signal, content_type, &bytes)
        .map_err(|err| Refusal::bad_request(err.to_string()))?;
    let response = export_response(signal, encoding, &decoded.rejections);
    state.store.insert(decoded.batch);
    state.store.count_rejected(decoded.rejections.count);
    Ok((
        StatusCode::OK,
        [(CONTENT_TYPE, encoding.content_type())],
        response,
    )
        .into_response())
}

async fn read_body(body: Body, limit: usize) -> Result<Bytes, Refusal> {
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(err) if err.downcast_ref::<LengthLimitError>().is_some() => {
            Err(Refusal::too_large(limit))
        }
        Err(err) => Err(Refusal::bad_request(format!(
            "cannot read the request body: {err}"
        ))),
    }
}

/// Decompresses a gzip body, refusing output beyond `limit` bytes (a small body can inflate
/// enormously).
fn gunzip(compressed: &[u8], limit: usize) -> Result<Bytes, Refusal> {
    let mut inflated = Vec::new();
    flate2::read::MultiGzDecoder::new(compressed)
        .take(limit as u64 + 1)
        .read_to_end(&mut inflated)
        .map_err(|err| Refusal::bad_request(format!("the body is not valid gzip: {err}")))?;
    if inflated.len() > limit {
        return Err(Refusal::too_large(limit));
    }
    Ok(inflated.into())
}
