//! Conversion of decoded OTLP export requests (the `opentelemetry-proto` types) into the model.
//!
//! This is the only place that reads the protobuf message types after decoding; nothing of
//! them leaves the crate. An item that breaks the OTLP rules (an id of the wrong length, an
//! unknown enum value, a histogram whose bucket counts do not match its bounds, …) is left out
//! and counted in [`Rejections`], which the receiver reports back as OTLP partial success; the
//! rest of the request is kept.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, InstrumentationScope, KeyValue};
use opentelemetry_proto::tonic::logs::v1 as proto_logs;
use opentelemetry_proto::tonic::metrics::v1 as proto_metrics;
use opentelemetry_proto::tonic::resource::v1::Resource as ProtoResource;
use opentelemetry_proto::tonic::trace::v1 as proto_trace;

use crate::model::{
    Attributes, Batch, Event, ExponentialBuckets, ExponentialHistogram, Histogram, Link, LogRecord,
    MetricPoint, MetricValue, Number, Quantile, Resource, Scope, Span, SpanId, SpanKind, Status,
    StatusCode, Summary, Temporality, TraceId, Value,
};

/// What one export request turned into.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Decoded {
    /// The accepted items (of the request's one signal).
    pub batch: Batch,
    pub rejections: Rejections,
}

/// The items of a request that were left out, and why the first one was.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Rejections {
    pub count: u64,
    /// The reason the first rejected item was left out.
    pub first_reason: Option<String>,
}

impl Rejections {
    fn add(&mut self, count: usize, reason: String) {
        if count == 0 {
            return;
        }
        self.count += count as u64;
        self.first_reason.get_or_insert(reason);
    }

    /// The message for OTLP's `partial_success.error_message`; empty when nothing was rejected.
    pub fn message(&self) -> String {
        match &self.first_reason {
            None => String::new(),
            Some(reason) if self.count == 1 => format!("1 item rejected: {reason}"),
            Some(reason) => format!("{} items rejected; the first: {reason}", self.count),
        }
    }
}

pub(crate) fn traces(request: ExportTraceServiceRequest) -> Decoded {
    let mut decoded = Decoded::default();
    for resource_spans in request.resource_spans {
        let span_count = resource_spans
            .scope_spans
            .iter()
            .map(|s| s.spans.len())
            .sum();
        let resource = match resource(resource_spans.resource) {
            Ok(resource) => resource,
            Err(reason) => {
                decoded.rejections.add(span_count, reason);
                continue;
            }
        };
        for scope_spans in resource_spans.scope_spans {
            let scope = scope(scope_spans.scope);
            for span in scope_spans.spans {
                match self::span(span, &resource, &scope) {
                    Ok(span) => decoded.batch.spans.push(span),
                    Err(reason) => decoded.rejections.add(1, reason),
                }
            }
        }
    }
    decoded
}

pub(crate) fn logs(request: ExportLogsServiceRequest) -> Decoded {
    let mut decoded = Decoded::default();
    for resource_logs in request.resource_logs {
        let record_count = resource_logs
            .scope_logs
            .iter()
            .map(|s| s.log_records.len())
            .sum();
        let resource = match resource(resource_logs.resource) {
            Ok(resource) => resource,
            Err(reason) => {
                decoded.rejections.add(record_count, reason);
                continue;
            }
        };
        for scope_logs in resource_logs.scope_logs {
            let scope = scope(scope_logs.scope);
            for record in scope_logs.log_records {
                match log_record(record, &resource, &scope) {
                    Ok(record) => decoded.batch.logs.push(record),
                    Err(reason) => decoded.rejections.add(1, reason),
                }
            }
        }
    }
    decoded
}

pub(crate) fn metrics(request: ExportMetricsServiceRequest) -> Decoded {
    let mut decoded = Decoded::default();
    for resource_metrics in request.resource_metrics {
        let point_count = resource_metrics
            .scope_metrics
            .iter()
            .flat_map(|s| &s.metrics)
            .map(data_point_count)
            .sum();
        let resource = match resource(resource_metrics.resource) {
            Ok(resource) => resource,
            Err(reason) => {
                decoded.rejections.add(point_count, reason);
                continue;
            }
        };
        for scope_metrics in resource_metrics.scope_metrics {
            let scope = scope(scope_metrics.scope);
            for metric in scope_metrics.metrics {
                metric_points(metric, &resource, &scope, &mut decoded);
            }
        }
    }
    decoded
}

