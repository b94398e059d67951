//! Writing the lines of the JSON-lines format (documented in `jsonl`) straight into a
//! `String`, member by member, without building a JSON tree first: `autotel view --json`
//! writes one line per span it receives, and the tree's allocations (a `String` per member
//! name and per value) and its character-by-character escaping were most of its cost.
//! Writing to a `String` cannot fail, hence the ignored `fmt::Result`s.
//!
//! A line ends with its item's resource and scope, about half of a span's line, and every item
//! of one request shares them: a [`LineWriter`] renders that tail once and copies it into each
//! line while the items keep sharing it.

use std::fmt::Write as _;
use std::sync::Arc;

use base64::Engine as _;

use crate::json::write_escaped;
use crate::model::{
    Attributes, ExponentialBuckets, LogRecord, MetricPoint, MetricValue, Number, Resource, Scope,
    Span, Value,
};

/// The JSON line of a span, without the newline.
pub fn span_line(span: &Span) -> String {
    line_of(span, LineWriter::push_span_line)
}

/// The JSON line of a log record, without the newline.
pub fn log_line(record: &LogRecord) -> String {
    line_of(record, LineWriter::push_log_line)
}

/// The JSON line of a metric point, without the newline.
pub fn metric_line(point: &MetricPoint) -> String {
    line_of(point, LineWriter::push_metric_line)
}

/// Writes the lines of many items, reusing the last rendered resource-and-scope tail while the
/// items share their resource and scope (the same allocations: one request's items do).
#[derive(Default)]
pub struct LineWriter {
    tail: Option<Tail>,
}

/// The end of a line, `,"resource":{…},"scope":{…}}`, for the resource and scope it holds
/// (held, so that their addresses cannot be another's while the tail is kept).
struct Tail {
    resource: Arc<Resource>,
    scope: Arc<Scope>,
    text: String,
}

impl LineWriter {
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends the JSON line of a span, without the newline, to `out`.
    pub fn push_span_line(&mut self, out: &mut String, span: &Span) {
        write_span(Line::new(out, "span"), span);
        self.push_tail(out, &span.resource, &span.scope);
    }

    /// Appends the JSON line of a log record, without the newline, to `out`.
    pub fn push_log_line(&mut self, out: &mut String, record: &LogRecord) {
        write_log(Line::new(out, "log"), record);
        self.push_tail(out, &record.resource, &record.scope);
    }

    /// Appends the JSON line of a metric point, without the newline, to `out`.
    pub fn push_metric_line(&mut self, out: &mut String, point: &MetricPoint) {
        write_metric(Line::new(out, "metric"), point);
        self.push_tail(out, &point.resource, &point.scope);
    }

    fn push_tail(&mut self, out: &mut String, resource: &Arc<Resource>, scope: &Arc<Scope>) {
        let shared = self.tail.as_ref().is_some_and(|tail| {
            Arc::ptr_eq(&tail.resource, resource) && Arc::ptr_eq(&tail.scope, scope)
        });
        if !shared {
            let mut text = String::with_capacity(512);
            write_tail(&mut text, resource, scope);
            self.tail = Some(Tail {
                resource: Arc::clone(resource),
                scope: Arc::clone(scope),
                text,
            });
        }
        if let Some(tail) = &self.tail {
            out.push_str(&tail.text);
        }
    }
}

/// A span's members after `signal`, up to its tail.
fn write_span(mut line: Line<'_>, span: &Span) {
    hex(line.member("trace_id"), &span.trace_id.0);
    hex(line.member("span_id"), &span.span_id.0);
    match &span.parent_span_id {
        Some(id) => hex(line.member("parent_span_id"), &id.0),
        None => null(line.member("parent_span_id")),
    }
    string(line.member("name"), &span.name);
    string(line.member("kind"), span.kind.name());
    uint(line.member("start_unix_nano"), span.start_unix_nanos);
    uint(line.member("end_unix_nano"), span.end_unix_nanos);
    int(line.member("duration_ns"), span.duration_nanos());
    let mut status = Line::open(line.member("status"));
    string(status.member("code"), span.status.code.name());
    string(status.member("message"), &span.status.message);
    status.close();
    attributes(line.member("attributes"), &span.attributes);
    array(line.member("events"), &span.events, |out, event| {
        let mut object = Line::open(out);
        string(object.member("name"), &event.name);
        uint(object.member("time_unix_nano"), event.time_unix_nanos);
        attributes(object.member("attributes"), &event.attributes);
        object.close();
    });
    array(line.member("links"), &span.links, |out, link| {
        let mut object = Line::open(out);
        hex(object.member("trace_id"), &link.trace_id.0);
        hex(object.member("span_id"), &link.span_id.0);
        attributes(object.member("attributes"), &link.attributes);
        object.close();
    });
}

