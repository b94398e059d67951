//! What the screens show, derived from the store's contents: the span tree of a trace, the
//! service map, the latest value of each metric stream, and the text forms of times,
//! durations, values and severities. Pure functions, no drawing and no state.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::sync::Arc;

use otlp::model::{
    LogRecord, MetricPoint, MetricValue, Number, Resource, Span, SpanId, StatusCode, Value,
};

/// One line of the waterfall.
#[derive(Debug, Clone)]
pub(crate) struct SpanRow {
    pub(crate) span: Arc<Span>,
    pub(crate) depth: usize,
    pub(crate) has_children: bool,
    pub(crate) collapsed: bool,
}

/// The spans of one trace as a tree, depth first, children by start time; a span whose
/// parent has not arrived is shown as a root. The children of `collapsed` spans are left out.
pub(crate) fn span_tree(spans: &[Arc<Span>], collapsed: &HashSet<SpanId>) -> Vec<SpanRow> {
    let present: HashSet<SpanId> = spans.iter().map(|span| span.span_id).collect();
    let mut children: HashMap<SpanId, Vec<&Arc<Span>>> = HashMap::new();
    let mut roots = Vec::new();
    for span in spans {
        match span
            .parent_span_id
            .filter(|parent| present.contains(parent) && *parent != span.span_id)
        {
            Some(parent) => children.entry(parent).or_default().push(span),
            None => roots.push(span),
        }
    }
    let by_start = |a: &&Arc<Span>, b: &&Arc<Span>| a.start_unix_nanos.cmp(&b.start_unix_nanos);
    roots.sort_by(by_start);
    for list in children.values_mut() {
        list.sort_by(by_start);
    }
    let mut rows = Vec::with_capacity(spans.len());
    let mut visited = HashSet::new();
    let mut stack: Vec<(&Arc<Span>, usize)> =
        roots.into_iter().rev().map(|span| (span, 0)).collect();
    while let Some((span, depth)) = stack.pop() {
        // A cycle of parent ids (a sender bug) must not loop forever.
        if !visited.insert(span.span_id) {
            continue;
        }
        let kids = children
            .get(&span.span_id)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let is_collapsed = collapsed.contains(&span.span_id);
        rows.push(SpanRow {
            span: Arc::clone(span),
            depth,
            has_children: !kids.is_empty(),
            collapsed: is_collapsed,
        });
        if !is_collapsed {
            stack.extend(kids.iter().rev().map(|kid| (*kid, depth + 1)));
        }
    }
    rows
}

/// A service and how many of its spans the store holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ServiceNode {
    pub(crate) name: String,
    pub(crate) spans: usize,
    pub(crate) errors: usize,
}

/// Calls from one service to another: spans of `callee` whose parent span is in `caller`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ServiceEdge {
    pub(crate) caller: String,
    pub(crate) callee: String,
    pub(crate) calls: usize,
    pub(crate) errors: usize,
    pub(crate) total_nanos: u64,
}

/// Services (by span count, then name) and the calls between them (by count, then names).
pub(crate) fn service_map(spans: &[Arc<Span>]) -> (Vec<ServiceNode>, Vec<ServiceEdge>) {
    let service_by_span: HashMap<(otlp::model::TraceId, SpanId), &str> = spans
        .iter()
        .map(|span| ((span.trace_id, span.span_id), service(&span.resource)))
        .collect();
    let mut nodes: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut edges: BTreeMap<(&str, &str), (usize, usize, u64)> = BTreeMap::new();
    for span in spans {
        let name = service(&span.resource);
        let failed = usize::from(span.status.code == StatusCode::Error);
        let node = nodes.entry(name).or_default();
        node.0 += 1;
        node.1 += failed;
        let caller = span
            .parent_span_id
            .and_then(|parent| service_by_span.get(&(span.trace_id, parent)));
        if let Some(caller) = caller.filter(|caller| **caller != name) {
            let edge = edges.entry((caller, name)).or_default();
            edge.0 += 1;
            edge.1 += failed;
            edge.2 = edge
                .2
                .saturating_add(span.end_unix_nanos.saturating_sub(span.start_unix_nanos));
        }
    }
    let mut nodes: Vec<ServiceNode> = nodes
        .into_iter()
        .map(|(name, (spans, errors))| ServiceNode {
            name: name.to_owned(),
            spans,
            errors,
        })
        .collect();
    nodes.sort_by(|a, b| b.spans.cmp(&a.spans).then_with(|| a.name.cmp(&b.name)));
    let mut edges: Vec<ServiceEdge> = edges
        .into_iter()
        .map(
            |((caller, callee), (calls, errors, total_nanos))| ServiceEdge {
                caller: caller.to_owned(),
                callee: callee.to_owned(),
                calls,
                errors,
                total_nanos,
            },
        )
        .collect();
    edges.sort_by(|a, b| {
        b.calls
            .cmp(&a.calls)
            .then_with(|| (&a.caller, &a.callee).cmp(&(&b.caller, &b.callee)))
    });
    (nodes, edges)
}