fn resource(resource: Option<ProtoResource>) -> Result<Arc<Resource>, String> {
    let attributes = attributes(resource.map(|r| r.attributes).unwrap_or_default())
        .map_err(|reason| format!("resource: {reason}"))?;
    Ok(Arc::new(Resource { attributes }))
}

/// The scope's name and version; its attributes are not part of the model.
fn scope(scope: Option<InstrumentationScope>) -> Arc<Scope> {
    let scope = scope.unwrap_or_default();
    Arc::new(Scope {
        name: scope.name,
        version: scope.version,
    })
}

fn span(
    span: proto_trace::Span,
    resource: &Arc<Resource>,
    scope: &Arc<Scope>,
) -> Result<Span, String> {
    let proto_trace::Span {
        name,
        trace_id,
        span_id,
        parent_span_id,
        kind,
        start_time_unix_nano,
        end_time_unix_nano,
        status,
        attributes,
        events,
        links,
        ..
    } = span;
    let context = |reason: String| format!("span {name:?}: {reason}");
    let status = match status {
        None => Status::default(),
        Some(status) => Status {
            code: status_code(status.code).map_err(context)?,
            message: status.message,
        },
    };
    let events = events
        .into_iter()
        .map(|event| {
            Ok(Event {
                attributes: self::attributes(event.attributes)
                    .map_err(|reason| format!("event {:?}: {reason}", event.name))?,
                name: event.name,
                time_unix_nanos: event.time_unix_nano,
            })
        })
        .collect::<Result<Vec<_>, String>>()
        .map_err(context)?;
    let links = links
        .into_iter()
        .map(|link| {
            Ok(Link {
                trace_id: self::trace_id(&link.trace_id)?,
                span_id: self::span_id(&link.span_id)?,
                attributes: self::attributes(link.attributes)?,
            })
        })
        .collect::<Result<Vec<_>, String>>()
        .map_err(|reason| context(format!("link: {reason}")))?;
    Ok(Span {
        trace_id: self::trace_id(&trace_id).map_err(context)?,
        span_id: self::span_id(&span_id).map_err(context)?,
        parent_span_id: optional_span_id(&parent_span_id, "parent_span_id").map_err(context)?,
        kind: span_kind(kind).map_err(context)?,
        start_unix_nanos: start_time_unix_nano,
        end_unix_nanos: end_time_unix_nano,
        status,
        attributes: self::attributes(attributes).map_err(context)?,
        events,
        links,
        resource: Arc::clone(resource),
        scope: Arc::clone(scope),
        name,
    })
}

fn log_record(
    record: proto_logs::LogRecord,
    resource: &Arc<Resource>,
    scope: &Arc<Scope>,
) -> Result<LogRecord, String> {
    let context = |reason: String| format!("log record: {reason}");
    let severity_number = u8::try_from(record.severity_number)
        .ok()
        .filter(|number| *number <= 24)
        .ok_or_else(|| {
            context(format!(
                "severity_number {} is outside 0..=24",
                record.severity_number
            ))
        })?;
    // Uncorrelated records carry no trace id, or sixteen zero bytes.
    let trace_id = match TraceId::from_slice(&record.trace_id) {
        _ if record.trace_id.is_empty() => None,
        Some(id) if id.is_zero() => None,
        _ => Some(trace_id(&record.trace_id).map_err(context)?),
    };
    Ok(LogRecord {
        time_unix_nanos: nonzero(record.time_unix_nano),
        observed_time_unix_nanos: nonzero(record.observed_time_unix_nano),
        severity_number,
        severity_text: record.severity_text,
        event_name: record.event_name,
        body: record
            .body
            .map(value)
            .transpose()
            .map_err(|reason| context(format!("body: {reason}")))?
            .unwrap_or(Value::Empty),
        attributes: attributes(record.attributes).map_err(context)?,
        trace_id,
        span_id: optional_span_id(&record.span_id, "span_id").map_err(context)?,
        resource: Arc::clone(resource),
        scope: Arc::clone(scope),
    })
}