/// A log record's members after `signal`, up to its tail.
fn write_log(mut line: Line<'_>, record: &LogRecord) {
    optional(line.member("time_unix_nano"), record.time_unix_nanos, uint);
    optional(
        line.member("observed_time_unix_nano"),
        record.observed_time_unix_nanos,
        uint,
    );
    uint(
        line.member("severity_number"),
        u64::from(record.severity_number),
    );
    string(line.member("severity_text"), &record.severity_text);
    string(line.member("event_name"), &record.event_name);
    value(line.member("body"), &record.body);
    attributes(line.member("attributes"), &record.attributes);
    optional(line.member("trace_id"), record.trace_id, |out, id| {
        hex(out, &id.0)
    });
    optional(line.member("span_id"), record.span_id, |out, id| {
        hex(out, &id.0)
    });
}

/// A metric point's members after `signal`, up to its tail.
fn write_metric(mut line: Line<'_>, point: &MetricPoint) {
    string(line.member("name"), &point.name);
    string(line.member("description"), &point.description);
    string(line.member("unit"), &point.unit);
    string(line.member("kind"), point.value.kind_name());
    match &point.value {
        MetricValue::Gauge(value) => number(line.member("value"), *value),
        MetricValue::Sum {
            value,
            monotonic,
            temporality,
        } => {
            number(line.member("value"), *value);
            boolean(line.member("monotonic"), *monotonic);
            string(line.member("temporality"), temporality.name());
        }
        MetricValue::Histogram(histogram) => {
            uint(line.member("count"), histogram.count);
            optional(line.member("sum"), histogram.sum, double);
            optional(line.member("min"), histogram.min, double);
            optional(line.member("max"), histogram.max, double);
            array(line.member("bounds"), &histogram.bounds, |out, bound| {
                double(out, *bound)
            });
            array(
                line.member("bucket_counts"),
                &histogram.bucket_counts,
                |out, count| uint(out, *count),
            );
            string(line.member("temporality"), histogram.temporality.name());
        }
        MetricValue::ExponentialHistogram(histogram) => {
            let buckets = |out: &mut String, side: &ExponentialBuckets| {
                let mut object = Line::open(out);
                int(object.member("offset"), side.offset.into());
                array(
                    object.member("bucket_counts"),
                    &side.bucket_counts,
                    |out, count| uint(out, *count),
                );
                object.close();
            };
            uint(line.member("count"), histogram.count);
            optional(line.member("sum"), histogram.sum, double);
            optional(line.member("min"), histogram.min, double);
            optional(line.member("max"), histogram.max, double);
            int(line.member("scale"), histogram.scale.into());
            uint(line.member("zero_count"), histogram.zero_count);
            double(line.member("zero_threshold"), histogram.zero_threshold);
            buckets(line.member("positive"), &histogram.positive);
            buckets(line.member("negative"), &histogram.negative);
            string(line.member("temporality"), histogram.temporality.name());
        }
        MetricValue::Summary(summary) => {
            uint(line.member("count"), summary.count);
            double(line.member("sum"), summary.sum);
            array(line.member("quantiles"), &summary.quantiles, |out, q| {
                let mut object = Line::open(out);
                double(object.member("quantile"), q.quantile);
                double(object.member("value"), q.value);
                object.close();
            });
        }
    }
    attributes(line.member("attributes"), &point.attributes);
    optional(
        line.member("start_time_unix_nano"),
        point.start_time_unix_nanos,
        uint,
    );
    uint(line.member("time_unix_nano"), point.time_unix_nanos);
}

