//! Events to OTLP spans, with the names, kinds and attributes build mode gives (stable HTTP and
//! database semantic conventions): server `GET /route` (or `GET`), kind server, client `GET`,
//! kind client; database `SELECT users` (`{db.query.summary}`), kind client.
//! `testdata/semantics/*.json` holds both modes to the same spans (`conformance.rs`).
//!
//! [`encode_span`] asks the event's library (`Library::span` in `crate::libs::<library>`) for the
//! name, kind, error and attributes, adds what every span has (ids, times, status, flags) and
//! writes the OTLP `Span` message's bytes straight away: the agent builds no message structs,
//! so a span costs a few allocations (its attribute values), not thirty.
//! This module holds what the libraries share: attribute helpers, address and URL helpers, the
//! SQL driver table and the per-target [`Semantics`]; it names no library's event kind.

use std::borrow::Cow;

use opentelemetry_proto::tonic::trace::v1::{span, status};
use prost::encoding::{encode_key, encode_varint, encoded_len_varint, key_len, WireType};

use crate::buildinfo::BuildInfo;
use crate::drivers::SqlDrivers;
use crate::error::AttachError;
use crate::event::SpanEvent;

/// How much of a statement `db.query.text` carries: `OTEL_GO_DB_QUERY_TEXT` =
/// `sanitized` (the default: literals replaced by `?`), `raw` (as sent) or `off`; when it is
/// unset, build mode's `OTEL_GO_DB_QUERY_SANITIZE=false` means `raw`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QueryText {
    #[default]
    Sanitized,
    Raw,
    Off,
}

impl QueryText {
    pub const VAR: &'static str = "OTEL_GO_DB_QUERY_TEXT";
    /// Build mode's switch, honoured too: `false` keeps literals (as `raw`).
    pub const SANITIZE_VAR: &'static str = "OTEL_GO_DB_QUERY_SANITIZE";

    pub fn from_env() -> Result<QueryText, AttachError> {
        match std::env::var(Self::VAR) {
            Err(_) => match std::env::var(Self::SANITIZE_VAR) {
                Ok(v) if matches!(v.trim().to_ascii_lowercase().as_str(), "false" | "0" | "f") => Ok(QueryText::Raw),
                _ => Ok(QueryText::Sanitized),
            },
            Ok(v) => match v.trim().to_ascii_lowercase().as_str() {
                "" | "sanitized" => Ok(QueryText::Sanitized),
                "raw" => Ok(QueryText::Raw),
                "off" | "none" | "false" => Ok(QueryText::Off),
                _ => Err(AttachError::Config {
                    var: Self::VAR,
                    value: v,
                    reason: "expected `sanitized`, `raw` or `off`".into(),
                }),
            },
        }
    }
}

/// What the spans of one target need beyond its events.
#[derive(Debug, Clone)]
pub struct Semantics {
    /// `db.system.name` of database/sql spans whose driver was not read: the binary's
    /// (`sql_system`).
    pub db_system: String,
    /// Names the driver of each database/sql call from the code addresses read.
    pub sql_drivers: SqlDrivers,
    pub query_text: QueryText,
}

impl Default for Semantics {
    fn default() -> Semantics {
        Semantics {
            db_system: "other_sql".into(),
            sql_drivers: SqlDrivers::default(),
            query_text: QueryText::Sanitized,
        }
    }
}

/// SQL drivers by module path (a path under one counts too), and the `db.system.name` they
/// speak: build mode's table (`go/hooks/databasesql/info.go`, by package path), both checked
/// against `testdata/semantics/sql.json`.
pub const SQL_DRIVERS: &[(&str, &str)] = &[
    ("github.com/go-sql-driver/mysql", "mysql"),
    ("github.com/ziutek/mymysql", "mysql"),
    ("github.com/lib/pq", "postgresql"),
    ("github.com/jackc/pgx", "postgresql"),
    ("modernc.org/sqlite", "sqlite"),
    ("github.com/mattn/go-sqlite3", "sqlite"),
    ("github.com/glebarez/go-sqlite", "sqlite"),
    ("github.com/ncruces/go-sqlite3", "sqlite"),
    ("zombiezen.com/go/sqlite", "sqlite"),
    ("github.com/microsoft/go-mssqldb", "microsoft.sql_server"),
    ("github.com/denisenkom/go-mssqldb", "microsoft.sql_server"),
    ("github.com/sijms/go-ora", "oracle.db"),
    ("github.com/godror/godror", "oracle.db"),
    ("github.com/ClickHouse/clickhouse-go", "clickhouse"),
    ("github.com/snowflakedb/gosnowflake", "snowflake"),
    ("github.com/trinodb/trino-go-client", "trino"),
];

