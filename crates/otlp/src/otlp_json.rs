//! The OTLP/JSON encoding (OTLP specification, "JSON Protobuf Encoding"): decodes the three
//! export requests from JSON into the protobuf message types, so that protobuf and JSON
//! requests share one conversion into the model.
//!
//! The mapping rules it follows: field names in lowerCamelCase, snake_case accepted too;
//! `traceId`/`spanId`/`parentSpanId` as hex strings (not base64); other `bytes` as base64;
//! 64-bit integers as decimal strings or numbers; enums as integers or their protobuf names
//! (`SPAN_KIND_SERVER`); floats as numbers or `"NaN"`/`"Infinity"`/`"-Infinity"`; unknown
//! fields ignored and `null` taken as the default. Only the fields the model uses are read
//! (exemplars, `traceState`, flags, dropped counts and schema URLs are skipped).

use base64::Engine as _;
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{
    any_value, AnyValue, ArrayValue, InstrumentationScope, KeyValue, KeyValueList,
};
use opentelemetry_proto::tonic::logs::v1 as logs;
use opentelemetry_proto::tonic::metrics::v1 as metrics;
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1 as trace;

use crate::json::{read_items, same_field, Json, JsonError, Object};
use crate::model::decode_hex;

pub(crate) fn trace_request(json: &Json) -> Result<ExportTraceServiceRequest, JsonError> {
    Ok(ExportTraceServiceRequest {
        resource_spans: list(json.as_object()?, "resourceSpans", resource_spans)?,
    })
}

pub(crate) fn logs_request(json: &Json) -> Result<ExportLogsServiceRequest, JsonError> {
    Ok(ExportLogsServiceRequest {
        resource_logs: list(json.as_object()?, "resourceLogs", resource_logs)?,
    })
}

pub(crate) fn metrics_request(json: &Json) -> Result<ExportMetricsServiceRequest, JsonError> {
    Ok(ExportMetricsServiceRequest {
        resource_metrics: list(json.as_object()?, "resourceMetrics", resource_metrics)?,
    })
}

fn resource_spans(json: &Json) -> Result<trace::ResourceSpans, JsonError> {
    let object = json.as_object()?;
    Ok(trace::ResourceSpans {
        resource: optional(object, "resource", resource)?,
        scope_spans: list(object, "scopeSpans", |json| {
            let object = json.as_object()?;
            Ok(trace::ScopeSpans {
                scope: optional(object, "scope", scope)?,
                spans: list(object, "spans", span)?,
                ..Default::default()
            })
        })?,
        ..Default::default()
    })
}

fn span(json: &Json) -> Result<trace::Span, JsonError> {
    let object = json.as_object()?;
    Ok(trace::Span {
        trace_id: field(object, "traceId", hex_bytes)?,
        span_id: field(object, "spanId", hex_bytes)?,
        parent_span_id: field(object, "parentSpanId", hex_bytes)?,
        name: field(object, "name", string)?,
        kind: field(object, "kind", |json| {
            enumeration(json, trace::span::SpanKind::from_str_name)
        })?,
        start_time_unix_nano: field(object, "startTimeUnixNano", Json::as_u64)?,
        end_time_unix_nano: field(object, "endTimeUnixNano", Json::as_u64)?,
        attributes: list(object, "attributes", key_value)?,
        events: list(object, "events", |json| {
            let object = json.as_object()?;
            Ok(trace::span::Event {
                time_unix_nano: field(object, "timeUnixNano", Json::as_u64)?,
                name: field(object, "name", string)?,
                attributes: list(object, "attributes", key_value)?,
                ..Default::default()
            })
        })?,
        links: list(object, "links", |json| {
            let object = json.as_object()?;
            Ok(trace::span::Link {
                trace_id: field(object, "traceId", hex_bytes)?,
                span_id: field(object, "spanId", hex_bytes)?,
                attributes: list(object, "attributes", key_value)?,
                ..Default::default()
            })
        })?,
        status: optional(object, "status", |json| {
            let object = json.as_object()?;
            Ok(trace::Status {
                message: field(object, "message", string)?,
                code: field(object, "code", |json| {
                    enumeration(json, trace::status::StatusCode::from_str_name)
                })?,
            })
        })?,
        ..Default::default()
    })
}