/// The line `push` writes for `item`, in a buffer with room for a typical line.
fn line_of<T>(item: &T, push: fn(&mut LineWriter, &mut String, &T)) -> String {
    let mut out = String::with_capacity(1024);
    push(&mut LineWriter::new(), &mut out, item);
    out
}

/// The end of every line (it follows at least the `signal` member): `resource` and `scope`,
/// then the line's closing brace.
fn write_tail(out: &mut String, resource: &Resource, scope: &Scope) {
    out.push(',');
    string(out, "resource");
    out.push(':');
    attributes(out, &resource.attributes);
    out.push(',');
    string(out, "scope");
    out.push(':');
    let mut object = Line::open(out);
    string(object.member("name"), &scope.name);
    string(object.member("version"), &scope.version);
    object.close();
    out.push('}');
}

/// A JSON object being written: its members in the order they are added.
struct Line<'a> {
    out: &'a mut String,
    empty: bool,
}

impl<'a> Line<'a> {
    /// A line's object, `signal` first.
    fn new(out: &'a mut String, signal: &str) -> Self {
        let mut line = Line::open(out);
        string(line.member("signal"), signal);
        line
    }

    fn open(out: &'a mut String) -> Self {
        out.push('{');
        Line { out, empty: true }
    }

    /// Writes the member's name; its value is to be written into what this returns.
    fn member(&mut self, name: &str) -> &mut String {
        if !self.empty {
            self.out.push(',');
        }
        self.empty = false;
        string(self.out, name);
        self.out.push(':');
        self.out
    }

    fn close(self) {
        self.out.push('}');
    }
}

fn string(out: &mut String, text: &str) {
    let _ = write_escaped(out, text);
}

fn null(out: &mut String) {
    out.push_str("null");
}

fn boolean(out: &mut String, flag: bool) {
    out.push_str(if flag { "true" } else { "false" });
}

/// Decimal digits, as `Display` writes them (without its formatting machinery: a span has
/// several timestamps and integer attributes).
fn uint(out: &mut String, mut number: u64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (number % 10) as u8;
        number /= 10;
        if number == 0 {
            break;
        }
    }
    out.extend(digits[start..].iter().map(|&digit| char::from(digit)));
}

fn int(out: &mut String, number: i64) {
    if number < 0 {
        out.push('-');
    }
    uint(out, number.unsigned_abs());
}

/// A finite double as a number (serde_json's form: always with a `.` or an exponent), the
/// others as the strings the protobuf JSON mapping uses.
fn double(out: &mut String, number: f64) {
    match serde_json::Number::from_f64(number) {
        Some(finite) => {
            let _ = write!(out, "{finite}");
        }
        None if number.is_nan() => string(out, "NaN"),
        None if number > 0.0 => string(out, "Infinity"),
        None => string(out, "-Infinity"),
    }
}

fn number(out: &mut String, number: Number) {
    match number {
        Number::Int(int_value) => int(out, int_value),
        Number::Double(double_value) => double(out, double_value),
    }
}

/// An id as a string of lowercase hex digits.
fn hex(out: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0xf)]));
    }
    out.push('"');
}

fn optional<T>(out: &mut String, value: Option<T>, write: impl FnOnce(&mut String, T)) {
    match value {
        Some(value) => write(out, value),
        None => null(out),
    }
}

fn array<T>(out: &mut String, items: &[T], mut write: impl FnMut(&mut String, &T)) {
    out.push('[');
    for (index, item) in items.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        write(out, item);
    }
    out.push(']');
}

fn attributes(out: &mut String, attributes: &Attributes) {
    let mut object = Line::open(out);
    for (key, item) in attributes.iter() {
        value(object.member(key), item);
    }
    object.close();
}

fn value(out: &mut String, item: &Value) {
    match item {
        Value::Empty => null(out),
        Value::String(text) => string(out, text),
        Value::Bool(flag) => boolean(out, *flag),
        Value::Int(number) => int(out, *number),
        Value::Double(number) => double(out, *number),
        Value::Bytes(bytes) => string(
            out,
            &base64::engine::general_purpose::STANDARD.encode(bytes),
        ),
        Value::Array(items) => array(out, items, value),
        Value::Map(map) => attributes(out, map),
    }
}