/// `db.system.name` of a driver's module (or package) path; `None` for a driver not listed.
pub fn sql_system_of(path: &str) -> Option<&'static str> {
    SQL_DRIVERS
        .iter()
        .find(|(prefix, _)| path.strip_prefix(prefix).is_some_and(|rest| rest.is_empty() || rest.starts_with('/')))
        .map(|(_, system)| *system)
}

/// `db.system.name` for a binary's database/sql spans, read from its dependencies: the one
/// system of the known drivers it links, else `other_sql` (none known, or several systems: the
/// driver of each call is not read).
pub fn sql_system(info: &BuildInfo) -> String {
    let mut systems: Vec<&str> = info.deps.iter().filter_map(|m| sql_system_of(&m.path)).collect();
    systems.sort_unstable();
    systems.dedup();
    match systems.as_slice() {
        [one] => (*one).to_owned(),
        _ => "other_sql".to_owned(),
    }
}

/// Offset from CLOCK_MONOTONIC (what BPF timestamps use) to the Unix epoch.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    mono_to_unix_ns: i128,
}

impl Clock {
    pub fn now() -> Clock {
        let read = |id| {
            let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
            // SAFETY: clock_gettime writes one timespec through a valid pointer.
            unsafe { libc::clock_gettime(id, &mut ts) };
            ts.tv_sec as i128 * 1_000_000_000 + ts.tv_nsec as i128
        };
        let mono = read(libc::CLOCK_MONOTONIC);
        let real = read(libc::CLOCK_REALTIME);
        Clock {
            mono_to_unix_ns: real - mono,
        }
    }

    pub fn unix_nanos(&self, mono_ns: u64) -> u64 {
        (mono_ns as i128 + self.mono_to_unix_ns).max(0) as u64
    }
}

/// One attribute of a span as a library gives it: keys are semantic-convention names, and a
/// text may borrow from the event it describes (nothing is copied before it is encoded).
#[derive(Debug, Clone, PartialEq)]
pub struct Attr<'a> {
    pub key: &'static str,
    pub value: AttrValue<'a>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum AttrValue<'a> {
    Str(Cow<'a, str>),
    Int(i64),
}

pub fn kv_str<'a>(key: &'static str, v: impl Into<Cow<'a, str>>) -> Attr<'a> {
    Attr { key, value: AttrValue::Str(v.into()) }
}

pub fn kv_int(key: &'static str, v: i64) -> Attr<'static> {
    Attr { key, value: AttrValue::Int(v) }
}

/// `host:port` → (host, port); IPv6 brackets removed.
pub fn split_host_port(hostport: &str) -> (&str, Option<u16>) {
    if let Some(rest) = hostport.strip_prefix('[') {
        if let Some((h, tail)) = rest.split_once(']') {
            let port = tail.strip_prefix(':').and_then(|p| p.parse().ok());
            return (h, port);
        }
    }
    match hostport.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => (h, p.parse().ok()),
        _ => (hostport, None),
    }
}

/// `GET /hello/{name}` or `example.com/hello/` → the route part, `/hello/{name}`; the `{$}`
/// end anchor is dropped (`/{$}` → `/`), as build mode does.
pub fn route_of_pattern(pattern: &str) -> Option<&str> {
    let p = pattern.trim();
    let p = match p.split_once([' ', '\t']) {
        Some((_, rest)) => rest.trim(),
        None => p,
    };
    let slash = p.find('/')?;
    Some(p[slash..].trim_end_matches("{$}"))
}

/// `network.protocol.version` as build mode writes it: `1.0`, `1.1`, `2`, `3`.
pub fn protocol_version((major, minor): (u8, u8)) -> Option<Cow<'static, str>> {
    Some(match (major, minor) {
        (0, _) => return None,
        (1, 1) => "1.1".into(),
        (2, 0) => "2".into(),
        (m, 0) if m >= 2 => m.to_string().into(),
        (m, n) => format!("{m}.{n}").into(),
    })
}

