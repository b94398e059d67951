//! The store: bounds and eviction counters, trace summaries, subscriptions and waiting.

mod common;

use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use common::simple_span;
use otlp::model::{
    Batch, LogRecord, MetricPoint, MetricValue, Number, Resource, Scope, Span, SpanId, StatusCode,
    Value,
};
use otlp::{Received, Store, StoreLimits, StoreStats, TraceSummary};

fn span(trace: u8, id: u8, parent: Option<u8>, start: u64, end: u64) -> Span {
    let mut span = simple_span([trace; 16], [id; 8], &format!("s{trace}.{id}"));
    span.parent_span_id = parent.map(|p| SpanId([p; 8]));
    span.start_unix_nanos = start;
    span.end_unix_nanos = end;
    span
}

fn spans(spans: Vec<Span>) -> Batch {
    Batch {
        spans,
        ..Batch::default()
    }
}

fn log(n: i64) -> LogRecord {
    LogRecord {
        time_unix_nanos: None,
        observed_time_unix_nanos: None,
        severity_number: 9,
        severity_text: String::new(),
        event_name: String::new(),
        body: Value::Int(n),
        attributes: Default::default(),
        trace_id: None,
        span_id: None,
        resource: Arc::new(Resource::default()),
        scope: Arc::new(Scope::default()),
    }
}

fn point(n: i64) -> MetricPoint {
    MetricPoint {
        name: "m".into(),
        description: String::new(),
        unit: String::new(),
        value: MetricValue::Gauge(Number::Int(n)),
        attributes: Default::default(),
        start_time_unix_nanos: None,
        time_unix_nanos: 1,
        resource: Arc::new(Resource::default()),
        scope: Arc::new(Scope::default()),
    }
}

fn names(spans: &[Arc<Span>]) -> Vec<&str> {
    spans.iter().map(|span| span.name.as_str()).collect()
}

#[test]
fn the_oldest_traces_are_evicted_whole_and_counted() {
    let store = Store::new(StoreLimits {
        max_spans: 3,
        max_logs: 2,
        max_metric_points: 1,
    });
    store.insert(spans(vec![
        span(1, 1, None, 0, 1),
        span(2, 1, None, 0, 1),
        span(1, 2, Some(1), 0, 1),
    ]));
    assert_eq!(names(&store.spans()), ["s1.1", "s2.1", "s1.2"]);
    store.insert(spans(vec![span(3, 1, None, 0, 1)]));
    assert_eq!(names(&store.spans()), ["s2.1", "s3.1"]);
    assert!(store
        .spans_of_trace(otlp::model::TraceId([1; 16]))
        .is_empty());
    // A trace that comes back after eviction starts over, as the newest.
    store.insert(spans(vec![span(1, 3, None, 0, 1), span(4, 1, None, 0, 1)]));
    assert_eq!(names(&store.spans()), ["s3.1", "s1.3", "s4.1"]);
    store.insert(Batch {
        logs: vec![log(1), log(2), log(3)],
        metric_points: vec![point(1), point(2)],
        ..Batch::default()
    });
    assert_eq!(
        store
            .logs()
            .iter()
            .map(|l| l.body.clone())
            .collect::<Vec<_>>(),
        [Value::Int(2), Value::Int(3)]
    );
    assert_eq!(
        store
            .metric_points()
            .iter()
            .map(|p| p.value.clone())
            .collect::<Vec<_>>(),
        [MetricValue::Gauge(Number::Int(2))]
    );
    store.count_rejected(4);
    store.count_refused();
    assert_eq!(
        store.stats(),
        StoreStats {
            spans: 3,
            traces: 3,
            logs: 2,
            metric_points: 1,
            evicted_traces: 2,
            evicted_spans: 3,
            evicted_logs: 1,
            evicted_metric_points: 1,
            rejected_items: 4,
            refused_requests: 1,
        }
    );
}

#[test]
fn a_trace_larger_than_the_bound_is_evicted_too() {
    let store = Store::new(StoreLimits {
        max_spans: 2,
        ..StoreLimits::default()
    });
    store.insert(spans(vec![
        span(1, 1, None, 0, 1),
        span(1, 2, None, 0, 1),
        span(1, 3, None, 0, 1),
    ]));
    assert!(store.spans().is_empty());
    assert_eq!(
        (store.stats().evicted_traces, store.stats().evicted_spans),
        (1, 3)
    );
}

#[test]
fn a_store_with_zero_limits_keeps_nothing_but_broadcasts_and_counts_everything() {
    let limits = StoreLimits {
        max_spans: 0,
        max_logs: 0,
        max_metric_points: 0,
    };
    let store = Store::new(limits);
    let mut events = store.subscribe();
    for _ in 0..2 {
        store.insert(Batch {
            spans: vec![
                span(1, 1, None, 0, 1),
                span(2, 1, None, 0, 1),
                span(1, 2, Some(1), 0, 1),
            ],
            logs: vec![log(1)],
            metric_points: vec![point(1), point(2)],
        });
    }
    assert!(store.spans().is_empty() && store.traces().is_empty());
    assert!(store.logs().is_empty() && store.metric_points().is_empty());
    assert_eq!(
        store.stats(),
        StoreStats {
            evicted_traces: 4,
            evicted_spans: 6,
            evicted_logs: 2,
            evicted_metric_points: 4,
            ..StoreStats::default()
        }
    );
    for _ in 0..2 {
        match events.try_recv().unwrap() {
            Received::Spans(spans) => assert_eq!(names(&spans), ["s1.1", "s2.1", "s1.2"]),
            other => panic!("expected spans, got {other:?}"),
        }
        assert!(matches!(events.try_recv().unwrap(), Received::Logs(logs) if logs.len() == 1));
        assert!(
            matches!(events.try_recv().unwrap(), Received::MetricPoints(points) if points.len() == 2)
        );
    }
}