fn resource_logs(json: &Json) -> Result<logs::ResourceLogs, JsonError> {
    let object = json.as_object()?;
    Ok(logs::ResourceLogs {
        resource: optional(object, "resource", resource)?,
        scope_logs: list(object, "scopeLogs", |json| {
            let object = json.as_object()?;
            Ok(logs::ScopeLogs {
                scope: optional(object, "scope", scope)?,
                log_records: list(object, "logRecords", log_record)?,
                ..Default::default()
            })
        })?,
        ..Default::default()
    })
}

fn log_record(json: &Json) -> Result<logs::LogRecord, JsonError> {
    let object = json.as_object()?;
    Ok(logs::LogRecord {
        time_unix_nano: field(object, "timeUnixNano", Json::as_u64)?,
        observed_time_unix_nano: field(object, "observedTimeUnixNano", Json::as_u64)?,
        severity_number: field(object, "severityNumber", |json| {
            enumeration(json, logs::SeverityNumber::from_str_name)
        })?,
        severity_text: field(object, "severityText", string)?,
        body: optional(object, "body", any_value)?,
        attributes: list(object, "attributes", key_value)?,
        trace_id: field(object, "traceId", hex_bytes)?,
        span_id: field(object, "spanId", hex_bytes)?,
        event_name: field(object, "eventName", string)?,
        ..Default::default()
    })
}

fn resource_metrics(json: &Json) -> Result<metrics::ResourceMetrics, JsonError> {
    let object = json.as_object()?;
    Ok(metrics::ResourceMetrics {
        resource: optional(object, "resource", resource)?,
        scope_metrics: list(object, "scopeMetrics", |json| {
            let object = json.as_object()?;
            Ok(metrics::ScopeMetrics {
                scope: optional(object, "scope", scope)?,
                metrics: list(object, "metrics", metric)?,
                ..Default::default()
            })
        })?,
        ..Default::default()
    })
}