/// Query keys whose values the conventions ask to redact in `url.full` and `url.query`.
const SENSITIVE_QUERY_KEYS: &[&str] = &[
    "AWSAccessKeyId",
    "Signature",
    "sig",
    "X-Goog-Signature",
    "X-Amz-Signature",
    "X-Amz-Credential",
    "X-Amz-Security-Token",
];

/// `raw` with the values of sensitive keys replaced by `REDACTED`, the rest byte for byte.
pub fn redact_query(raw: &str) -> String {
    raw.split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, _)) if SENSITIVE_QUERY_KEYS.contains(&k) => format!("{k}=REDACTED"),
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// The encoded OTLP `Span` message of one event: its library (`crate::libs`) names it and gives
/// its kind, error and attributes. The bytes are the ones prost writes for the same message
/// (fields by tag number, defaults left out), which `tests` check.
pub fn encode_span(e: &SpanEvent, clock: &Clock, sem: &Semantics) -> Vec<u8> {
    let (name, kind, error, attrs) = crate::libs::LIBRARIES
        .iter()
        .find_map(|l| l.span(e, sem))
        .unwrap_or_else(|| (format!("{:?}", e.kind), span::SpanKind::Internal, false, Vec::new()));
    let start = clock.unix_nanos(e.start_ns);
    let end = clock.unix_nanos(e.end_ns.max(e.start_ns));
    let flags: u32 = 0x100 | if e.parent_remote { 0x200 } else { 0 };
    let attrs_len: usize = attrs.iter().map(|a| len_field(9, a.encoded_len())).sum();
    let mut out = Vec::with_capacity(96 + name.len() + attrs_len);
    bytes_field(1, &e.trace_id, &mut out);
    bytes_field(2, &e.span_id, &mut out);
    if let Some(parent) = &e.parent_span_id {
        bytes_field(4, parent, &mut out);
    }
    bytes_field(5, name.as_bytes(), &mut out);
    if kind as i32 != 0 {
        encode_key(6, WireType::Varint, &mut out);
        encode_varint(kind as u64, &mut out);
    }
    for (tag, nanos) in [(7, start), (8, end)] {
        if nanos != 0 {
            encode_key(tag, WireType::SixtyFourBit, &mut out);
            out.extend_from_slice(&nanos.to_le_bytes());
        }
    }
    for a in &attrs {
        encode_key(9, WireType::LengthDelimited, &mut out);
        encode_varint(a.encoded_len() as u64, &mut out);
        a.encode(&mut out);
    }
    // Status { message = 2 (empty: absent), code = 3 }, always present.
    encode_key(15, WireType::LengthDelimited, &mut out);
    if error {
        encode_varint(2, &mut out);
        encode_key(3, WireType::Varint, &mut out);
        encode_varint(status::StatusCode::Error as u64, &mut out);
    } else {
        encode_varint(0, &mut out);
    }
    encode_key(16, WireType::ThirtyTwoBit, &mut out);
    out.extend_from_slice(&flags.to_le_bytes());
    out
}

impl Attr<'_> {
    /// The size of the encoded `KeyValue { key = 1, value = 2: AnyValue }`.
    fn encoded_len(&self) -> usize {
        len_field(1, self.key.len()) + len_field(2, self.value.encoded_len())
    }

    fn encode(&self, out: &mut Vec<u8>) {
        bytes_field(1, self.key.as_bytes(), out);
        encode_key(2, WireType::LengthDelimited, out);
        encode_varint(self.value.encoded_len() as u64, out);
        match &self.value {
            // AnyValue's oneof: string_value = 1, int_value = 3; written even when empty or 0.
            AttrValue::Str(text) => {
                encode_key(1, WireType::LengthDelimited, out);
                encode_varint(text.len() as u64, out);
                out.extend_from_slice(text.as_bytes());
            }
            AttrValue::Int(number) => {
                encode_key(3, WireType::Varint, out);
                encode_varint(*number as u64, out);
            }
        }
    }
}

