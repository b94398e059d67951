//! Metric points: one data point of one metric, with the metric's name and description.

use std::sync::Arc;

use super::{Attributes, Resource, Scope};

/// One data point of one metric stream.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricPoint {
    pub name: String,
    pub description: String,
    pub unit: String,
    pub value: MetricValue,
    pub attributes: Attributes,
    /// Start of the aggregation interval; `None` when unset (typical for gauges).
    pub start_time_unix_nanos: Option<u64>,
    pub time_unix_nanos: u64,
    pub resource: Arc<Resource>,
    pub scope: Arc<Scope>,
}

/// The kind of metric and the data its point carries.
#[derive(Debug, Clone, PartialEq)]
pub enum MetricValue {
    Gauge(Number),
    Sum {
        value: Number,
        monotonic: bool,
        temporality: Temporality,
    },
    Histogram(Histogram),
    ExponentialHistogram(ExponentialHistogram),
    Summary(Summary),
}

impl MetricValue {
    /// The lowercase kind name used in the JSON-lines format (`"sum"`, …).
    pub fn kind_name(&self) -> &'static str {
        match self {
            MetricValue::Gauge(_) => "gauge",
            MetricValue::Sum { .. } => "sum",
            MetricValue::Histogram(_) => "histogram",
            MetricValue::ExponentialHistogram(_) => "exponential_histogram",
            MetricValue::Summary(_) => "summary",
        }
    }
}

/// A gauge or sum value, integer or floating point as the sender recorded it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    Int(i64),
    Double(f64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Temporality {
    Unspecified,
    Delta,
    Cumulative,
}

impl Temporality {
    /// The lowercase name used in the JSON-lines format (`"cumulative"`, …).
    pub fn name(self) -> &'static str {
        match self {
            Temporality::Unspecified => "unspecified",
            Temporality::Delta => "delta",
            Temporality::Cumulative => "cumulative",
        }
    }

    /// The temporality called [`name`](Self::name).
    pub fn from_name(name: &str) -> Option<Self> {
        [Self::Unspecified, Self::Delta, Self::Cumulative]
            .into_iter()
            .find(|t| t.name() == name)
    }
}

/// An explicit-bucket histogram point. `bucket_counts` is empty or has `bounds.len() + 1`
/// entries (the conversion from OTLP enforces it).
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    pub count: u64,
    pub sum: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub bounds: Vec<f64>,
    pub bucket_counts: Vec<u64>,
    pub temporality: Temporality,
}

/// A base-2 exponential histogram point.
#[derive(Debug, Clone, PartialEq)]
pub struct ExponentialHistogram {
    pub count: u64,
    pub sum: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub scale: i32,
    pub zero_count: u64,
    pub zero_threshold: f64,
    pub positive: ExponentialBuckets,
    pub negative: ExponentialBuckets,
    pub temporality: Temporality,
}

/// One side (positive or negative) of an exponential histogram.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExponentialBuckets {
    pub offset: i32,
    pub bucket_counts: Vec<u64>,
}

/// A summary point (pre-computed quantiles).
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub count: u64,
    pub sum: f64,
    pub quantiles: Vec<Quantile>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quantile {
    pub quantile: f64,
    pub value: f64,
}
