use crate::harness::*;
use crate::support::*;
use crate::traces::*;
use otlp::model::{SpanKind, StatusCode};

#[test]
fn failing_query_and_redis_command_are_error_spans_and_answers_do_not_change() {
    // The answer of the uninstrumented build is the reference.
    let plain = deploy("", Build::Plain);
    let expected = http_get(&plain.a.url("/fail"), &[]);
    drop(plain);
    assert_eq!(expected, (200, "query failed: true\nredis failed: true\n".to_string()));

    let d = deploy("", Build::Instrumented);
    assert_eq!(http_get(&d.a.url("/fail"), &[]), expected, "the instrumented build answers the same");

    let (a_server, spans) = trace_of(&d.receiver, "GET /fail", 3);
    let sql: Vec<_> = spans.iter().filter(|s| is_sql(s)).collect();
    let redis: Vec<_> = spans.iter().filter(|s| is_redis(s)).collect();
    assert_eq!((sql.len(), redis.len(), spans.len()), (1, 1, 3), "{spans:#?}");
    let (sql, redis) = (sql[0], redis[0]);
    for span in [sql, redis] {
        assert_eq!(span.parent_span_id, Some(a_server.span_id));
        assert_eq!(span.status.code, StatusCode::Error, "{span:#?}");
        assert!(span.attributes.get("error.type").is_some(), "{span:#?}");
        assert!(span.events.iter().any(|e| e.name == "exception"), "{span:#?}");
    }
    assert_eq!(redis.name, "NO_SUCH_COMMAND");
    assert_eq!(string(redis, "db.query.text"), "NO_SUCH_COMMAND x");
    assert_eq!(string(redis, "error.type"), "ERR");
    assert_eq!(string(sql, "db.query.text"), "SELECT name FROM no_such_table WHERE id = ?");
    // The handler dealt with both errors: the request itself succeeded.
    assert_eq!(a_server.kind, SpanKind::Server);
    assert_eq!(a_server.status.code, StatusCode::Unset);
    let violations = semconv_violations(&spans);
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}
