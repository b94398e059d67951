use std::collections::HashSet;

use otlp::model::{LogRecord, SpanId, Value};

use super::*;
use crate::tui::fixture;

fn tree(collapsed: &[u8]) -> Vec<(String, usize, bool, bool)> {
    let store = fixture::store();
    let collapsed: HashSet<SpanId> = collapsed.iter().map(|id| SpanId([*id; 8])).collect();
    span_tree(&store.spans_of_trace(fixture::CHECKOUT), &collapsed)
        .into_iter()
        .map(|row| {
            (
                row.span.name.clone(),
                row.depth,
                row.has_children,
                row.collapsed,
            )
        })
        .collect()
}

#[test]
fn the_span_tree_nests_children_by_start_and_folds_collapsed_spans() {
    let row =
        |name: &str, depth, children, collapsed| (name.to_owned(), depth, children, collapsed);
    assert_eq!(
        tree(&[]),
        [
            row("GET /checkout", 0, true, false),
            row("POST payment", 1, true, false),
            row("POST /pay", 2, true, false),
            row("SELECT cards", 3, false, false),
        ]
    );
    assert_eq!(
        tree(&[2]),
        [
            row("GET /checkout", 0, true, false),
            row("POST payment", 1, true, true)
        ]
    );
}

#[test]
fn orphans_are_roots_and_parent_cycles_end() {
    let store = fixture::store();
    let mut spans = store.spans_of_trace(fixture::CHECKOUT);
    spans.remove(0); // the root never arrived
    let names: Vec<(String, usize)> = span_tree(&spans, &HashSet::new())
        .iter()
        .map(|row| (row.span.name.clone(), row.depth))
        .collect();
    assert_eq!(
        names,
        [
            ("POST payment".to_owned(), 0),
            ("POST /pay".to_owned(), 1),
            ("SELECT cards".to_owned(), 2)
        ]
    );

    let mut looped = (*spans[0]).clone();
    looped.parent_span_id = Some(spans[2].span_id);
    let cycle = vec![
        std::sync::Arc::new(looped),
        spans[1].clone(),
        spans[2].clone(),
    ];
    assert!(
        span_tree(&cycle, &HashSet::new()).is_empty(),
        "a cycle has no root to start from"
    );
}

#[test]
fn the_service_map_counts_calls_between_services() {
    let (nodes, edges) = service_map(&fixture::store().spans());
    let nodes: Vec<(&str, usize, usize)> = nodes
        .iter()
        .map(|n| (n.name.as_str(), n.spans, n.errors))
        .collect();
    assert_eq!(
        nodes,
        [("frontend", 2), ("payment", 2), ("health", 1)].map(|(n, s)| (
            n,
            s,
            usize::from(n == "payment")
        ))
    );
    assert_eq!(
        edges,
        [ServiceEdge {
            caller: "frontend".into(),
            callee: "payment".into(),
            calls: 1,
            errors: 1,
            total_nanos: 180_000_000
        }]
    );
}

#[test]
fn metric_rows_hold_the_latest_point_of_each_stream() {
    let rows = latest_metrics(&fixture::store().metric_points());
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].points, metric_value_text(&rows[0].point.value)),
        (2, "5".to_owned())
    );
    let histogram = MetricValue::Histogram(otlp::model::Histogram {
        count: 4,
        sum: Some(1.0),
        min: None,
        max: None,
        bounds: vec![],
        bucket_counts: vec![],
        temporality: otlp::model::Temporality::Delta,
    });
    assert_eq!(metric_value_text(&histogram), "n=4 sum=1 avg=0.25");
    assert_eq!(
        metric_value_text(&MetricValue::Gauge(Number::Double(2.0 / 3.0))),
        "0.6667"
    );
}

#[test]
fn times_durations_values_and_severities_read_well() {
    assert_eq!(clock(fixture::T0 + 250_000_000), "22:13:20.250");
    let durations: Vec<String> = [
        0,
        800,
        12_345,
        250_000_000,
        1_250_000_000,
        42_000_000_000,
        123_000_000_000,
        -5_000,
    ]
    .map(duration)
    .into();
    assert_eq!(
        durations,
        ["0ns", "800ns", "12.3µs", "250ms", "1.25s", "42.0s", "2m03s", "-5.00µs"]
    );
    let value = Value::Array(vec![
        Value::from("a"),
        Value::Int(1),
        Value::Bytes(vec![0, 255]),
        Value::Map([("k", Value::Bool(true))].into_iter().collect()),
        Value::Empty,
    ]);
    assert_eq!(value_text(&value), "[a, 1, 0x00ff, {k=true}, (empty)]");
    let record = |number, text: &str| LogRecord {
        severity_number: number,
        severity_text: text.into(),
        ..fixture::store().logs()[0].as_ref().clone()
    };
    let severities: Vec<String> = [
        (0, ""),
        (9, ""),
        (14, ""),
        (17, ""),
        (24, ""),
        (9, "notice"),
    ]
    .map(|(n, t)| severity(&record(n, t)))
    .into();
    assert_eq!(
        severities,
        ["-", "INFO", "WARN2", "ERROR", "FATAL4", "notice"]
    );
}

#[test]
fn the_service_tree_starts_at_uncalled_services_and_marks_repeats() {
    let node = |name: &str| ServiceNode {
        name: name.into(),
        spans: 1,
        errors: 0,
    };
    let edge = |caller: &str, callee: &str| ServiceEdge {
        caller: caller.into(),
        callee: callee.into(),
        calls: 1,
        errors: 0,
        total_nanos: 0,
    };
    let nodes = [node("db"), node("api"), node("web"), node("cache")];
    let edges = [
        edge("web", "api"),
        edge("api", "db"),
        edge("api", "cache"),
        edge("web", "cache"),
    ];
    let lines: Vec<String> = service_tree(&nodes, &edges)
        .into_iter()
        .map(|line| {
            format!(
                "{}{}{}",
                line.prefix,
                line.service,
                if line.repeated { " ↺" } else { "" }
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            "web",
            "├─▶ api",
            "│   ├─▶ db",
            "│   └─▶ cache",
            "└─▶ cache ↺",
        ]
    );
}

#[test]
fn histogram_buckets_are_labelled_by_upper_bound() {
    use otlp::model::{
        ExponentialBuckets, ExponentialHistogram, Histogram, MetricValue, Temporality,
    };
    let explicit = MetricValue::Histogram(Histogram {
        count: 3,
        sum: None,
        min: None,
        max: None,
        bounds: vec![1.0, 10.0],
        bucket_counts: vec![1, 1, 1],
        temporality: Temporality::Delta,
    });
    assert_eq!(
        histogram_buckets(&explicit),
        [
            ("≤1".to_owned(), 1),
            ("≤10".to_owned(), 1),
            (">10".to_owned(), 1)
        ]
    );
    let exponential = MetricValue::ExponentialHistogram(ExponentialHistogram {
        count: 4,
        sum: None,
        min: None,
        max: None,
        scale: 0,
        zero_count: 1,
        zero_threshold: 0.0,
        positive: ExponentialBuckets {
            offset: 1,
            bucket_counts: vec![2, 1],
        },
        negative: ExponentialBuckets::default(),
        temporality: Temporality::Delta,
    });
    assert_eq!(
        histogram_buckets(&exponential),
        [
            ("0".to_owned(), 1),
            ("≤4".to_owned(), 2),
            ("≤8".to_owned(), 1)
        ]
    );
}