impl AttrValue<'_> {
    /// The size of the encoded `AnyValue`.
    fn encoded_len(&self) -> usize {
        match self {
            AttrValue::Str(text) => len_field(1, text.len()),
            AttrValue::Int(number) => key_len(3) + encoded_len_varint(*number as u64),
        }
    }
}

/// A bytes or string field, left out when empty (as prost does for proto3 scalars).
fn bytes_field(tag: u32, bytes: &[u8], out: &mut Vec<u8>) {
    if !bytes.is_empty() {
        encode_key(tag, WireType::LengthDelimited, out);
        encode_varint(bytes.len() as u64, out);
        out.extend_from_slice(bytes);
    }
}

/// The encoded size of a length-delimited field `tag` of `len` bytes.
pub(crate) fn len_field(tag: u32, len: usize) -> usize {
    key_len(tag) + encoded_len_varint(len as u64) + len
}

/// `server.address` and `server.port` of a split `host:port` (nothing when the host is empty).
pub(crate) fn server_address<'a>(attrs: &mut Vec<Attr<'a>>, (host, port): (impl Into<Cow<'a, str>>, Option<u16>)) {
    let host = host.into();
    if !host.is_empty() {
        attrs.push(kv_str("server.address", host));
        if let Some(p) = port {
            attrs.push(kv_int("server.port", p as i64));
        }
    }
}