fn metric(json: &Json) -> Result<metrics::Metric, JsonError> {
    use metrics::metric::Data;

    let object = json.as_object()?;
    /// Reads the message of one `data` variant.
    type ReadData = fn(Object<'_>) -> Result<Data, JsonError>;
    let kinds: [(&str, ReadData); 5] = [
        ("gauge", |object| {
            Ok(Data::Gauge(metrics::Gauge {
                data_points: list(object, "dataPoints", number_point)?,
            }))
        }),
        ("sum", |object| {
            Ok(Data::Sum(metrics::Sum {
                data_points: list(object, "dataPoints", number_point)?,
                aggregation_temporality: aggregation_temporality(object)?,
                is_monotonic: field(object, "isMonotonic", Json::as_bool)?,
            }))
        }),
        ("histogram", |object| {
            Ok(Data::Histogram(metrics::Histogram {
                data_points: list(object, "dataPoints", histogram_point)?,
                aggregation_temporality: aggregation_temporality(object)?,
            }))
        }),
        ("exponentialHistogram", |object| {
            Ok(Data::ExponentialHistogram(metrics::ExponentialHistogram {
                data_points: list(object, "dataPoints", exponential_histogram_point)?,
                aggregation_temporality: aggregation_temporality(object)?,
            }))
        }),
        ("summary", |object| {
            Ok(Data::Summary(metrics::Summary {
                data_points: list(object, "dataPoints", summary_point)?,
            }))
        }),
    ];
    let mut data = None;
    for (name, read) in kinds {
        if let Some(value) = object.get_field(name) {
            if data.is_some() {
                return Err(JsonError::new("a metric has exactly one of gauge, sum, histogram, exponentialHistogram, summary")
                    .in_field(name));
            }
            data = Some(
                value
                    .as_object()
                    .and_then(read)
                    .map_err(|err| err.in_field(name))?,
            );
        }
    }
    Ok(metrics::Metric {
        name: field(object, "name", string)?,
        description: field(object, "description", string)?,
        unit: field(object, "unit", string)?,
        data,
        ..Default::default()
    })
}

fn aggregation_temporality(object: Object<'_>) -> Result<i32, JsonError> {
    field(object, "aggregationTemporality", |json| {
        enumeration(json, metrics::AggregationTemporality::from_str_name)
    })
}

fn number_point(json: &Json) -> Result<metrics::NumberDataPoint, JsonError> {
    use metrics::number_data_point::Value;

    let object = json.as_object()?;
    let value = match (object.get_field("asInt"), object.get_field("asDouble")) {
        (Some(_), Some(_)) => {
            return Err(JsonError::new(
                "a data point has asInt or asDouble, not both",
            ))
        }
        (Some(int), None) => Some(Value::AsInt(
            int.as_i64().map_err(|err| err.in_field("asInt"))?,
        )),
        (None, Some(double)) => Some(Value::AsDouble(
            double.as_f64().map_err(|err| err.in_field("asDouble"))?,
        )),
        (None, None) => None,
    };
    Ok(metrics::NumberDataPoint {
        attributes: list(object, "attributes", key_value)?,
        start_time_unix_nano: field(object, "startTimeUnixNano", Json::as_u64)?,
        time_unix_nano: field(object, "timeUnixNano", Json::as_u64)?,
        value,
        ..Default::default()
    })
}

fn histogram_point(json: &Json) -> Result<metrics::HistogramDataPoint, JsonError> {
    let object = json.as_object()?;
    Ok(metrics::HistogramDataPoint {
        attributes: list(object, "attributes", key_value)?,
        start_time_unix_nano: field(object, "startTimeUnixNano", Json::as_u64)?,
        time_unix_nano: field(object, "timeUnixNano", Json::as_u64)?,
        count: field(object, "count", Json::as_u64)?,
        sum: optional(object, "sum", Json::as_f64)?,
        bucket_counts: list(object, "bucketCounts", Json::as_u64)?,
        explicit_bounds: list(object, "explicitBounds", Json::as_f64)?,
        min: optional(object, "min", Json::as_f64)?,
        max: optional(object, "max", Json::as_f64)?,
        ..Default::default()
    })
}

fn exponential_histogram_point(
    json: &Json,
) -> Result<metrics::ExponentialHistogramDataPoint, JsonError> {
    let buckets = |json: &Json| {
        let object = json.as_object()?;
        Ok(metrics::exponential_histogram_data_point::Buckets {
            offset: field(object, "offset", Json::as_i32)?,
            bucket_counts: list(object, "bucketCounts", Json::as_u64)?,
        })
    };
    let object = json.as_object()?;
    Ok(metrics::ExponentialHistogramDataPoint {
        attributes: list(object, "attributes", key_value)?,
        start_time_unix_nano: field(object, "startTimeUnixNano", Json::as_u64)?,
        time_unix_nano: field(object, "timeUnixNano", Json::as_u64)?,
        count: field(object, "count", Json::as_u64)?,
        sum: optional(object, "sum", Json::as_f64)?,
        scale: field(object, "scale", Json::as_i32)?,
        zero_count: field(object, "zeroCount", Json::as_u64)?,
        positive: optional(object, "positive", buckets)?,
        negative: optional(object, "negative", buckets)?,
        min: optional(object, "min", Json::as_f64)?,
        max: optional(object, "max", Json::as_f64)?,
        zero_threshold: field(object, "zeroThreshold", Json::as_f64)?,
        ..Default::default()
    })
}

fn summary_point(json: &Json) -> Result<metrics::SummaryDataPoint, JsonError> {
    let object = json.as_object()?;
    Ok(metrics::SummaryDataPoint {
        attributes: list(object, "attributes", key_value)?,
        start_time_unix_nano: field(object, "startTimeUnixNano", Json::as_u64)?,
        time_unix_nano: field(object, "timeUnixNano", Json::as_u64)?,
        count: field(object, "count", Json::as_u64)?,
        sum: field(object, "sum", Json::as_f64)?,
        quantile_values: list(object, "quantileValues", |json| {
            let object = json.as_object()?;
            Ok(metrics::summary_data_point::ValueAtQuantile {
                quantile: field(object, "quantile", Json::as_f64)?,
                value: field(object, "value", Json::as_f64)?,
            })
        })?,
        ..Default::default()
    })
}

fn resource(json: &Json) -> Result<Resource, JsonError> {
    Ok(Resource {
        attributes: list(json.as_object()?, "attributes", key_value)?,
        ..Default::default()
    })
}

fn scope(json: &Json) -> Result<InstrumentationScope, JsonError> {
    let object = json.as_object()?;
    Ok(InstrumentationScope {
        name: field(object, "name", string)?,
        version: field(object, "version", string)?,
        ..Default::default()
    })
}

fn key_value(json: &Json) -> Result<KeyValue, JsonError> {
    let object = json.as_object()?;
    Ok(KeyValue {
        key: field(object, "key", string)?,
        value: optional(object, "value", any_value)?,
        ..Default::default()
    })
}

fn any_value(json: &Json) -> Result<AnyValue, JsonError> {
    use any_value::Value;

    let object = json.as_object()?;
    let mut found = None;
    for (name, value) in object.members() {
        if *value == Json::Null {
            continue;
        }
        let decoded = if same_field(name, "stringValue") {
            Value::StringValue(value.as_str()?.to_owned())
        } else if same_field(name, "boolValue") {
            Value::BoolValue(value.as_bool()?)
        } else if same_field(name, "intValue") {
            Value::IntValue(value.as_i64()?)
        } else if same_field(name, "doubleValue") {
            Value::DoubleValue(value.as_f64()?)
        } else if same_field(name, "bytesValue") {
            Value::BytesValue(base64_bytes(value)?)
        } else if same_field(name, "arrayValue") {
            Value::ArrayValue(ArrayValue {
                values: list(value.as_object()?, "values", any_value)?,
            })
        } else if same_field(name, "kvlistValue") {
            Value::KvlistValue(KeyValueList {
                values: list(value.as_object()?, "values", key_value)?,
            })
        } else {
            continue;
        };
        if found.is_some() {
            return Err(
                JsonError::new("an AnyValue holds one value, this one has several").in_field(name),
            );
        }
        found = Some(decoded);
    }
    Ok(AnyValue { value: found })
}

/// A required-by-default scalar: absent or `null` gives the protobuf default.
fn field<T: Default>(
    object: Object<'_>,
    camel: &str,
    read: impl FnOnce(&Json) -> Result<T, JsonError>,
) -> Result<T, JsonError> {
    object
        .get_field(camel)
        .map(|json| read(json).map_err(|err| err.in_field(camel)))
        .transpose()
        .map(Option::unwrap_or_default)
}

/// An optional message: absent or `null` gives `None`.
fn optional<T>(
    object: Object<'_>,
    camel: &str,
    read: impl FnOnce(&Json) -> Result<T, JsonError>,
) -> Result<Option<T>, JsonError> {
    object
        .get_field(camel)
        .map(|json| read(json).map_err(|err| err.in_field(camel)))
        .transpose()
}

/// A repeated field: absent or `null` gives an empty list.
fn list<T>(
    object: Object<'_>,
    camel: &str,
    read: impl FnMut(&Json) -> Result<T, JsonError>,
) -> Result<Vec<T>, JsonError> {
    match object.get_field(camel) {
        None => Ok(Vec::new()),
        Some(json) => json
            .as_array()
            .and_then(|items| read_items(items, read))
            .map_err(|err| err.in_field(camel)),
    }
}

fn string(json: &Json) -> Result<String, JsonError> {
    json.as_str().map(str::to_owned)
}

/// An enum as its number or its protobuf name.
fn enumeration<E: Into<i32>>(
    json: &Json,
    from_name: fn(&str) -> Option<E>,
) -> Result<i32, JsonError> {
    match json {
        Json::String(name) => match from_name(name) {
            Some(value) => Ok(value.into()),
            None => name
                .parse()
                .map_err(|_| JsonError::new(format!("unknown enum value {name:?}"))),
        },
        other => other.as_i32(),
    }
}

/// Trace and span ids: hex in OTLP/JSON (any case), unlike other bytes fields.
fn hex_bytes(json: &Json) -> Result<Vec<u8>, JsonError> {
    let text = json.as_str()?;
    decode_hex(text).ok_or_else(|| {
        JsonError::new(format!(
            "{text:?} is not hex (OTLP/JSON writes ids as hex, not base64)"
        ))
    })
}

/// Other bytes: base64, standard or URL-safe alphabet, padded or not (as protobuf JSON allows).
fn base64_bytes(json: &Json) -> Result<Vec<u8>, JsonError> {
    use base64::alphabet;
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

    const CONFIG: GeneralPurposeConfig =
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
    const STANDARD: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, CONFIG);
    const URL_SAFE: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, CONFIG);

    let text = json.as_str()?;
    STANDARD
        .decode(text)
        .or_else(|_| URL_SAFE.decode(text))
        .map_err(|err| JsonError::new(format!("{text:?} is not base64: {err}")))
}
