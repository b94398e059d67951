//! The JSON-lines format: exact lines, reading them back, and the errors of a bad file.

mod common;

use std::sync::Arc;

use common::{expected_logs, expected_metric_points, expected_spans};
use otlp::jsonl::{self, Item};
use otlp::model::{Batch, Value};

#[test]
fn a_span_line_has_every_field_in_a_stable_order() {
    let spans = expected_spans();
    assert_eq!(
        jsonl::span_line(&spans[0]),
        concat!(
            r#"{"signal":"span","trace_id":"5b8efff798038103d269b633813fc60c","span_id":"eee19b7ec3c1b174","#,
            r#""parent_span_id":null,"name":"GET /cart/{id}","kind":"server","#,
            r#""start_unix_nano":1700000000000000000,"end_unix_nano":1700000000250000000,"duration_ns":250000000,"#,
            r#""status":{"code":"error","message":"upstream failed"},"#,
            r#""attributes":{"http.request.method":"GET","http.response.status_code":500,"sampled":true,"load":0.75,"#,
            r#""nan":"NaN","raw":"AAH/","tags":["a",-3],"nested":{"k":false},"nothing":null,"unknown.field":"kept"},"#,
            r#""events":[{"name":"exception","time_unix_nano":1700000000100000000,"attributes":{"exception.type":"io.EOF"}}],"#,
            r#""links":[{"trace_id":"0af7651916cd43dd8448eb211c80319c","span_id":"b7ad6b7169203331","attributes":{"link.kind":"follows"}}],"#,
            r#""resource":{"service.name":"checkout","host.cpu.count":8},"scope":{"name":"autotel/nethttp","version":"0.1.0"}}"#,
        )
    );
    assert_eq!(
        jsonl::span_line(&spans[1]),
        concat!(
            r#"{"signal":"span","trace_id":"5b8efff798038103d269b633813fc60c","span_id":"1111111111111111","#,
            r#""parent_span_id":"eee19b7ec3c1b174","name":"SELECT carts","kind":"client","#,
            r#""start_unix_nano":1700000000010000000,"end_unix_nano":1700000000020000000,"duration_ns":10000000,"#,
            r#""status":{"code":"unset","message":""},"attributes":{},"events":[],"links":[],"#,
            r#""resource":{"service.name":"checkout","host.cpu.count":8},"scope":{"name":"autotel/nethttp","version":"0.1.0"}}"#,
        )
    );
}

