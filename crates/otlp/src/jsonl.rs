//! The JSON-lines format of `autotel view --json` and `--save`/`--replay`: one JSON object per
//! line for each span, log record and metric point, written and read back by hand from the
//! model (the model has no serde derives). Field names are stable; new fields may be added.
//!
//! Every line has `"signal"` first: `"span"`, `"log"` or `"metric"`. Ids are lowercase hex.
//! Times are integers of nanoseconds since the Unix epoch. Attributes, resources and maps are
//! JSON objects in the sender's order. Values map naturally: string, boolean, integer (an
//! integer JSON number), double (a JSON number that always has a `.` or an exponent, or the
//! strings `"NaN"`, `"Infinity"`, `"-Infinity"`), bytes (a base64 string), array, map (an
//! object), and an empty value (`null`).
//!
//! ```text
//! {"signal":"span","trace_id":"<32 hex>","span_id":"<16 hex>","parent_span_id":"<16 hex>"|null,
//!  "name":"GET /users/{id}","kind":"unspecified|internal|server|client|producer|consumer",
//!  "start_unix_nano":N,"end_unix_nano":N,"duration_ns":N (end − start; negative if the sender's end precedes its start),
//!  "status":{"code":"unset|ok|error","message":"…"},"attributes":{…},
//!  "events":[{"name":"…","time_unix_nano":N,"attributes":{…}}],
//!  "links":[{"trace_id":"…","span_id":"…","attributes":{…}}],
//!  "resource":{…resource attributes…},"scope":{"name":"…","version":"…"}}
//!
//! {"signal":"log","time_unix_nano":N|null,"observed_time_unix_nano":N|null,"severity_number":0..24,
//!  "severity_text":"…","event_name":"…","body":<value>,"attributes":{…},
//!  "trace_id":"…"|null,"span_id":"…"|null,"resource":{…},"scope":{…}}
//!
//! {"signal":"metric","name":"…","description":"…","unit":"…","kind":"<kind>", <kind fields>,
//!  "attributes":{…},"start_time_unix_nano":N|null,"time_unix_nano":N,"resource":{…},"scope":{…}}
//! ```
//!
//! The kind fields of a metric point, by `"kind"`:
//! - `"gauge"`: `"value"` (integer or double number);
//! - `"sum"`: `"value"`, `"monotonic"` (boolean), `"temporality"` (`"delta"`, `"cumulative"`, `"unspecified"`);
//! - `"histogram"`: `"count"`, `"sum"`/`"min"`/`"max"` (double or null), `"bounds"` (doubles),
//!   `"bucket_counts"` (integers), `"temporality"`;
//! - `"exponential_histogram"`: `"count"`, `"sum"`/`"min"`/`"max"`, `"scale"`, `"zero_count"`,
//!   `"zero_threshold"`, `"positive"` and `"negative"` (`{"offset":N,"bucket_counts":[…]}`), `"temporality"`;
//! - `"summary"`: `"count"`, `"sum"`, `"quantiles"` (`[{"quantile":0.5,"value":…}]`).
//!
//! Reading a line back ([`parse_line`], [`read`]) gives the same model item, except where
//! JSON cannot tell types apart: a bytes attribute comes back as its base64 string, and a
//! non-finite double attribute as the string `"NaN"`/`"Infinity"`/`"-Infinity"`.
//! `duration_ns` is derived and ignored on reading.

use std::io::{self, BufRead};
use std::sync::Arc;

use crate::json::{read_items, Json, JsonError, Object};
use crate::model::{
    Attributes, Batch, Event, ExponentialBuckets, ExponentialHistogram, Histogram, Link, LogRecord,
    MetricPoint, MetricValue, Number, Quantile, Resource, Scope, Span, SpanId, SpanKind, Status,
    StatusCode, Summary, Temporality, TraceId, Value,
};

mod write;

pub use write::{log_line, metric_line, span_line, LineWriter};

/// One item of a JSON-lines file.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Span(Span),
    Log(LogRecord),
    Metric(MetricPoint),
}

/// Why a line is not a valid item; the message names the offending field.
#[derive(Debug, thiserror::Error)]
pub enum LineError {
    #[error("not JSON: {0}")]
    Json(serde_json::Error),
    #[error("{0}")]
    Field(JsonError),
}

/// Parses one line written by [`span_line`], [`log_line`] or [`metric_line`].
pub fn parse_line(line: &str) -> Result<Item, LineError> {
    let json = Json::parse(line.as_bytes()).map_err(LineError::Json)?;
    item(&json).map_err(LineError::Field)
}

fn item(json: &Json) -> Result<Item, JsonError> {
    let object = json.as_object()?;
    let resource = object.read("resource", |json| {
        Ok(Arc::new(Resource {
            attributes: attributes(json)?,
        }))
    })?;
    let scope = object.read("scope", |json| {
        let object = json.as_object()?;
        Ok(Arc::new(Scope {
            name: object.read("name", string)?,
            version: object.read("version", string)?,
        }))
    })?;
    match object.read("signal", Json::as_str)? {
        "span" => span(object, resource, scope).map(Item::Span),
        "log" => log(object, resource, scope).map(Item::Log),
        "metric" => metric(object, resource, scope).map(Item::Metric),
        other => Err(JsonError::new(format!(
            "unknown signal {other:?} (expected span, log or metric)"
        ))
        .in_field("signal")),
    }
}

