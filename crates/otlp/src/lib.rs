//! autotel's OTLP receiver and telemetry store, shared by `autotel view` and the project's
//! end-to-end tests.
//!
//! - [`Receiver`] (async) and [`BackgroundReceiver`] (its own runtime on a thread) accept
//!   OTLP/gRPC (TraceService, MetricsService, LogsService) and OTLP/HTTP (`POST /v1/traces`,
//!   `/v1/metrics`, `/v1/logs`; protobuf or JSON; gzip), with a request size limit. Bad
//!   requests get the protocol's error answer and the receiver keeps running.
//! - What arrives is converted into this crate's [`model`] (the protobuf types never
//!   leave the crate) and kept in a bounded [`Store`], which can be queried, subscribed to,
//!   and waited on.
//! - [`jsonl`] writes and reads the JSON-lines format of `autotel view --json`.
//! - [`decode_http_payload`] is the byte-level entry point of the HTTP path, for fuzzing.
//!
//! Not kept from OTLP: exemplars, trace state, flags, dropped-item counts, schema URLs, scope
//! attributes. This crate knows nothing about terminals (that is `view`).
//!
//! ```no_run
//! use std::time::Duration;
//! use otlp::{BackgroundReceiver, ReceiverConfig};
//!
//! let receiver = BackgroundReceiver::spawn(ReceiverConfig::ephemeral([127, 0, 0, 1].into()))?;
//! // … point OTEL_EXPORTER_OTLP_ENDPOINT at receiver.http_endpoint() and run something …
//! let arrived = receiver.store().wait_until(Duration::from_secs(10), |store| !store.spans().is_empty());
//! assert!(arrived);
//! # Ok::<(), otlp::ReceiverError>(())
//! ```

mod convert;
mod grpc;
mod http;
mod json;
pub mod jsonl;
pub mod model;
mod otlp_json;
mod payload;
mod receiver;
mod store;
mod trace_wire;

pub use convert::{Decoded, Rejections};
pub use json::JsonError;
pub use payload::{decode_http_payload, DecodeError, Encoding, Signal};
pub use receiver::{
    BackgroundReceiver, Protocol, Receiver, ReceiverConfig, ReceiverError, DEFAULT_GRPC_PORT,
    DEFAULT_HTTP_PORT, DEFAULT_MAX_REQUEST_BYTES,
};
pub use store::{Received, Store, StoreLimits, StoreSnapshot, StoreStats, TraceSummary};
