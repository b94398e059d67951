//! A small, fixed store for the UI tests: two traces across three services, a log record
//! in one span, two metric points.

#![allow(clippy::too_many_arguments)] // `span` reads best as one row per span

use std::sync::Arc;

use otlp::model::{
    Attributes, Batch, Event, Histogram, LogRecord, MetricPoint, MetricValue, Number, Resource,
    Scope, Span, SpanId, SpanKind, Status, StatusCode, Temporality, TraceId, Value,
};
use otlp::{Store, StoreLimits};

/// 2023-11-14 22:13:20 UTC.
pub(crate) const T0: u64 = 1_700_000_000_000_000_000;
const MS: u64 = 1_000_000;

pub(crate) const CHECKOUT: TraceId = TraceId([0xc0; 16]);
pub(crate) const HEALTH: TraceId = TraceId([0x4e; 16]);

fn resource(service: &str) -> Arc<Resource> {
    Arc::new(Resource {
        attributes: [("service.name", Value::from(service))]
            .into_iter()
            .collect(),
    })
}

fn span(
    trace_id: TraceId,
    id: u8,
    parent: Option<u8>,
    service: &Arc<Resource>,
    name: &str,
    kind: SpanKind,
    from_ms: u64,
    to_ms: u64,
) -> Span {
    Span {
        trace_id,
        span_id: SpanId([id; 8]),
        parent_span_id: parent.map(|parent| SpanId([parent; 8])),
        name: name.into(),
        kind,
        start_unix_nanos: T0 + from_ms * MS,
        end_unix_nanos: T0 + to_ms * MS,
        status: Status::default(),
        attributes: Attributes::new(),
        events: vec![],
        links: vec![],
        resource: Arc::clone(service),
        scope: Arc::new(Scope {
            name: "autotel/nethttp".into(),
            version: "0.1.0".into(),
        }),
    }
}

pub(crate) fn store() -> Store {
    let (frontend, payment, health) = (
        resource("frontend"),
        resource("payment"),
        resource("health"),
    );
    let mut pay = span(
        CHECKOUT,
        3,
        Some(2),
        &payment,
        "POST /pay",
        SpanKind::Server,
        20,
        200,
    );
    pay.status = Status {
        code: StatusCode::Error,
        message: "card declined".into(),
    };
    pay.attributes = [
        ("http.request.method", Value::from("POST")),
        ("http.response.status_code", Value::Int(402)),
    ]
    .into_iter()
    .collect();
    pay.events = vec![Event {
        name: "retry".into(),
        time_unix_nanos: T0 + 50 * MS,
        attributes: Attributes::new(),
    }];
    let spans = vec![
        span(
            CHECKOUT,
            1,
            None,
            &frontend,
            "GET /checkout",
            SpanKind::Server,
            0,
            300,
        ),
        span(
            CHECKOUT,
            2,
            Some(1),
            &frontend,
            "POST payment",
            SpanKind::Client,
            10,
            210,
        ),
        pay,
        span(
            CHECKOUT,
            4,
            Some(3),
            &payment,
            "SELECT cards",
            SpanKind::Client,
            30,
            80,
        ),
        span(
            HEALTH,
            1,
            None,
            &health,
            "GET /health",
            SpanKind::Server,
            1000,
            1005,
        ),
    ];
    let log = LogRecord {
        time_unix_nanos: Some(T0 + 150 * MS),
        observed_time_unix_nanos: None,
        severity_number: 17,
        severity_text: String::new(),
        event_name: String::new(),
        body: Value::from("card declined for order 7"),
        attributes: Attributes::new(),
        trace_id: Some(CHECKOUT),
        span_id: Some(SpanId([3; 8])),
        resource: Arc::clone(&payment),
        scope: Arc::new(Scope::default()),
    };
    let point = |value: i64, at_ms: u64| MetricPoint {
        name: "http.server.request.count".into(),
        description: String::new(),
        unit: "{request}".into(),
        value: MetricValue::Sum {
            value: Number::Int(value),
            monotonic: true,
            temporality: Temporality::Cumulative,
        },
        attributes: [("http.route", Value::from("/checkout"))]
            .into_iter()
            .collect(),
        start_time_unix_nanos: Some(T0),
        time_unix_nanos: T0 + at_ms * MS,
        resource: Arc::clone(&frontend),
        scope: Arc::new(Scope::default()),
    };
    let store = Store::new(StoreLimits::default());
    store.insert(Batch {
        spans,
        logs: vec![log],
        metric_points: vec![point(3, 1000), point(5, 2000)],
    });
    store
}

/// One histogram point of request durations, for the metric chart.
pub(crate) fn histogram_store() -> Store {
    let point = MetricPoint {
        name: "http.server.request.duration".into(),
        description: String::new(),
        unit: "s".into(),
        value: MetricValue::Histogram(Histogram {
            count: 10,
            sum: Some(1.5),
            min: Some(0.01),
            max: Some(0.9),
            bounds: vec![0.05, 0.1, 0.5],
            bucket_counts: vec![4, 3, 2, 1],
            temporality: Temporality::Cumulative,
        }),
        attributes: Attributes::new(),
        start_time_unix_nanos: Some(T0),
        time_unix_nanos: T0 + 1000 * MS,
        resource: resource("frontend"),
        scope: Arc::new(Scope::default()),
    };
    let store = Store::new(StoreLimits::default());
    store.insert(Batch {
        metric_points: vec![point],
        ..Batch::default()
    });
    store
}