fn span(object: Object<'_>, resource: Arc<Resource>, scope: Arc<Scope>) -> Result<Span, JsonError> {
    Ok(Span {
        trace_id: object.read("trace_id", parsed::<TraceId>)?,
        span_id: object.read("span_id", parsed::<SpanId>)?,
        parent_span_id: object.read_optional("parent_span_id", parsed::<SpanId>)?,
        name: object.read("name", string)?,
        kind: object.read("kind", |json| named(json, SpanKind::from_name))?,
        start_unix_nanos: object.read("start_unix_nano", Json::as_u64)?,
        end_unix_nanos: object.read("end_unix_nano", Json::as_u64)?,
        status: object.read("status", |json| {
            let status = json.as_object()?;
            Ok(Status {
                code: status.read("code", |json| named(json, StatusCode::from_name))?,
                message: status.read("message", string)?,
            })
        })?,
        attributes: object.read("attributes", attributes)?,
        events: object.read("events", |json| {
            read_items(json.as_array()?, |json| {
                let event = json.as_object()?;
                Ok(Event {
                    name: event.read("name", string)?,
                    time_unix_nanos: event.read("time_unix_nano", Json::as_u64)?,
                    attributes: event.read("attributes", attributes)?,
                })
            })
        })?,
        links: object.read("links", |json| {
            read_items(json.as_array()?, |json| {
                let link = json.as_object()?;
                Ok(Link {
                    trace_id: link.read("trace_id", parsed::<TraceId>)?,
                    span_id: link.read("span_id", parsed::<SpanId>)?,
                    attributes: link.read("attributes", attributes)?,
                })
            })
        })?,
        resource,
        scope,
    })
}

fn log(
    object: Object<'_>,
    resource: Arc<Resource>,
    scope: Arc<Scope>,
) -> Result<LogRecord, JsonError> {
    Ok(LogRecord {
        time_unix_nanos: object.read_optional("time_unix_nano", Json::as_u64)?,
        observed_time_unix_nanos: object.read_optional("observed_time_unix_nano", Json::as_u64)?,
        severity_number: object.read("severity_number", |json| {
            let number = json.as_u64()?;
            u8::try_from(number)
                .ok()
                .filter(|number| *number <= 24)
                .ok_or_else(|| JsonError::new(format!("{number} is outside 0..=24")))
        })?,
        severity_text: object.read("severity_text", string)?,
        event_name: object.read("event_name", string)?,
        body: object.get("body").map_or(Ok(Value::Empty), |json| {
            value(json).map_err(|err| err.in_field("body"))
        })?,
        attributes: object.read("attributes", attributes)?,
        trace_id: object.read_optional("trace_id", parsed::<TraceId>)?,
        span_id: object.read_optional("span_id", parsed::<SpanId>)?,
        resource,
        scope,
    })
}

fn metric(
    object: Object<'_>,
    resource: Arc<Resource>,
    scope: Arc<Scope>,
) -> Result<MetricPoint, JsonError> {
    let temporality =
        |object: Object<'_>| object.read("temporality", |json| named(json, Temporality::from_name));
    let optional_double = |object: Object<'_>, name: &str| object.read_optional(name, Json::as_f64);
    let value = match object.read("kind", Json::as_str)? {
        "gauge" => MetricValue::Gauge(object.read("value", number)?),
        "sum" => MetricValue::Sum {
            value: object.read("value", number)?,
            monotonic: object.read("monotonic", Json::as_bool)?,
            temporality: temporality(object)?,
        },
        "histogram" => MetricValue::Histogram(Histogram {
            count: object.read("count", Json::as_u64)?,
            sum: optional_double(object, "sum")?,
            min: optional_double(object, "min")?,
            max: optional_double(object, "max")?,
            bounds: object.read("bounds", |json| read_items(json.as_array()?, Json::as_f64))?,
            bucket_counts: object.read("bucket_counts", |json| {
                read_items(json.as_array()?, Json::as_u64)
            })?,
            temporality: temporality(object)?,
        }),
        "exponential_histogram" => {
            let buckets = |json: &Json| {
                let side = json.as_object()?;
                Ok(ExponentialBuckets {
                    offset: side.read("offset", Json::as_i32)?,
                    bucket_counts: side.read("bucket_counts", |json| {
                        read_items(json.as_array()?, Json::as_u64)
                    })?,
                })
            };
            MetricValue::ExponentialHistogram(ExponentialHistogram {
                count: object.read("count", Json::as_u64)?,
                sum: optional_double(object, "sum")?,
                min: optional_double(object, "min")?,
                max: optional_double(object, "max")?,
                scale: object.read("scale", Json::as_i32)?,
                zero_count: object.read("zero_count", Json::as_u64)?,
                zero_threshold: object.read("zero_threshold", Json::as_f64)?,
                positive: object.read("positive", buckets)?,
                negative: object.read("negative", buckets)?,
                temporality: temporality(object)?,
            })
        }
        "summary" => MetricValue::Summary(Summary {
            count: object.read("count", Json::as_u64)?,
            sum: object.read("sum", Json::as_f64)?,
            quantiles: object.read("quantiles", |json| {
                read_items(json.as_array()?, |json| {
                    let quantile = json.as_object()?;
                    Ok(Quantile {
                        quantile: quantile.read("quantile", Json::as_f64)?,
                        value: quantile.read("value", Json::as_f64)?,
                    })
                })
            })?,
        }),
        other => {
            return Err(JsonError::new(format!(
                "unknown metric kind {other:?} (expected gauge, sum, histogram, exponential_histogram or summary)"
            ))
            .in_field("kind"));
        }
    };
    Ok(MetricPoint {
        name: object.read("name", string)?,
        description: object.read("description", string)?,
        unit: object.read("unit", string)?,
        value,
        attributes: object.read("attributes", attributes)?,
        start_time_unix_nanos: object.read_optional("start_time_unix_nano", Json::as_u64)?,
        time_unix_nanos: object.read("time_unix_nano", Json::as_u64)?,
        resource,
        scope,
    })
}