fn data_point_count(metric: &proto_metrics::Metric) -> usize {
    use proto_metrics::metric::Data;
    match &metric.data {
        None => 0,
        Some(Data::Gauge(gauge)) => gauge.data_points.len(),
        Some(Data::Sum(sum)) => sum.data_points.len(),
        Some(Data::Histogram(histogram)) => histogram.data_points.len(),
        Some(Data::ExponentialHistogram(histogram)) => histogram.data_points.len(),
        Some(Data::Summary(summary)) => summary.data_points.len(),
    }
}

/// Converts each data point of `metric`, adding accepted points to `decoded.batch` and
/// counting the others. A metric with no data has no points and adds nothing.
fn metric_points(
    metric: proto_metrics::Metric,
    resource: &Arc<Resource>,
    scope: &Arc<Scope>,
    decoded: &mut Decoded,
) {
    use proto_metrics::metric::Data;

    let proto_metrics::Metric {
        name,
        description,
        unit,
        data,
        ..
    } = metric;
    let mut push =
        |attributes: Vec<KeyValue>, start: u64, time: u64, value: Result<MetricValue, String>| {
            let point = value.and_then(|value| {
                Ok(MetricPoint {
                    name: name.clone(),
                    description: description.clone(),
                    unit: unit.clone(),
                    value,
                    attributes: self::attributes(attributes)?,
                    start_time_unix_nanos: nonzero(start),
                    time_unix_nanos: time,
                    resource: Arc::clone(resource),
                    scope: Arc::clone(scope),
                })
            });
            match point {
                Ok(point) => decoded.batch.metric_points.push(point),
                Err(reason) => decoded
                    .rejections
                    .add(1, format!("metric {name:?}: {reason}")),
            }
        };
    match data {
        None => {}
        Some(Data::Gauge(gauge)) => {
            for point in gauge.data_points {
                let value = number(point.value).map(MetricValue::Gauge);
                push(
                    point.attributes,
                    point.start_time_unix_nano,
                    point.time_unix_nano,
                    value,
                );
            }
        }
        Some(Data::Sum(sum)) => {
            let temporality = temporality(sum.aggregation_temporality);
            for point in sum.data_points {
                let value = temporality.clone().and_then(|temporality| {
                    Ok(MetricValue::Sum {
                        value: number(point.value)?,
                        monotonic: sum.is_monotonic,
                        temporality,
                    })
                });
                push(
                    point.attributes,
                    point.start_time_unix_nano,
                    point.time_unix_nano,
                    value,
                );
            }
        }
        Some(Data::Histogram(histogram)) => {
            let temporality = temporality(histogram.aggregation_temporality);
            for point in histogram.data_points {
                let value = temporality.clone().and_then(|temporality| {
                    if !point.bucket_counts.is_empty()
                        && point.bucket_counts.len() != point.explicit_bounds.len() + 1
                    {
                        return Err(format!(
                            "a histogram with {} bounds needs {} bucket counts, not {}",
                            point.explicit_bounds.len(),
                            point.explicit_bounds.len() + 1,
                            point.bucket_counts.len()
                        ));
                    }
                    Ok(MetricValue::Histogram(Histogram {
                        count: point.count,
                        sum: point.sum,
                        min: point.min,
                        max: point.max,
                        bounds: point.explicit_bounds,
                        bucket_counts: point.bucket_counts,
                        temporality,
                    }))
                });
                push(
                    point.attributes,
                    point.start_time_unix_nano,
                    point.time_unix_nano,
                    value,
                );
            }
        }
        Some(Data::ExponentialHistogram(histogram)) => {
            let temporality = temporality(histogram.aggregation_temporality);
            for point in histogram.data_points {
                let buckets =
                    |side: Option<proto_metrics::exponential_histogram_data_point::Buckets>| {
                        side.map(|b| ExponentialBuckets {
                            offset: b.offset,
                            bucket_counts: b.bucket_counts,
                        })
                        .unwrap_or_default()
                    };
                let value = temporality.clone().map(|temporality| {
                    MetricValue::ExponentialHistogram(ExponentialHistogram {
                        count: point.count,
                        sum: point.sum,
                        min: point.min,
                        max: point.max,
                        scale: point.scale,
                        zero_count: point.zero_count,
                        zero_threshold: point.zero_threshold,
                        positive: buckets(point.positive),
                        negative: buckets(point.negative),
                        temporality,
                    })
                });
                push(
                    point.attributes,
                    point.start_time_unix_nano,
                    point.time_unix_nano,
                    value,
                );
            }
        }
        Some(Data::Summary(summary)) => {
            for point in summary.data_points {
                let value = Ok(MetricValue::Summary(Summary {
                    count: point.count,
                    sum: point.sum,
                    quantiles: point
                        .quantile_values
                        .iter()
                        .map(|q| Quantile {
                            quantile: q.quantile,
                            value: q.value,
                        })
                        .collect(),
                }));
                push(
                    point.attributes,
                    point.start_time_unix_nano,
                    point.time_unix_nano,
                    value,
                );
            }
        }
    }
}

