use crate::harness::*;
use crate::support::*;
use otlp::model::{Span, SpanKind, StatusCode, Value};
use std::sync::Arc;
use std::time::Duration;

pub fn string(span: &Span, key: &str) -> String {
    match span.attributes.get(key) {
        Some(Value::String(s)) => s.clone(),
        other => panic!("span {:?}: attribute {key} is {other:?}, expected a string\n{span:#?}", span.name),
    }
}

pub fn int(span: &Span, key: &str) -> i64 {
    match span.attributes.get(key) {
        Some(Value::Int(i)) => *i,
        other => panic!("span {:?}: attribute {key} is {other:?}, expected an int\n{span:#?}", span.name),
    }
}

pub fn service(span: &Span) -> String {
    match span.resource.attributes.get("service.name") {
        Some(Value::String(s)) => s.clone(),
        other => panic!("span {:?} has service.name {other:?}", span.name),
    }
}

pub fn is_redis(span: &Span) -> bool {
    span.attributes.get("db.system.name") == Some(&Value::String("redis".into()))
}

pub fn is_sql(span: &Span) -> bool {
    span.kind == SpanKind::Client && span.attributes.get("db.system.name").is_some() && !is_redis(span)
}

/// Waits for the SERVER span of A named `name`, then for `count` spans in its trace (and a moment
/// more, so that extra spans would be seen); returns A's server span and all spans of the trace.
pub fn trace_of(receiver: &BackgroundReceiver, name: &str, count: usize) -> (Arc<Span>, Vec<Arc<Span>>) {
    trace_of_service(receiver, "service-a", name, count)
}

/// [`trace_of`] for the SERVER span named `name` of any service.
pub fn trace_of_service(receiver: &BackgroundReceiver, service_name: &str, name: &str, count: usize) -> (Arc<Span>, Vec<Arc<Span>>) {
    let store = receiver.store();
    let find = || {
        store.spans().into_iter().find(|s| s.kind == SpanKind::Server && s.name == name && service(s) == service_name)
    };
    assert!(
        store.wait_until(Duration::from_secs(30), |_| find().is_some()),
        "no server span {name:?} of {service_name} arrived:\n{:#?}",
        store.spans()
    );
    let root = find().unwrap();
    store.wait_until(Duration::from_secs(30), |s| s.spans_of_trace(root.trace_id).len() >= count);
    std::thread::sleep(Duration::from_millis(700)); // two export intervals: late extra spans arrive too
    (root.clone(), store.spans_of_trace(root.trace_id))
}

