//! Log records.

use std::sync::Arc;

use super::{Attributes, Resource, Scope, SpanId, TraceId, Value};

/// One log record, correlated with a span when the sender knew one.
#[derive(Debug, Clone, PartialEq)]
pub struct LogRecord {
    /// When the event happened; `None` when the sender did not know.
    pub time_unix_nanos: Option<u64>,
    /// When the sender's pipeline saw the record; `None` when unset.
    pub observed_time_unix_nanos: Option<u64>,
    /// OpenTelemetry severity number: 0 (unspecified), 1–4 trace, 5–8 debug, 9–12 info,
    /// 13–16 warn, 17–20 error, 21–24 fatal.
    pub severity_number: u8,
    pub severity_text: String,
    /// The event name of an event record; empty for plain logs.
    pub event_name: String,
    pub body: Value,
    pub attributes: Attributes,
    pub trace_id: Option<TraceId>,
    pub span_id: Option<SpanId>,
    pub resource: Arc<Resource>,
    pub scope: Arc<Scope>,
}