#[test]
fn a_negative_duration_is_shown_not_hidden() {
    let mut span = expected_spans().remove(1);
    span.end_unix_nanos = span.start_unix_nanos - 5;
    assert!(jsonl::span_line(&span).contains(r#""duration_ns":-5,"#));
}

#[test]
fn log_and_metric_lines_are_exact() {
    let logs = expected_logs();
    assert_eq!(
        jsonl::log_line(&logs[0]),
        concat!(
            r#"{"signal":"log","time_unix_nano":1700000000200000000,"observed_time_unix_nano":1700000000200000500,"#,
            r#""severity_number":17,"severity_text":"ERROR","event_name":"","body":"payment declined","#,
            r#""attributes":{"order.id":1234},"trace_id":"5b8efff798038103d269b633813fc60c","span_id":"eee19b7ec3c1b174","#,
            r#""resource":{"service.name":"checkout"},"scope":{"name":"log/slog","version":""}}"#,
        )
    );
    assert_eq!(
        jsonl::log_line(&logs[1]),
        concat!(
            r#"{"signal":"log","time_unix_nano":null,"observed_time_unix_nano":null,"severity_number":9,"#,
            r#""severity_text":"","event_name":"app.start","body":{"msg":"started"},"attributes":{},"#,
            r#""trace_id":null,"span_id":null,"resource":{"service.name":"checkout"},"scope":{"name":"log/slog","version":""}}"#,
        )
    );
    let lines: Vec<String> = expected_metric_points()
        .iter()
        .map(jsonl::metric_line)
        .collect();
    let tail = r#""resource":{"service.name":"checkout"},"scope":{"name":"autotel/runtime","version":"1.2.3"}}"#;
    assert_eq!(
        lines,
        [
            format!(
                "{}{tail}",
                r#"{"signal":"metric","name":"go.goroutine.count","description":"","unit":"{goroutine}","kind":"gauge","value":42,"attributes":{},"start_time_unix_nano":null,"time_unix_nano":1700000001000000000,"#
            ),
            format!(
                "{}{tail}",
                r#"{"signal":"metric","name":"http.server.request.count","description":"Requests served","unit":"","kind":"sum","value":7.5,"monotonic":true,"temporality":"cumulative","attributes":{"http.route":"/cart/{id}"},"start_time_unix_nano":1700000000000000000,"time_unix_nano":1700000001000000000,"#
            ),
            format!(
                "{}{tail}",
                r#"{"signal":"metric","name":"http.server.request.duration","description":"","unit":"s","kind":"histogram","count":3,"sum":0.6,"min":0.1,"max":0.3,"bounds":[0.1,0.5],"bucket_counts":[1,2,0],"temporality":"delta","attributes":{},"start_time_unix_nano":1700000000000000000,"time_unix_nano":1700000001000000000,"#
            ),
            format!(
                "{}{tail}",
                r#"{"signal":"metric","name":"db.client.operation.duration","description":"","unit":"","kind":"exponential_histogram","count":4,"sum":10.0,"min":null,"max":null,"scale":-1,"zero_count":1,"zero_threshold":0.001,"positive":{"offset":2,"bucket_counts":[2,1]},"negative":{"offset":0,"bucket_counts":[]},"temporality":"cumulative","attributes":{},"start_time_unix_nano":null,"time_unix_nano":1700000001000000000,"#
            ),
            format!(
                "{}{tail}",
                r#"{"signal":"metric","name":"rpc.latency","description":"","unit":"","kind":"summary","count":10,"sum":5.5,"quantiles":[{"quantile":0.5,"value":0.4},{"quantile":1.0,"value":"Infinity"}],"attributes":{},"start_time_unix_nano":null,"time_unix_nano":1700000001000000000,"#
            ),
        ]
    );
}

#[test]
fn a_line_writer_writes_each_line_as_span_line_does_whatever_resource_it_shares() {
    let spans = expected_spans();
    let mut other_resource = spans[1].clone();
    other_resource.resource = Arc::new(otlp::model::Resource {
        attributes: [("service.name", Value::from("cart\"db"))].into_iter().collect(),
    });
    let mut other_scope = spans[1].clone();
    other_scope.scope = Arc::new(otlp::model::Scope {
        name: "autotel/sql".to_owned(),
        version: String::new(),
    });
    // Equal in content to spans[0]'s resource, but another allocation.
    let mut equal_copy = spans[1].clone();
    equal_copy.resource = Arc::new((*spans[0].resource).clone());
    let sequence = [
        &spans[0],
        &spans[1],
        &other_resource,
        &spans[0],
        &other_scope,
        &equal_copy,
        &spans[1],
    ];
    let mut writer = jsonl::LineWriter::new();
    let mut text = String::new();
    for span in sequence {
        writer.push_span_line(&mut text, span);
        text.push('\n');
    }
    let (logs, points) = (expected_logs(), expected_metric_points());
    writer.push_log_line(&mut text, &logs[0]);
    text.push('\n');
    writer.push_metric_line(&mut text, &points[0]);
    let mut expected: Vec<String> = sequence.iter().map(|span| jsonl::span_line(span)).collect();
    expected.push(jsonl::log_line(&logs[0]));
    expected.push(jsonl::metric_line(&points[0]));
    assert_eq!(text.split('\n').collect::<Vec<_>>(), expected);
    assert!(expected[2].ends_with(r#""resource":{"service.name":"cart\"db"},"scope":{"name":"autotel/nethttp","version":"0.1.0"}}"#));
    assert!(expected[4].ends_with(r#""scope":{"name":"autotel/sql","version":""}}"#));
}

#[test]
fn strings_escape_quotes_backslashes_and_control_characters_only() {
    let mut span = expected_spans().remove(1);
    span.name = "a\"b\\c\nd\re\tf\u{1}g\u{1f}h\u{7f}i é 日本 🦀 </script>".to_owned();
    span.attributes.insert("k\"ey\n", Value::from("\u{0}"));
    let line = jsonl::span_line(&span);
    assert!(
        // DEL (0x7f) and everything from 0x80 on are written as they are.
        line.contains(concat!(
            r#""name":"a\"b\\c\nd\re\tf\u0001g\u001fh"#,
            "\u{7f}",
            r#"i é 日本 🦀 </script>","#
        )),
        "{line}"
    );
    assert!(
        line.contains(r#""attributes":{"k\"ey\n":"\u0000"},"#),
        "{line}"
    );
    assert_eq!(jsonl::parse_line(&line).unwrap(), Item::Span(span));
}

#[test]
fn lines_read_back_into_the_same_items() {
    let mut spans = expected_spans();
    // JSON cannot tell these two from strings; the lossy cases are tested below.
    spans[0].attributes.insert("nan", Value::Double(-1.5e300));
    spans[0].attributes.insert("raw", Value::Int(i64::MAX));
    spans[0].attributes.insert("min", Value::Int(i64::MIN));
    spans[0].attributes.insert("zero", Value::Int(0));
    spans[1].end_unix_nanos = u64::MAX;
    for span in &spans {
        assert_eq!(
            jsonl::parse_line(&jsonl::span_line(span)).unwrap(),
            Item::Span(span.clone())
        );
    }
    for record in expected_logs() {
        assert_eq!(
            jsonl::parse_line(&jsonl::log_line(&record)).unwrap(),
            Item::Log(record)
        );
    }
    for point in expected_metric_points() {
        assert_eq!(
            jsonl::parse_line(&jsonl::metric_line(&point)).unwrap(),
            Item::Metric(point)
        );
    }
}

#[test]
fn bytes_and_non_finite_double_attributes_come_back_as_strings() {
    let spans = expected_spans();
    let Item::Span(read) = jsonl::parse_line(&jsonl::span_line(&spans[0])).unwrap() else {
        panic!("not a span")
    };
    assert_eq!(read.attributes.get("raw"), Some(&Value::from("AAH/")));
    assert_eq!(read.attributes.get("nan"), Some(&Value::from("NaN")));
}

#[test]
fn a_file_reads_into_one_batch_sharing_resources() {
    let spans = expected_spans();
    let logs = expected_logs();
    let points = expected_metric_points();
    let mut file = String::new();
    for line in [
        jsonl::span_line(&spans[1]),
        jsonl::log_line(&logs[0]),
        String::new(),
        jsonl::metric_line(&points[0]),
    ] {
        file.push_str(&line);
        file.push('\n');
    }
    file.push_str(&jsonl::span_line(&spans[1]));
    let batch = jsonl::read(file.as_bytes()).unwrap();
    assert_eq!(
        batch,
        Batch {
            spans: vec![spans[1].clone(), spans[1].clone()],
            logs: vec![logs[0].clone()],
            metric_points: vec![points[0].clone()]
        }
    );
    // The log and the point share the "checkout" resource of the line before them.
    assert!(Arc::ptr_eq(
        &batch.logs[0].resource,
        &batch.metric_points[0].resource
    ));
}

#[test]
fn a_bad_line_is_reported_with_its_number_and_field() {
    let good = jsonl::span_line(&expected_spans()[1]);
    let error = |file: String| jsonl::read(file.as_bytes()).unwrap_err().to_string();
    assert_eq!(
        error(format!("{good}\n{{\"signal\":\n")),
        "line 2: not JSON: EOF while parsing a value at line 1 column 10"
    );
    assert_eq!(
        error(format!(
            "\n{}\n",
            good.replace(r#""kind":"client""#, r#""kind":"CLIENT""#)
        )),
        "line 2: kind: unknown value \"CLIENT\""
    );
    assert_eq!(
        error(good.replace(r#""span_id":"1111111111111111""#, r#""span_id":"11""#)),
        "line 1: span_id: `11` is not a span id: expected 16 hex digits"
    );
    assert_eq!(
        error(good.replace(r#""signal":"span""#, r#""signal":"trace""#)),
        "line 1: signal: unknown signal \"trace\" (expected span, log or metric)"
    );
    assert_eq!(
        error(good.replace(r#""events":[],"#, "")),
        "line 1: events: missing"
    );
    assert_eq!(
        error(good.replace(
            r#""attributes":{}"#,
            r#""attributes":{"a":[1,{"b":1e999}]}"#
        )),
        "line 1: not JSON: number out of range at line 1 column 333"
    );
}