fn number(value: Option<proto_metrics::number_data_point::Value>) -> Result<Number, String> {
    use proto_metrics::number_data_point::Value as V;
    match value {
        Some(V::AsInt(number)) => Ok(Number::Int(number)),
        Some(V::AsDouble(number)) => Ok(Number::Double(number)),
        None => Err("the data point has no value (neither as_int nor as_double)".to_owned()),
    }
}

fn temporality(code: i32) -> Result<Temporality, String> {
    use proto_metrics::AggregationTemporality as T;
    match T::try_from(code) {
        Ok(T::Unspecified) => Ok(Temporality::Unspecified),
        Ok(T::Delta) => Ok(Temporality::Delta),
        Ok(T::Cumulative) => Ok(Temporality::Cumulative),
        Err(_) => Err(format!("unknown aggregation_temporality {code}")),
    }
}

pub(crate) fn span_kind(code: i32) -> Result<SpanKind, String> {
    use proto_trace::span::SpanKind as K;
    match K::try_from(code) {
        Ok(K::Unspecified) => Ok(SpanKind::Unspecified),
        Ok(K::Internal) => Ok(SpanKind::Internal),
        Ok(K::Server) => Ok(SpanKind::Server),
        Ok(K::Client) => Ok(SpanKind::Client),
        Ok(K::Producer) => Ok(SpanKind::Producer),
        Ok(K::Consumer) => Ok(SpanKind::Consumer),
        Err(_) => Err(format!("unknown span kind {code}")),
    }
}

pub(crate) fn status_code(code: i32) -> Result<StatusCode, String> {
    use proto_trace::status::StatusCode as C;
    match C::try_from(code) {
        Ok(C::Unset) => Ok(StatusCode::Unset),
        Ok(C::Ok) => Ok(StatusCode::Ok),
        Ok(C::Error) => Ok(StatusCode::Error),
        Err(_) => Err(format!("unknown status code {code}")),
    }
}

pub(crate) fn trace_id(bytes: &[u8]) -> Result<TraceId, String> {
    match TraceId::from_slice(bytes) {
        Some(id) if id.is_zero() => Err("trace_id is all zeros".to_owned()),
        Some(id) => Ok(id),
        None => Err(format!(
            "trace_id has {} bytes; OTLP requires 16",
            bytes.len()
        )),
    }
}

pub(crate) fn span_id(bytes: &[u8]) -> Result<SpanId, String> {
    match SpanId::from_slice(bytes) {
        Some(id) if id.is_zero() => Err("span_id is all zeros".to_owned()),
        Some(id) => Ok(id),
        None => Err(format!(
            "span_id has {} bytes; OTLP requires 8",
            bytes.len()
        )),
    }
}

/// An optional span id: empty or all zeros mean "none".
pub(crate) fn optional_span_id(bytes: &[u8], field: &str) -> Result<Option<SpanId>, String> {
    if bytes.is_empty() {
        return Ok(None);
    }
    match SpanId::from_slice(bytes) {
        Some(id) if id.is_zero() => Ok(None),
        Some(id) => Ok(Some(id)),
        None => Err(format!(
            "{field} has {} bytes; OTLP requires 8 or none",
            bytes.len()
        )),
    }
}

fn nonzero(nanos: u64) -> Option<u64> {
    (nanos != 0).then_some(nanos)
}

fn attributes(pairs: Vec<KeyValue>) -> Result<Attributes, String> {
    let mut attributes = Attributes::with_capacity(pairs.len());
    for (position, pair) in pairs.into_iter().enumerate() {
        let value = match pair.value {
            Some(any) => {
                value(any).map_err(|reason| format!("attribute {:?}: {reason}", pair.key))?
            }
            None => Value::Empty,
        };
        attributes.insert_shared(shared_key(position, &pair.key), value);
    }
    Ok(attributes)
}