fn string(json: &Json) -> Result<String, JsonError> {
    json.as_str().map(str::to_owned)
}

fn parsed<T: std::str::FromStr<Err: std::fmt::Display>>(json: &Json) -> Result<T, JsonError> {
    json.as_str()?
        .parse()
        .map_err(|err: T::Err| JsonError::new(err.to_string()))
}

fn named<T>(json: &Json, from_name: fn(&str) -> Option<T>) -> Result<T, JsonError> {
    let name = json.as_str()?;
    from_name(name).ok_or_else(|| JsonError::new(format!("unknown value {name:?}")))
}

fn number(json: &Json) -> Result<Number, JsonError> {
    match json {
        Json::Number(number) => match number.as_i64() {
            Some(int) if !number.is_f64() => Ok(Number::Int(int)),
            _ => json.as_f64().map(Number::Double),
        },
        other => other.as_f64().map(Number::Double),
    }
}

fn attributes(json: &Json) -> Result<Attributes, JsonError> {
    let mut attributes = Attributes::new();
    for (key, json) in json.as_object()?.members() {
        attributes.insert(key, value(json).map_err(|err| err.in_field(key))?);
    }
    Ok(attributes)
}

fn value(json: &Json) -> Result<Value, JsonError> {
    Ok(match json {
        Json::Null => Value::Empty,
        Json::Bool(flag) => Value::Bool(*flag),
        Json::Number(number) => match number.as_i64() {
            Some(int) if !number.is_f64() => Value::Int(int),
            _ => Value::Double(json.as_f64()?),
        },
        Json::String(text) => Value::String(text.clone()),
        Json::Array(items) => Value::Array(read_items(items, value)?),
        Json::Object(_) => Value::Map(attributes(json)?),
    })
}

/// Why a JSON-lines file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read line {line}: {error}")]
    Io { line: usize, error: io::Error },
    #[error("line {line}: {error}")]
    Line { line: usize, error: LineError },
}

/// Reads a whole JSON-lines file into one batch; blank lines are skipped. Items of one
/// resource or scope in a row share one `Arc`.
pub fn read(reader: impl BufRead) -> Result<Batch, ReadError> {
    let mut batch = Batch::default();
    let mut last_resource: Option<Arc<Resource>> = None;
    let mut last_scope: Option<Arc<Scope>> = None;
    for (index, text) in reader.lines().enumerate() {
        let line = index + 1;
        let text = text.map_err(|error| ReadError::Io { line, error })?;
        if text.trim().is_empty() {
            continue;
        }
        let item = parse_line(&text).map_err(|error| ReadError::Line { line, error })?;
        let (resource, scope) = match &item {
            Item::Span(span) => (&span.resource, &span.scope),
            Item::Log(record) => (&record.resource, &record.scope),
            Item::Metric(point) => (&point.resource, &point.scope),
        };
        let resource = share(&mut last_resource, resource);
        let scope = share(&mut last_scope, scope);
        match item {
            Item::Span(span) => batch.spans.push(Span {
                resource,
                scope,
                ..span
            }),
            Item::Log(record) => batch.logs.push(LogRecord {
                resource,
                scope,
                ..record
            }),
            Item::Metric(point) => batch.metric_points.push(MetricPoint {
                resource,
                scope,
                ..point
            }),
        }
    }
    Ok(batch)
}

/// `last` if it equals `current`, else `current`, remembered as the new `last`.
fn share<T: PartialEq>(last: &mut Option<Arc<T>>, current: &Arc<T>) -> Arc<T> {
    match last {
        Some(previous) if **previous == **current => Arc::clone(previous),
        _ => {
            *last = Some(Arc::clone(current));
            Arc::clone(current)
        }
    }
}
