//! The telemetry model the rest of autotel sees: spans, log records and metric points with
//! their resource and scope. It owns no I/O and knows nothing of protobuf or JSON; the
//! conversions live in `convert` (OTLP in) and `jsonl` (JSON lines out and back).

mod ids;
mod log;
mod metric;
mod span;
mod value;

pub(crate) use ids::decode_hex;
pub use ids::{ParseIdError, SpanId, TraceId};
pub use log::LogRecord;
pub use metric::{
    ExponentialBuckets, ExponentialHistogram, Histogram, MetricPoint, MetricValue, Number,
    Quantile, Summary, Temporality,
};
pub use span::{Event, Link, Span, SpanKind, Status, StatusCode};
pub use value::{Attributes, Value};

/// The entity that produced the telemetry (a process, a container, …), shared by every item
/// of one OTLP `Resource*` block.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Resource {
    pub attributes: Attributes,
}

impl Resource {
    /// The `service.name` attribute, if it is a string.
    pub fn service_name(&self) -> Option<&str> {
        self.attributes.get("service.name").and_then(Value::as_str)
    }
}

/// The instrumentation scope (library) that produced the telemetry.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scope {
    pub name: String,
    pub version: String,
}

/// Telemetry of any signal, as decoded from one request or read from a file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Batch {
    pub spans: Vec<Span>,
    pub logs: Vec<LogRecord>,
    pub metric_points: Vec<MetricPoint>,
}

impl Batch {
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty() && self.logs.is_empty() && self.metric_points.is_empty()
    }
}