/// Attribute keys seen lately on this thread, so that every span shares one allocation per
/// key. Bounded: a sender of endless distinct keys only empties it now and then.
const SHARED_KEYS: usize = 4096;

/// The shared keys of this thread: by text, and the last key seen at each position of an
/// attribute list. Spans of one sender list their keys in the same order, so the key at a
/// position is nearly always the one seen there last: one comparison instead of hashing it.
#[derive(Default)]
struct SharedKeys {
    by_text: HashMap<String, Arc<str>>,
    by_position: Vec<Arc<str>>,
}

thread_local! {
    static KEYS: RefCell<SharedKeys> = RefCell::new(SharedKeys::default());
}

/// The shared allocation of `key`, the `position`th key of its attribute list.
pub(crate) fn shared_key(position: usize, key: &str) -> Arc<str> {
    KEYS.with(|keys| {
        let keys = &mut *keys.borrow_mut();
        if let Some(last) = keys.by_position.get(position) {
            if **last == *key {
                return Arc::clone(last);
            }
        }
        let shared = match keys.by_text.get(key) {
            Some(shared) => Arc::clone(shared),
            None => {
                if keys.by_text.len() >= SHARED_KEYS {
                    keys.by_text.clear();
                }
                let shared: Arc<str> = Arc::from(key);
                keys.by_text.insert(key.to_owned(), Arc::clone(&shared));
                shared
            }
        };
        if let Some(last) = keys.by_position.get_mut(position) {
            *last = Arc::clone(&shared);
        } else if position == keys.by_position.len() && position < SHARED_KEYS {
            keys.by_position.push(Arc::clone(&shared));
        }
        shared
    })
}

fn value(any: AnyValue) -> Result<Value, String> {
    use any_value::Value as V;
    Ok(match any.value {
        None => Value::Empty,
        Some(V::StringValue(text)) => Value::String(text),
        Some(V::BoolValue(flag)) => Value::Bool(flag),
        Some(V::IntValue(number)) => Value::Int(number),
        Some(V::DoubleValue(number)) => Value::Double(number),
        Some(V::BytesValue(bytes)) => Value::Bytes(bytes),
        Some(V::ArrayValue(array)) => Value::Array(
            array
                .values
                .into_iter()
                .map(value)
                .collect::<Result<_, _>>()?,
        ),
        Some(V::KvlistValue(list)) => Value::Map(attributes(list.values)?),
        Some(V::StringValueStrindex(_)) => {
            return Err("string_value_strindex is only meaningful in profiles".to_owned());
        }
    })
}

#[cfg(test)]
mod tests {
    use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, KeyValue};

    use super::*;

    fn pairs(keys: &[&str]) -> Vec<KeyValue> {
        keys.iter()
            .enumerate()
            .map(|(index, key)| KeyValue {
                key: (*key).to_owned(),
                value: Some(AnyValue {
                    value: Some(any_value::Value::IntValue(index as i64)),
                }),
                ..KeyValue::default()
            })
            .collect()
    }

    /// Where the key `key` of `attributes` is stored.
    fn key_address(attributes: &Attributes, key: &str) -> *const u8 {
        let (stored, _) = attributes
            .iter()
            .find(|(stored, _)| *stored == key)
            .unwrap();
        stored.as_ptr()
    }

    #[test]
    fn keys_are_shared_whatever_their_position_and_values_stay_their_own() {
        let first = attributes(pairs(&["http.route", "url.path", "server.port"])).unwrap();
        let same_order = attributes(pairs(&["http.route", "url.path", "server.port"])).unwrap();
        let moved = attributes(pairs(&["server.port", "url.scheme", "http.route"])).unwrap();
        let again = attributes(pairs(&["http.route", "url.path", "server.port"])).unwrap();
        for key in ["http.route", "server.port"] {
            for other in [&same_order, &moved, &again] {
                assert_eq!(key_address(&first, key), key_address(other, key), "{key}");
            }
        }
        let listed = |attributes: &Attributes| {
            attributes
                .iter()
                .map(|(key, value)| (key.to_owned(), value.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            listed(&moved),
            [
                ("server.port".to_owned(), Value::Int(0)),
                ("url.scheme".to_owned(), Value::Int(1)),
                ("http.route".to_owned(), Value::Int(2)),
            ]
        );
        assert_eq!(listed(&again), listed(&first));
    }
}
