//! The semantic-conventions conformance table (`testdata/semantics/*.json`), read by attach
//! mode's tests: each row's inputs become the event the BPF programs would report, and
//! [`to_span`] must give the row's span: name, kind, status and every attribute. Build mode's
//! hook packages read the same files (`go/internal/conformance`), so the two modes cannot drift.
//! What the table feeds in is what attach observes; whether attach can observe it (a gin route,
//! a driver per call) is the probes' concern, not this table's.

use std::collections::BTreeMap;
use std::path::PathBuf;

use opentelemetry_proto::tonic::common::v1::any_value;
use opentelemetry_proto::tonic::trace::v1::{span, status, Span};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::event::{EventKind, SpanEvent};
use crate::spans::tests::event;
use crate::spans::{sql_system_of, to_span, Clock, QueryText, Semantics};

/// What a row expects of the span.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    name: String,
    kind: String,
    span_status: String,
    attributes: BTreeMap<String, Value>,
}

/// The path of `testdata/semantics/<file>`.
fn table_path(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/semantics").join(file)
}

/// The list `name` of `testdata/semantics/<file>`.
fn section(file: &str, name: &str) -> Vec<Value> {
    let path = table_path(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut top: Map<String, Value> = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    match top.remove(name) {
        Some(Value::Array(rows)) if !rows.is_empty() => rows,
        _ => panic!("{}: no `{name}` rows", path.display()),
    }
}

/// The rows of `section` in `testdata/semantics/<file>`, each split into its inputs (`T`, which
/// refuses unknown fields, so a misspelt input is not silently ignored) and its expectation.
fn rows<T: DeserializeOwned>(file: &str, name: &str) -> Vec<(T, Expect)> {
    section(file, name)
        .into_iter()
        .enumerate()
        .map(|(i, row)| {
            let Value::Object(mut inputs) = row else {
                panic!("{file} {name} #{i}: not an object");
            };
            inputs.remove("about");
            let mut expect = Map::new();
            for key in ["name", "kind", "span_status", "attributes"] {
                if let Some(v) = inputs.remove(key) {
                    expect.insert(key.to_owned(), v);
                }
            }
            let what = |e: serde_json::Error| format!("{file} {name} #{i}: {e}");
            let expect = serde_json::from_value(Value::Object(expect)).unwrap_or_else(|e| panic!("{}", what(e)));
            let inputs = serde_json::from_value(Value::Object(inputs)).unwrap_or_else(|e| panic!("{}", what(e)));
            (inputs, expect)
        })
        .collect()
}

/// The differences between `s` and `want`, one line each.
fn differences(s: &Span, want: &Expect) -> Vec<String> {
    let mut out = Vec::new();
    if s.name != want.name {
        out.push(format!("name {:?}, want {:?}", s.name, want.name));
    }
    let kind = match span::SpanKind::try_from(s.kind) {
        Ok(span::SpanKind::Client) => "client",
        Ok(span::SpanKind::Server) => "server",
        Ok(span::SpanKind::Producer) => "producer",
        _ => "other",
    };
    if kind != want.kind {
        out.push(format!("kind {kind}, want {}", want.kind));
    }
    let error = s.status.as_ref().is_some_and(|st| st.code == status::StatusCode::Error as i32);
    let got_status = if error { "error" } else { "unset" };
    if got_status != want.span_status {
        out.push(format!("status {got_status}, want {}", want.span_status));
    }
    let got: BTreeMap<&str, Value> = s
        .attributes
        .iter()
        .map(|kv| {
            let v = match kv.value.as_ref().and_then(|v| v.value.as_ref()) {
                Some(any_value::Value::StringValue(s)) => Value::from(s.clone()),
                Some(any_value::Value::IntValue(i)) => Value::from(*i),
                other => Value::from(format!("{other:?}")),
            };
            (kv.key.as_str(), v)
        })
        .collect();
    for (k, w) in &want.attributes {
        match got.get(k.as_str()) {
            None => out.push(format!("missing {k} = {w}")),
            Some(g) if g != w => out.push(format!("{k} = {g}, want {w}")),
            Some(_) => {}
        }
    }
    for (k, g) in &got {
        if !want.attributes.contains_key(*k) {
            out.push(format!("unexpected {k} = {g}"));
        }
    }
    out
}

/// Checks every row, then fails once with all the rows that differ.
fn check_all(file: &str, rows: impl IntoIterator<Item = (String, Span, Expect)>) {
    let mut failures = Vec::new();
    let mut count = 0;
    for (what, s, want) in rows {
        count += 1;
        let d = differences(&s, &want);
        if !d.is_empty() {
            failures.push(format!("{file} {what}:\n\t{}", d.join("\n\t")));
        }
    }
    assert!(count > 0, "{file} has no rows");
    assert!(failures.is_empty(), "{} of {count} rows differ:\n{}", failures.len(), failures.join("\n"));
}

fn span_of(e: &SpanEvent, db_system: &str) -> Span {
    let sem = Semantics { db_system: db_system.to_owned(), query_text: QueryText::Sanitized, ..Semantics::default() };
    to_span(e, &Clock::now(), &sem)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Driver {
    driver: String,
    system: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Query {
    system: String,
    #[serde(default)]
    call: String,
    #[serde(default)]
    query: String,
}

#[test]
fn sql_queries() {
    check_all(
        "sql.json",
        rows::<Query>("sql.json", "queries").into_iter().enumerate().map(|(i, (q, expect))| {
            let mut e = event(EventKind::DbQuery);
            e.text = q.query.clone();
            e.aux[1] = q.call.clone();
            (format!("query #{i} {} {:?}", q.call, q.query), span_of(&e, &q.system), expect)
        }),
    );
}

#[test]
fn sql_drivers() {
    let drivers: Vec<Driver> = section("sql.json", "drivers")
        .into_iter()
        .map(|d| serde_json::from_value(d).unwrap_or_else(|e| panic!("sql.json drivers: {e}")))
        .collect();
    let wrong: Vec<String> = drivers
        .iter()
        .filter(|d| sql_system_of(&d.driver).unwrap_or("other_sql") != d.system)
        .map(|d| format!("{}: {:?}, want {}", d.driver, sql_system_of(&d.driver), d.system))
        .collect();
    assert!(wrong.is_empty(), "sql.json drivers:\n{}", wrong.join("\n"));
}

/// `"1.1"` → `(1, 1)`.
fn proto(v: &str) -> (u8, u8) {
    let parsed = v.split_once('.').and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)));
    parsed.unwrap_or_else(|| panic!("http.json: proto {v:?} is not MAJOR.MINOR"))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Server {
    method: String,
    #[serde(default)]
    pattern: String,
    #[serde(default)]
    route: String,
    tls: bool,
    host: String,
    path: String,
    query: String,
    remote_addr: String,
    user_agent: String,
    proto: String,
    status_code: i64,
}

#[test]
fn http_server() {
    check_all(
        "http.json",
        rows::<Server>("http.json", "server").into_iter().enumerate().map(|(i, (r, expect))| {
            let mut e = event(EventKind::HttpServer);
            e.method = r.method.clone();
            // A framework's route template reaches the span the way a ServeMux pattern does.
            e.pattern = if r.route.is_empty() { r.pattern } else { r.route };
            (e.tls, e.host, e.path, e.query) = (r.tls, r.host, r.path.clone(), r.query);
            (e.remote_addr, e.user_agent, e.proto, e.status) =
                (r.remote_addr, r.user_agent, proto(&r.proto), r.status_code);
            (format!("server #{i} {} {}", r.method, r.path), span_of(&e, ""), expect)
        }),
    );
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Client {
    method: String,
    url: String,
    status_code: i64,
    proto: String,
}

#[test]
fn http_client() {
    check_all(
        "http.json",
        rows::<Client>("http.json", "client").into_iter().enumerate().map(|(i, (r, expect))| {
            let mut e = event(EventKind::HttpClient);
            let (scheme, rest) =
                r.url.split_once("://").unwrap_or_else(|| panic!("http.json client #{i}: {} has no scheme", r.url));
            let (authority, path_query) = rest.find('/').map_or((rest, ""), |p| rest.split_at(p));
            let (path, query) = path_query.split_once('?').unwrap_or((path_query, ""));
            (e.method, e.scheme, e.url_host, e.host) =
                (r.method.clone(), scheme.into(), authority.into(), authority.into());
            (e.path, e.query, e.status, e.proto) = (path.into(), query.into(), r.status_code, proto(&r.proto));
            (format!("client #{i} {} {}", r.method, r.url), span_of(&e, ""), expect)
        }),
    );
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Command {
    command: String,
    args: Vec<String>,
    address: String,
    db: Option<i64>,
    #[serde(default)]
    error: String,
}

#[test]
fn redis_commands() {
    check_all(
        "redis.json",
        rows::<Command>("redis.json", "commands").into_iter().enumerate().map(|(i, (c, expect))| {
            let mut e = event(EventKind::Redis);
            e.text = c.command.clone();
            e.count = 1 + c.args.len() as i64;
            e.aux[0] = c.address;
            e.aux[2] = c.args.first().cloned().unwrap_or_default();
            if let Some(db) = c.db {
                (e.status, e.has_status) = (db, true);
            }
            if !c.error.is_empty() {
                (e.is_error, e.aux[1]) = (true, c.error);
            }
            (format!("#{i} {} {:?}", c.command, c.args), span_of(&e, ""), expect)
        }),
    );
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KafkaOperation {
    operation: String,
    topic: String,
    #[serde(default)]
    batch_count: i64,
    partition: Option<i64>,
    offset: Option<i64>,
    #[serde(default)]
    key: String,
    #[serde(default)]
    group: String,
    #[serde(default)]
    broker: String,
}

#[test]
fn kafka_operations() {
    check_all(
        "kafka.json",
        rows::<KafkaOperation>("kafka.json", "operations").into_iter().enumerate().map(|(i, (k, expect))| {
            let send = k.operation == "send";
            let mut e = event(if send { EventKind::KafkaSend } else { EventKind::KafkaRecv });
            e.text = k.topic.clone();
            e.count = if send { k.batch_count } else { k.partition.unwrap_or(-1) };
            e.aux[0] = k.group;
            e.aux[1] = k.broker;
            if let Some(offset) = k.offset {
                (e.status, e.has_status) = (offset, true);
            }
            e.aux[2] = k.key;
            (format!("#{i} {} {}", k.operation, k.topic), span_of(&e, ""), expect)
        }),
    );
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GrpcCall {
    side: String,
    method: String,
    code: i64,
    #[serde(default)]
    target: String,
}

#[test]
fn grpc_calls() {
    check_all(
        "grpc.json",
        rows::<GrpcCall>("grpc.json", "calls").into_iter().enumerate().map(|(i, (c, expect))| {
            let mut e = event(if c.side == "server" { EventKind::GrpcServer } else { EventKind::GrpcClient });
            e.text = c.method.clone();
            e.status = c.code;
            e.aux[0] = c.target;
            (format!("#{i} {} {} {}", c.side, c.method, c.code), span_of(&e, ""), expect)
        }),
    );
}