#[test]
fn trace_summaries_name_the_root_services_span_count_and_errors() {
    let store = Store::new(StoreLimits::default());
    let mut failing = span(1, 2, Some(1), 150, 400);
    failing.status.code = StatusCode::Error;
    failing.resource = Arc::new(Resource {
        attributes: [("service.name", Value::from("db"))].into_iter().collect(),
    });
    // Trace 2 has no root yet: its earliest orphan stands in.
    store.insert(spans(vec![
        failing,
        span(2, 7, Some(9), 50, 60),
        span(1, 1, None, 100, 300),
        span(2, 6, Some(9), 40, 70),
    ]));
    let traces = store.traces();
    let summary = |t: &TraceSummary| {
        (
            t.trace_id.0[0],
            t.root.as_ref().map(|r| r.name.clone()),
            t.services.clone(),
            t.start_unix_nanos,
            t.duration_nanos(),
            t.span_count,
            t.has_error,
        )
    };
    assert_eq!(
        traces.iter().map(summary).collect::<Vec<_>>(),
        [
            (
                1,
                Some("s1.1".to_owned()),
                vec!["db".to_owned(), "grpc-test".to_owned()],
                100,
                300,
                2,
                true
            ),
            (
                2,
                Some("s2.6".to_owned()),
                vec!["grpc-test".to_owned()],
                40,
                30,
                2,
                false
            ),
        ]
    );
}

#[test]
fn subscribers_get_each_insertion_as_stored() {
    let store = Store::new(StoreLimits::default());
    let mut events = store.subscribe();
    let before = store.version();
    store.insert(Batch {
        spans: vec![span(1, 1, None, 0, 1), span(1, 2, None, 0, 1)],
        logs: vec![log(5)],
        ..Batch::default()
    });
    store.insert(Batch {
        metric_points: vec![point(9)],
        ..Batch::default()
    });
    store.insert(Batch::default());
    match events.try_recv().unwrap() {
        Received::Spans(spans) => {
            assert_eq!(names(&spans), ["s1.1", "s1.2"]);
            assert!(Arc::ptr_eq(&spans[0], &store.spans()[0]));
        }
        other => panic!("expected spans, got {other:?}"),
    }
    assert!(
        matches!(events.try_recv().unwrap(), Received::Logs(logs) if logs[0].body == Value::Int(5))
    );
    assert!(
        matches!(events.try_recv().unwrap(), Received::MetricPoints(points) if points.len() == 1)
    );
    assert!(
        events.try_recv().is_err(),
        "an empty batch broadcasts nothing"
    );
    let after = store.version();
    assert!(after > before, "the version moves with the contents");
    store.insert(Batch::default());
    assert_eq!(store.version(), after, "an empty batch changes nothing");
}

#[test]
fn wait_until_wakes_on_insertion_and_gives_up_at_the_timeout() {
    let store = Arc::new(Store::new(StoreLimits::default()));
    let writer = {
        let store = Arc::clone(&store);
        thread::spawn(move || {
            for id in 1..=3 {
                thread::sleep(Duration::from_millis(20));
                store.insert(spans(vec![span(1, id, None, 0, 1)]));
            }
        })
    };
    assert!(
        store.wait_until(Duration::from_secs(10), |snapshot| snapshot.spans().len()
            == 3)
    );
    writer.join().unwrap();
    let started = Instant::now();
    assert!(
        !store.wait_until(Duration::from_millis(100), |snapshot| snapshot
            .spans()
            .len()
            == 4)
    );
    assert!(started.elapsed() >= Duration::from_millis(100));
}

/// `ready` may read the store again while a writer is busy: it runs with no lock held. (It was
/// given a snapshot holding the read lock; a `ready` that read the store a second time while a
/// writer waited blocked forever, as an attach test once did in CI.)
#[test]
fn wait_until_lets_ready_read_the_store_while_a_writer_inserts() {
    let store = Arc::new(Store::new(StoreLimits::default()));
    let writer = {
        let store = Arc::clone(&store);
        thread::spawn(move || {
            for id in 1..=200u8 {
                store.insert(spans(vec![span(2, id, None, 0, 1)]));
            }
        })
    };
    let arrived = store.wait_until(Duration::from_secs(30), |s| {
        // Several reads per check, the pattern of the end-to-end tests' helpers.
        s.spans().len() == 200 && s.traces().len() == 1 && s.spans().len() == 200
    });
    writer.join().unwrap();
    assert!(arrived);
}