/// The latest point of one metric stream (name, service and attributes).
#[derive(Debug, Clone)]
pub(crate) struct MetricRow {
    pub(crate) point: Arc<MetricPoint>,
    /// How many points of this stream the store holds.
    pub(crate) points: usize,
}

/// The latest point of every stream, by name then service then attributes.
pub(crate) fn latest_metrics(points: &[Arc<MetricPoint>]) -> Vec<MetricRow> {
    let mut streams: BTreeMap<(String, String, String), MetricRow> = BTreeMap::new();
    for point in points {
        let key = (
            point.name.clone(),
            service(&point.resource).to_owned(),
            attributes_text(&point.attributes),
        );
        let row = streams.entry(key).or_insert_with(|| MetricRow {
            point: Arc::clone(point),
            points: 0,
        });
        row.points += 1;
        if point.time_unix_nanos >= row.point.time_unix_nanos {
            row.point = Arc::clone(point);
        }
    }
    streams.into_values().collect()
}

/// The value column of a metric row.
pub(crate) fn metric_value_text(value: &MetricValue) -> String {
    match value {
        MetricValue::Gauge(number) | MetricValue::Sum { value: number, .. } => number_text(*number),
        MetricValue::Histogram(histogram) => stats_text(histogram.count, histogram.sum),
        MetricValue::ExponentialHistogram(histogram) => stats_text(histogram.count, histogram.sum),
        MetricValue::Summary(summary) => stats_text(summary.count, Some(summary.sum)),
    }
}

fn stats_text(count: u64, sum: Option<f64>) -> String {
    match sum {
        Some(sum) if count > 0 => format!(
            "n={count} sum={} avg={}",
            float_text(sum),
            float_text(sum / count as f64)
        ),
        Some(sum) => format!("n={count} sum={}", float_text(sum)),
        None => format!("n={count}"),
    }
}

fn number_text(number: Number) -> String {
    match number {
        Number::Int(int) => int.to_string(),
        Number::Double(double) => float_text(double),
    }
}

