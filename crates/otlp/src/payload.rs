//! One OTLP/HTTP request body (already decompressed) to the model, in either encoding, and the
//! export responses in the same encoding. The HTTP server calls [`decode_http_payload`]; so
//! can a fuzz target, since it takes plain bytes and must never panic.

use std::fmt;

use opentelemetry_proto::tonic::collector::logs::v1::{
    ExportLogsPartialSuccess, ExportLogsServiceRequest, ExportLogsServiceResponse,
};
use opentelemetry_proto::tonic::collector::metrics::v1::{
    ExportMetricsPartialSuccess, ExportMetricsServiceRequest, ExportMetricsServiceResponse,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTracePartialSuccess, ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use prost::Message;

use crate::convert::{self, Decoded, Rejections};
use crate::json::{Json, JsonError};
use crate::otlp_json;
use crate::trace_wire;

/// The three OTLP signals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Signal {
    Traces,
    Metrics,
    Logs,
}

impl fmt::Display for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Signal::Traces => "traces",
            Signal::Metrics => "metrics",
            Signal::Logs => "logs",
        })
    }
}

/// The two OTLP/HTTP body encodings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Protobuf,
    Json,
}

impl Encoding {
    /// The encoding a `Content-Type` header names (parameters such as `charset` ignored).
    /// `application/protobuf` is taken as an alias of OTLP's `application/x-protobuf`.
    pub fn from_content_type(header: &str) -> Option<Encoding> {
        let media_type = header.split(';').next().unwrap_or_default().trim();
        if media_type.eq_ignore_ascii_case("application/x-protobuf")
            || media_type.eq_ignore_ascii_case("application/protobuf")
        {
            Some(Encoding::Protobuf)
        } else if media_type.eq_ignore_ascii_case("application/json") {
            Some(Encoding::Json)
        } else {
            None
        }
    }

    /// The `Content-Type` this encoding is answered with.
    pub fn content_type(self) -> &'static str {
        match self {
            Encoding::Protobuf => "application/x-protobuf",
            Encoding::Json => "application/json",
        }
    }
}

/// Why a request body could not be decoded. The HTTP server answers 400 or 415 with this text.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("unsupported Content-Type {0:?}: OTLP/HTTP takes application/x-protobuf or application/json")]
    UnsupportedContentType(String),
    #[error("the body is not a valid OTLP {signal} protobuf message: {error}")]
    Protobuf {
        signal: Signal,
        error: prost::DecodeError,
    },
    #[error("the body is not valid JSON: {0}")]
    Json(serde_json::Error),
    #[error("the body is not a valid OTLP/JSON {signal} request: {error}")]
    OtlpJson { signal: Signal, error: JsonError },
}

/// Decodes an OTLP/HTTP export request body for `signal`, sent with the `Content-Type`
/// header `content_type`, into the model. Items that break OTLP's rules are counted in
/// [`Decoded::rejections`]; a body that cannot be read at all is an error.
pub fn decode_http_payload(
    signal: Signal,
    content_type: &str,
    body: &[u8],
) -> Result<Decoded, DecodeError> {
    let encoding = Encoding::from_content_type(content_type)
        .ok_or_else(|| DecodeError::UnsupportedContentType(content_type.to_owned()))?;
    match encoding {
        Encoding::Protobuf => {
            let protobuf = |error| DecodeError::Protobuf { signal, error };
            Ok(match signal {
                // The usual request takes the fast path; any other the full way, which gives
                // the exact error or rejections (see `trace_wire`).
                Signal::Traces => match trace_wire::traces(body) {
                    Some(decoded) => decoded,
                    None => {
                        convert::traces(ExportTraceServiceRequest::decode(body).map_err(protobuf)?)
                    }
                },
                Signal::Metrics => {
                    convert::metrics(ExportMetricsServiceRequest::decode(body).map_err(protobuf)?)
                }
                Signal::Logs => {
                    convert::logs(ExportLogsServiceRequest::decode(body).map_err(protobuf)?)
                }
            })
        }
        Encoding::Json => {
            let json = Json::parse(body).map_err(DecodeError::Json)?;
            let otlp = |error| DecodeError::OtlpJson { signal, error };
            Ok(match signal {
                Signal::Traces => convert::traces(otlp_json::trace_request(&json).map_err(otlp)?),
                Signal::Metrics => {
                    convert::metrics(otlp_json::metrics_request(&json).map_err(otlp)?)
                }
                Signal::Logs => convert::logs(otlp_json::logs_request(&json).map_err(otlp)?),
            })
        }
    }
}

/// The `Export*ServiceResponse` for `signal` in `encoding`: empty on full success, with
/// `partial_success` set when items were rejected.
pub(crate) fn export_response(
    signal: Signal,
    encoding: Encoding,
    rejections: &Rejections,
) -> Vec<u8> {
    let rejected = i64::try_from(rejections.count).unwrap_or(i64::MAX);
    let message = rejections.message();
    match encoding {
        Encoding::Protobuf => {
            let partial = rejections.count > 0;
            match signal {
                Signal::Traces => ExportTraceServiceResponse {
                    partial_success: partial.then_some(ExportTracePartialSuccess {
                        rejected_spans: rejected,
                        error_message: message,
                    }),
                }
                .encode_to_vec(),
                Signal::Metrics => ExportMetricsServiceResponse {
                    partial_success: partial.then_some(ExportMetricsPartialSuccess {
                        rejected_data_points: rejected,
                        error_message: message,
                    }),
                }
                .encode_to_vec(),
                Signal::Logs => ExportLogsServiceResponse {
                    partial_success: partial.then_some(ExportLogsPartialSuccess {
                        rejected_log_records: rejected,
                        error_message: message,
                    }),
                }
                .encode_to_vec(),
            }
        }
        Encoding::Json => {
            let mut members = Vec::new();
            if rejections.count > 0 {
                let count_field = match signal {
                    Signal::Traces => "rejectedSpans",
                    Signal::Metrics => "rejectedDataPoints",
                    Signal::Logs => "rejectedLogRecords",
                };
                members.push((
                    "partialSuccess".to_owned(),
                    Json::Object(vec![
                        (count_field.to_owned(), Json::String(rejected.to_string())),
                        ("errorMessage".to_owned(), Json::String(message)),
                    ]),
                ));
            }
            Json::Object(members).to_string().into_bytes()
        }
    }
}

/// A `google.rpc.Status`, the body of an OTLP/HTTP error answer.
#[derive(Clone, PartialEq, Message)]
struct RpcStatus {
    #[prost(int32, tag = "1")]
    code: i32,
    #[prost(string, tag = "2")]
    message: String,
}

/// The `google.rpc.Status` body for an error answer, in `encoding`.
pub(crate) fn error_status(encoding: Encoding, code: tonic::Code, message: &str) -> Vec<u8> {
    match encoding {
        Encoding::Protobuf => RpcStatus {
            code: code as i32,
            message: message.to_owned(),
        }
        .encode_to_vec(),
        Encoding::Json => Json::Object(vec![
            ("code".to_owned(), Json::Number((code as i32).into())),
            ("message".to_owned(), Json::String(message.to_owned())),
        ])
        .to_string()
        .into_bytes(),
    }
}