/// The span [`encode_span`] writes, decoded: what the tests and the conformance table compare.
#[cfg(test)]
pub(crate) fn to_span(e: &SpanEvent, clock: &Clock, sem: &Semantics) -> opentelemetry_proto::tonic::trace::v1::Span {
    use prost::Message;
    opentelemetry_proto::tonic::trace::v1::Span::decode(encode_span(e, clock, sem).as_slice())
        .expect("encode_span writes a valid Span message")
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use opentelemetry_proto::tonic::common::v1::any_value;
    use opentelemetry_proto::tonic::trace::v1::Span;
    use crate::event::EventKind;
    use crate::libs::grpc::grpc_target_host_port;

    /// An event of `kind` with an HTTP request's fields filled in (`conformance` sets what
    /// its rows give).
    pub(crate) fn event(kind: EventKind) -> SpanEvent {
        SpanEvent {
            kind,
            pid: 1,
            goid: 7,
            start_ns: 100,
            end_ns: 50, // out of order: the duration must still not be negative
            trace_id: [1; 16],
            span_id: [2; 8],
            parent_span_id: None,
            parent_remote: false,
            is_error: false,
            status: 0,
            has_status: false,
            method: "GET".into(),
            host: "127.0.0.1:8080".into(),
            url_host: "127.0.0.1:8080".into(),
            path: "/hello/x".into(),
            pattern: "GET /hello/{name}".into(),
            scheme: "http".into(),
            query: "a=1".into(),
            remote_addr: "127.0.0.1:50000".into(),
            user_agent: "curl/8".into(),
            proto: (1, 1),
            tls: false,
            text: String::new(),
            aux: Default::default(),
            count: 0,
            code: [0; 2],
        }
    }

    fn attr<'a>(s: &'a Span, k: &str) -> Option<&'a any_value::Value> {
        s.attributes.iter().find(|a| a.key == k)?.value.as_ref()?.value.as_ref()
    }

    /// The bytes `encode_span` writes are the ones prost writes for the message they decode
    /// to, for every kind of event, with and without an error, a parent or a remote parent.
    #[test]
    fn encoded_spans_are_what_prost_encodes_for_the_same_span() {
        use prost::Message;
        let kinds = [
            EventKind::HttpServer,
            EventKind::HttpClient,
            EventKind::DbQuery,
            EventKind::Redis,
            EventKind::GrpcClient,
            EventKind::GrpcServer,
            EventKind::KafkaSend,
            EventKind::KafkaRecv,
        ];
        let clock = Clock { mono_to_unix_ns: 1_700_000_000_000_000_000 };
        for kind in kinds {
            for (is_error, parent, remote) in [(false, None, false), (true, Some([3; 8]), false), (false, Some([4; 8]), true)] {
                let mut e = event(kind);
                (e.is_error, e.status, e.has_status, e.parent_span_id, e.parent_remote) = (is_error, 500, true, parent, remote);
                (e.text, e.count) = ("SELECT * FROM users WHERE id = 1".into(), -1);
                let bytes = encode_span(&e, &clock, &Semantics::default());
                let s = Span::decode(bytes.as_slice()).unwrap();
                assert_eq!(s.encode_to_vec(), bytes, "{kind:?}");
                assert_eq!((&s.trace_id[..], &s.span_id[..]), (&[1; 16][..], &[2; 8][..]));
                assert_eq!(s.parent_span_id, parent.map(|p| p.to_vec()).unwrap_or_default());
                assert_eq!(s.flags, 0x100 | if remote { 0x200 } else { 0 });
                assert_eq!((s.start_time_unix_nano, s.end_time_unix_nano), (clock.unix_nanos(100), clock.unix_nanos(100)));
                assert!(!s.name.is_empty() && !s.attributes.is_empty(), "{kind:?}: {s:?}");
            }
        }
    }

    #[test]
    fn attributes_encode_as_prost_encodes_key_values_empty_and_negative_included() {
        use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue};
        use prost::Message;
        for (attr, value) in [
            (kv_str("a.b", ""), any_value::Value::StringValue(String::new())),
            (kv_str("url.path", "/ü"), any_value::Value::StringValue("/ü".into())),
            (kv_int("n", 0), any_value::Value::IntValue(0)),
            (kv_int("n", -1), any_value::Value::IntValue(-1)),
            (kv_int("n", i64::MAX), any_value::Value::IntValue(i64::MAX)),
        ] {
            let expected = KeyValue { key: attr.key.into(), value: Some(AnyValue { value: Some(value) }), ..Default::default() };
            let mut bytes = Vec::new();
            attr.encode(&mut bytes);
            assert_eq!(bytes, expected.encode_to_vec(), "{attr:?}");
            assert_eq!(attr.encoded_len(), bytes.len(), "{attr:?}");
        }
    }

    #[test]
    fn server_span() {
        let s = to_span(&event(EventKind::HttpServer), &Clock { mono_to_unix_ns: 0 }, &Semantics::default());
        assert_eq!(s.name, "GET /hello/{name}");
        assert_eq!(s.kind, span::SpanKind::Server as i32);
        assert_eq!(attr(&s, "http.route"), Some(&any_value::Value::StringValue("/hello/{name}".into())));
        assert_eq!(attr(&s, "server.port"), Some(&any_value::Value::IntValue(8080)));
        assert_eq!(attr(&s, "http.response.status_code"), Some(&any_value::Value::IntValue(200)));
        assert_eq!(attr(&s, "client.port"), Some(&any_value::Value::IntValue(50000)));
        assert_eq!(attr(&s, "network.peer.address"), Some(&any_value::Value::StringValue("127.0.0.1".into())));
        assert_eq!(attr(&s, "user_agent.original"), Some(&any_value::Value::StringValue("curl/8".into())));
        assert_eq!(attr(&s, "network.protocol.version"), Some(&any_value::Value::StringValue("1.1".into())));
        assert_eq!(attr(&s, "url.scheme"), Some(&any_value::Value::StringValue("http".into())));
        assert!(s.end_time_unix_nano >= s.start_time_unix_nano);
    }

    #[test]
    fn client_span() {
        let mut e = event(EventKind::HttpClient);
        e.status = 503;
        let s = to_span(&e, &Clock { mono_to_unix_ns: 0 }, &Semantics::default());
        assert_eq!(s.name, "GET");
        assert_eq!(s.kind, span::SpanKind::Client as i32);
        assert_eq!(
            attr(&s, "url.full"),
            Some(&any_value::Value::StringValue("http://127.0.0.1:8080/hello/x?a=1".into()))
        );
        assert_eq!(s.status.as_ref().map(|st| st.code), Some(status::StatusCode::Error as i32));
    }

    #[test]
    fn db_span_names_and_text() {
        let mut e = event(EventKind::DbQuery);
        e.text = "SELECT name FROM users WHERE id = 42".into();
        let sem = Semantics { db_system: "sqlite".into(), query_text: QueryText::Sanitized, ..Semantics::default() };
        let s = to_span(&e, &Clock { mono_to_unix_ns: 0 }, &sem);
        assert_eq!(s.name, "SELECT users");
        assert_eq!(s.kind, span::SpanKind::Client as i32);
        assert_eq!(attr(&s, "db.system.name"), Some(&any_value::Value::StringValue("sqlite".into())));
        assert_eq!(
            attr(&s, "db.query.text"),
            Some(&any_value::Value::StringValue("SELECT name FROM users WHERE id = ?".into()))
        );
        assert_eq!(attr(&s, "db.operation.name"), Some(&any_value::Value::StringValue("SELECT".into())));
        assert_eq!(attr(&s, "db.collection.name"), Some(&any_value::Value::StringValue("users".into())));
        assert!(attr(&s, "error.type").is_none());
        let off = Semantics { query_text: QueryText::Off, ..sem.clone() };
        e.is_error = true;
        let s = to_span(&e, &Clock { mono_to_unix_ns: 0 }, &off);
        assert!(attr(&s, "db.query.text").is_none());
        assert_eq!(attr(&s, "error.type"), Some(&any_value::Value::StringValue("_OTHER".into())));
        assert_eq!(s.status.as_ref().map(|st| st.code), Some(status::StatusCode::Error as i32));
        e.text = "frobnicate".into();
        assert_eq!(to_span(&e, &Clock { mono_to_unix_ns: 0 }, &sem).name, "sqlite");
    }

    #[test]
    fn redis_span_from_the_command_name() {
        let mut e = event(EventKind::Redis);
        e.text = "set".into();
        e.count = 3;
        e.aux[0] = "127.0.0.1:6379".into();
        e.aux[2] = "greeting".into();
        let s = to_span(&e, &Clock { mono_to_unix_ns: 0 }, &Semantics::default());
        assert_eq!(attr(&s, "db.query.text"), Some(&any_value::Value::StringValue("SET greeting ?".into())));
        assert!(attr(&s, "db.namespace").is_none(), "no database index known (redigo)");
        (e.status, e.has_status) = (0, true);
        let s = to_span(&e, &Clock { mono_to_unix_ns: 0 }, &Semantics::default());
        assert_eq!(attr(&s, "db.namespace"), Some(&any_value::Value::StringValue("0".into())), "go-redis's database 0");
        e.text = "get".into();
        e.count = 2;
        e.aux[2] = String::new();
        e.is_error = true;
        e.aux[1] = "redis: nil".into();
        let s = to_span(&e, &Clock { mono_to_unix_ns: 0 }, &Semantics::default());
        assert_eq!(s.name, "GET");
        assert_eq!(s.kind, span::SpanKind::Client as i32);
        assert_eq!(attr(&s, "db.system.name"), Some(&any_value::Value::StringValue("redis".into())));
        assert_eq!(attr(&s, "db.query.text"), Some(&any_value::Value::StringValue("GET ?".into())));
        assert_eq!(attr(&s, "db.operation.name"), Some(&any_value::Value::StringValue("GET".into())));
        assert_eq!(attr(&s, "server.address"), Some(&any_value::Value::StringValue("127.0.0.1".into())));
        assert_eq!(attr(&s, "server.port"), Some(&any_value::Value::IntValue(6379)));
        assert!(attr(&s, "error.type").is_none(), "redis.Nil is a reply, not an error");
        e.aux[1] = "ERR unknown command 'x'".into();
        let s = to_span(&e, &Clock { mono_to_unix_ns: 0 }, &Semantics::default());
        assert_eq!(attr(&s, "error.type"), Some(&any_value::Value::StringValue("ERR".into())));
        e.text = "\u{1}garbage".into();
        assert_eq!(to_span(&e, &Clock { mono_to_unix_ns: 0 }, &Semantics::default()).name, "redis");
    }

    #[test]
    fn grpc_spans() {
        let mut e = event(EventKind::GrpcClient);
        e.text = "/autotel.test.Greeter/SayHello".into();
        e.status = 5;
        e.is_error = true;
        e.aux[0] = "dns:///127.0.0.1:5000".into();
        let s = to_span(&e, &Clock { mono_to_unix_ns: 0 }, &Semantics::default());
        assert_eq!(s.name, "autotel.test.Greeter/SayHello");
        assert_eq!(s.kind, span::SpanKind::Client as i32);
        assert_eq!(attr(&s, "rpc.system.name"), Some(&any_value::Value::StringValue("grpc".into())));
        assert_eq!(attr(&s, "rpc.status_code"), Some(&any_value::Value::StringValue("NOT_FOUND".into())));
        assert_eq!(attr(&s, "error.type"), Some(&any_value::Value::StringValue("NOT_FOUND".into())));
        assert_eq!(attr(&s, "server.port"), Some(&any_value::Value::IntValue(5000)));
        // NOT_FOUND is not a server error.
        e.kind = EventKind::GrpcServer;
        e.is_error = false;
        let s = to_span(&e, &Clock { mono_to_unix_ns: 0 }, &Semantics::default());
        assert_eq!(s.kind, span::SpanKind::Server as i32);
        assert!(attr(&s, "error.type").is_none());
        assert!(attr(&s, "server.address").is_none());
        assert_eq!(s.status.as_ref().map(|st| st.code), Some(status::StatusCode::Unset as i32));
        assert_eq!(grpc_target_host_port("localhost:50051"), ("localhost".into(), Some(50051)));
        // A unix socket: its path is server.address (the conventions; testdata/semantics/grpc.json).
        assert_eq!(grpc_target_host_port("unix:///tmp/s"), ("/tmp/s".into(), None));
    }

    #[test]
    fn kafka_spans() {
        let mut e = event(EventKind::KafkaSend);
        e.text = "orders".into();
        e.count = 2;
        let s = to_span(&e, &Clock { mono_to_unix_ns: 0 }, &Semantics::default());
        assert_eq!(s.name, "send orders");
        assert_eq!(s.kind, span::SpanKind::Producer as i32);
        assert_eq!(attr(&s, "messaging.batch.message_count"), Some(&any_value::Value::IntValue(2)));
        e.kind = EventKind::KafkaRecv;
        e.count = 0;
        e.aux[1] = "127.0.0.1:9092".into();
        let s = to_span(&e, &Clock { mono_to_unix_ns: 0 }, &Semantics::default());
        assert_eq!(s.name, "receive orders");
        assert_eq!(s.kind, span::SpanKind::Client as i32);
        assert_eq!(attr(&s, "messaging.destination.partition.id"), Some(&any_value::Value::StringValue("0".into())));
        assert_eq!(attr(&s, "server.port"), Some(&any_value::Value::IntValue(9092)));
    }

    #[test]
    fn patterns_and_hosts() {
        assert_eq!(route_of_pattern("/static/"), Some("/static/".into()));
        assert_eq!(route_of_pattern("example.com/x"), Some("/x".into()));
        assert_eq!(route_of_pattern(""), None);
        assert_eq!(split_host_port("[::1]:80"), ("::1".into(), Some(80)));
        assert_eq!(split_host_port("example.com"), ("example.com".into(), None));
        assert_eq!(redact_query("a=1&sig=abc&b"), "a=1&sig=REDACTED&b");
        assert_eq!(protocol_version((2, 0)).as_deref(), Some("2"));
        assert_eq!(protocol_version((1, 0)).as_deref(), Some("1.0"));
        assert_eq!(protocol_version((0, 0)), None);
    }
}