/// A float with at most 4 significant decimals, without trailing zeros.
pub(crate) fn float_text(number: f64) -> String {
    if number.is_finite() && number.fract() == 0.0 && number.abs() < 1e15 {
        return format!("{number:.0}");
    }
    let text = format!("{number:.4}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

/// `service.name` of a resource, or `?`.
pub(crate) fn service(resource: &Resource) -> &str {
    resource.service_name().unwrap_or("?")
}

/// Wall-clock time of day, UTC, to the millisecond: `14:03:07.250`.
pub(crate) fn clock(unix_nanos: u64) -> String {
    let millis = unix_nanos / 1_000_000;
    let seconds = millis / 1000;
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        seconds / 3600 % 24,
        seconds / 60 % 60,
        seconds % 60,
        millis % 1000
    )
}

/// A duration in the unit that reads best: `800ns`, `12.3µs`, `250ms`, `1.25s`, `2m03s`.
pub(crate) fn duration(nanos: i64) -> String {
    let sign = if nanos < 0 { "-" } else { "" };
    let nanos = nanos.unsigned_abs();
    let scaled = |value: u64, unit: u64, suffix: &str| {
        let whole = value / unit;
        if whole >= 100 {
            format!("{sign}{whole}{suffix}")
        } else if whole >= 10 {
            format!("{sign}{whole}.{}{suffix}", value % unit * 10 / unit)
        } else {
            format!("{sign}{whole}.{:02}{suffix}", value % unit * 100 / unit)
        }
    };
    match nanos {
        0..=999 => format!("{sign}{nanos}ns"),
        1_000..=999_999 => scaled(nanos, 1_000, "µs"),
        1_000_000..=999_999_999 => scaled(nanos, 1_000_000, "ms"),
        1_000_000_000..=59_999_999_999 => scaled(nanos, 1_000_000_000, "s"),
        _ => {
            let seconds = nanos / 1_000_000_000;
            format!("{sign}{}m{:02}s", seconds / 60, seconds % 60)
        }
    }
}

/// An attribute value as text: strings bare, bytes in hex, arrays and maps in brackets.
pub(crate) fn value_text(value: &Value) -> String {
    match value {
        Value::Empty => "(empty)".to_owned(),
        Value::String(text) => text.clone(),
        Value::Bool(flag) => flag.to_string(),
        Value::Int(int) => int.to_string(),
        Value::Double(double) => double.to_string(),
        Value::Bytes(bytes) => {
            let mut text = String::from("0x");
            for byte in bytes {
                let _ = write!(text, "{byte:02x}");
            }
            text
        }
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(value_text).collect::<Vec<_>>().join(", ")
        ),
        Value::Map(map) => format!("{{{}}}", attributes_text(map)),
    }
}