/// One line per span, for failure messages.
pub fn describe(spans: &[Arc<Span>]) -> String {
    spans
        .iter()
        .map(|s| {
            format!(
                "{} {:?} {:?} trace={} span={} parent={:?}",
                service(s),
                s.kind,
                s.name,
                s.trace_id,
                s.span_id,
                s.parent_span_id.map(|p| p.to_string())
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The seven spans of one `/call-b` request by role, each role exactly once.
pub struct Roles {
    pub a_server: Arc<Span>,
    pub a_sql: Arc<Span>,
    pub a_ping: Arc<Span>,
    pub a_client: Arc<Span>,
    pub b_server: Arc<Span>,
    pub b_sql: Arc<Span>,
    pub b_ping: Arc<Span>,
}

impl Roles {
    pub fn of(spans: &[Arc<Span>]) -> Roles {
        let one = |what: &str, pred: &dyn Fn(&Span) -> bool| -> Arc<Span> {
            let found: Vec<_> = spans.iter().filter(|s| pred(s)).cloned().collect();
            assert_eq!(found.len(), 1, "exactly one {what}:\n{}", describe(spans));
            found[0].clone()
        };
        let of = |s: &Span, name: &str| service(s) == name;
        Roles {
            a_server: one("server span of A", &|s| s.kind == SpanKind::Server && of(s, "service-a")),
            a_sql: one("SQL span of A", &|s| is_sql(s) && of(s, "service-a")),
            a_ping: one("PING span of A", &|s| is_redis(s) && of(s, "service-a")),
            a_client: one("HTTP client span of A", &|s| s.kind == SpanKind::Client && !is_sql(s) && !is_redis(s)),
            b_server: one("server span of B", &|s| s.kind == SpanKind::Server && of(s, "service-b")),
            b_sql: one("SQL span of B", &|s| is_sql(s) && of(s, "service-b")),
            b_ping: one("PING span of B", &|s| is_redis(s) && of(s, "service-b")),
        }
    }

    pub fn all(&self) -> [(&'static str, &Arc<Span>); 7] {
        [
            ("A server", &self.a_server),
            ("A SQL", &self.a_sql),
            ("A PING", &self.a_ping),
            ("A client", &self.a_client),
            ("B server", &self.b_server),
            ("B SQL", &self.b_sql),
            ("B PING", &self.b_ping),
        ]
    }
}

/// The one request of the issue: A server → (SQL, PING, HTTP client → B server → (SQL, PING)).
fn check_call_b(framework: &str, build: Build) {
    let d = deploy(framework, build);
    let (status, body) = http_get(&d.a.url("/call-b"), &[]);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, r#"{"item":"widget","redis":"PONG","b":{"item":"widget","redis":"PONG"}}"#);

    let (_, spans) = trace_of(&d.receiver, "GET /call-b", 7);
    assert_eq!(spans.len(), 7, "exactly seven spans in the request's trace:\n{}", describe(&spans));
    let Roles { a_server, a_sql, a_ping, a_client, b_server, b_sql, b_ping } = Roles::of(&spans);

    // Exact parent links.
    assert_eq!(a_server.parent_span_id, None, "A's server span is the root");
    for child in [&a_sql, &a_ping, &a_client] {
        assert_eq!(child.parent_span_id, Some(a_server.span_id), "{:?} is a child of A's server span:\n{}", child.name, describe(&spans));
    }
    assert_eq!(b_server.parent_span_id, Some(a_client.span_id), "B's server span is a child of A's client span");
    for child in [&b_sql, &b_ping] {
        assert_eq!(child.parent_span_id, Some(b_server.span_id), "{:?} is a child of B's server span:\n{}", child.name, describe(&spans));
    }
    for span in &spans {
        assert!(span.duration_nanos() >= 0, "negative duration: {span:#?}");
        assert_eq!(span.status.code, StatusCode::Unset, "no error in {span:#?}");
    }

    // Servers: named by route, one server span per request even with gin and echo.
    assert_eq!(a_server.name, "GET /call-b");
    assert_eq!(string(&a_server, "http.route"), "/call-b");
    assert_eq!(int(&a_server, "http.response.status_code"), 200);
    assert_eq!(b_server.name, "GET /data");
    assert_eq!(string(&b_server, "http.route"), "/data");
    assert_eq!(int(&b_server, "http.response.status_code"), 200);

    // The HTTP client call made with http.Get, without ctx.
    assert_eq!(a_client.name, "GET");
    assert_eq!(string(&a_client, "url.full"), format!("http://{}/data", d.b.addr));

    // SQL, on MariaDB.
    for sql in [&a_sql, &b_sql] {
        assert_eq!(string(sql, "db.query.text"), "SELECT name FROM items WHERE id = ?", "{sql:#?}");
        assert!(["mysql", "mariadb"].contains(&string(sql, "db.system.name").as_str()), "{sql:#?}");
        assert_eq!(string(sql, "server.address"), "127.0.0.1");
        assert_eq!(int(sql, "server.port"), d.mariadb.port as i64);
    }

    // Redis: redigo in A, go-redis v9 in B.
    for (ping, scope) in [(&a_ping, "autotel.dev/go/hooks/redigo"), (&b_ping, "autotel.dev/go/hooks/goredis")] {
        assert_eq!(ping.name, "PING");
        assert_eq!(ping.kind, SpanKind::Client);
        assert_eq!(ping.scope.name, scope);
        assert_eq!(string(ping, "db.system.name"), "redis");
        assert_eq!(string(ping, "db.operation.name"), "PING");
        assert_eq!(string(ping, "db.query.text"), "PING");
        assert_eq!(string(ping, "server.address"), "127.0.0.1");
        assert_eq!(int(ping, "server.port"), d.redis.port as i64);
    }

    let violations = semconv_violations(&spans);
    assert!(violations.is_empty(), "attributes follow the semantic-conventions registry:\n{}", violations.join("\n"));
}

#[test]
fn gin_and_echo_one_request_makes_seven_spans_in_one_trace() {
    check_call_b("", Build::Instrumented);
}

#[test]
fn nethttp_one_request_makes_seven_spans_in_one_trace() {
    check_call_b("nethttp", Build::Instrumented);
}

/// With go1.27.4, or the release `AUTOTEL_SAMPLE_GO` names (scripts/go-matrix --ci).
#[test]
fn the_same_seven_spans_with_another_go() {
    check_call_b("", Build::AnotherGo);
}