/// `k=v k2=v2`, in order.
pub(crate) fn attributes_text(attributes: &otlp::model::Attributes) -> String {
    attributes
        .iter()
        .map(|(key, value)| format!("{key}={}", value_text(value)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The severity as the sender named it, else from its number: `INFO`, `WARN3`, ….
pub(crate) fn severity(record: &LogRecord) -> String {
    if !record.severity_text.is_empty() {
        return record.severity_text.clone();
    }
    let number = record.severity_number;
    let (name, base) = match number {
        0 => return "-".to_owned(),
        1..=4 => ("TRACE", 1),
        5..=8 => ("DEBUG", 5),
        9..=12 => ("INFO", 9),
        13..=16 => ("WARN", 13),
        17..=20 => ("ERROR", 17),
        _ => ("FATAL", 21),
    };
    match number - base {
        0 => name.to_owned(),
        step => format!("{name}{}", step + 1),
    }
}

/// The key of a metric stream: name, service and attributes (as [`latest_metrics`] groups them).
pub(crate) fn stream_key(point: &MetricPoint) -> (String, String, String) {
    (
        point.name.clone(),
        service(&point.resource).to_owned(),
        attributes_text(&point.attributes),
    )
}

/// The values of one stream over time, for a line chart.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Series {
    /// The time of the first point; `points` count seconds from it.
    pub(crate) first_unix_nanos: u64,
    /// `(seconds since the first point, value)`, oldest first.
    pub(crate) points: Vec<(f64, f64)>,
}

/// The gauge and sum points of the stream of `row`; empty for kinds that have no single
/// value (histograms, summaries).
pub(crate) fn stream_series(points: &[Arc<MetricPoint>], row: &MetricRow) -> Series {
    let key = stream_key(&row.point);
    let mut series: Vec<(u64, f64)> = points
        .iter()
        // The name first: it rules out most points without building a key.
        .filter(|point| point.name == row.point.name && stream_key(point) == key)
        .filter_map(|point| match point.value {
            MetricValue::Gauge(number) | MetricValue::Sum { value: number, .. } => {
                Some((point.time_unix_nanos, number_f64(number)))
            }
            _ => None,
        })
        .collect();
    series.sort_by_key(|(time, _)| *time);
    let first = series
        .first()
        .map_or(row.point.time_unix_nanos, |(time, _)| *time);
    Series {
        first_unix_nanos: first,
        points: series
            .into_iter()
            .map(|(time, value)| (time.saturating_sub(first) as f64 / 1e9, value))
            .collect(),
    }
}

fn number_f64(number: Number) -> f64 {
    match number {
        Number::Int(int) => int as f64,
        Number::Double(double) => double,
    }
}

/// The buckets of a histogram point as `(label, count)`, lowest first: `≤5`, …, `>1000` for
/// explicit bounds, `≤2^k`-style upper bounds for exponential ones (with the zero bucket as
/// `0`), and nothing for other kinds.
pub(crate) fn histogram_buckets(value: &MetricValue) -> Vec<(String, u64)> {
    match value {
        MetricValue::Histogram(histogram) => histogram
            .bucket_counts
            .iter()
            .enumerate()
            .map(|(index, count)| {
                let label = match histogram.bounds.get(index) {
                    Some(bound) => format!("≤{}", float_text(*bound)),
                    None => format!(
                        ">{}",
                        histogram
                            .bounds
                            .last()
                            .map_or("-∞".to_owned(), |b| float_text(*b))
                    ),
                };
                (label, *count)
            })
            .collect(),
        MetricValue::ExponentialHistogram(histogram) => {
            let base = 2f64.powf(2f64.powi(-histogram.scale.clamp(-10, 20)));
            let side = |buckets: &otlp::model::ExponentialBuckets, sign: &str| {
                buckets
                    .bucket_counts
                    .iter()
                    .enumerate()
                    .map(|(index, count)| {
                        let upper = base.powi(buckets.offset.saturating_add(index as i32 + 1));
                        (format!("{sign}≤{}", float_text(upper)), *count)
                    })
                    .collect::<Vec<_>>()
            };
            let mut buckets: Vec<_> = side(&histogram.negative, "-").into_iter().rev().collect();
            if histogram.zero_count > 0 {
                buckets.push(("0".to_owned(), histogram.zero_count));
            }
            buckets.extend(side(&histogram.positive, ""));
            buckets
        }
        _ => Vec::new(),
    }
}

/// One line of the drawn service map: a service at some depth of the call tree, reached
/// through `edge` (none for a root). A service met again is `repeated` and not expanded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MapLine {
    /// The tree drawing before the service: `│  ├─▶ `.
    pub(crate) prefix: String,
    pub(crate) service: String,
    pub(crate) edge: Option<ServiceEdge>,
    pub(crate) repeated: bool,
}

/// The service map as a tree of calls: roots are services nobody else calls (or, in a cycle,
/// the busiest not yet shown); children are the services each one calls, busiest first.
pub(crate) fn service_tree(nodes: &[ServiceNode], edges: &[ServiceEdge]) -> Vec<MapLine> {
    let called: HashSet<&str> = edges.iter().map(|edge| edge.callee.as_str()).collect();
    let mut lines = Vec::new();
    let mut expanded: HashSet<String> = HashSet::new();
    let roots = nodes
        .iter()
        .filter(|node| !called.contains(node.name.as_str()))
        .chain(nodes.iter());
    for root in roots {
        if expanded.contains(&root.name) {
            continue;
        }
        lines.push(MapLine {
            prefix: String::new(),
            service: root.name.clone(),
            edge: None,
            repeated: false,
        });
        expanded.insert(root.name.clone());
        map_children(&root.name, "", edges, &mut expanded, &mut lines);
    }
    lines
}

fn map_children(
    caller: &str,
    indent: &str,
    edges: &[ServiceEdge],
    expanded: &mut HashSet<String>,
    lines: &mut Vec<MapLine>,
) {
    let calls: Vec<&ServiceEdge> = edges.iter().filter(|edge| edge.caller == caller).collect();
    for (index, edge) in calls.iter().enumerate() {
        let last = index + 1 == calls.len();
        let repeated = expanded.contains(&edge.callee);
        lines.push(MapLine {
            prefix: format!("{indent}{}", if last { "└─▶ " } else { "├─▶ " }),
            service: edge.callee.clone(),
            edge: Some((*edge).clone()),
            repeated,
        });
        if !repeated {
            expanded.insert(edge.callee.clone());
            let indent = format!("{indent}{}", if last { "    " } else { "│   " });
            map_children(&edge.callee, &indent, edges, expanded, lines);
        }
    }
}

#[cfg(test)]
mod tests;
