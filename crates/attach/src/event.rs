//! Decoding `struct span_event` and `struct text_event` (bpf/attach.h) from ring-buffer bytes.
//! Field by field at fixed offsets, with bounds checks: kernel data is never trusted to be
//! well-formed.

use crate::text::valid_text;

pub const EVENT_HTTP_SERVER: u32 = 1;
pub const EVENT_HTTP_CLIENT: u32 = 2;
pub const EVENT_DB_QUERY: u32 = 3;
pub const EVENT_REDIS: u32 = 4;
pub const EVENT_GRPC_CLIENT: u32 = 5;
pub const EVENT_GRPC_SERVER: u32 = 6;
pub const EVENT_KAFKA_SEND: u32 = 7;
pub const EVENT_KAFKA_RECV: u32 = 8;
/// A redigo command, decoded as [`EventKind::Redis`].
pub const EVENT_REDIGO: u32 = 9;

const METHOD_MAX: usize = 16;
const SCHEME_MAX: usize = 16;
const HOST_MAX: usize = 128;
const PATH_MAX: usize = 256;
const PATTERN_MAX: usize = 128;
const QUERY_MAX: usize = 256;
const HEADER: usize = 96;
const REMOTE_MAX: usize = 64;
const UA_MAX: usize = 128;
/// Where the HTTP event's trailer starts.
const TRAILER: usize = HEADER + METHOD_MAX + HOST_MAX + HOST_MAX + PATH_MAX + PATTERN_MAX + SCHEME_MAX + QUERY_MAX;
/// `SPAN_EVENT_SIZE` in attach.h.
pub const SPAN_EVENT_SIZE: usize = TRAILER + 8 + REMOTE_MAX + UA_MAX;
const TEXT_MAX: usize = 1024;
const AUX_MAX: usize = 128;
/// `TEXT_EVENT_SIZE` in attach.h.
pub const TEXT_EVENT_SIZE: usize = HEADER + TEXT_MAX + 3 * AUX_MAX;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    HttpServer,
    HttpClient,
    /// database/sql query or exec: `text` is the statement, `count` its full length,
    /// `aux[0]` the server's `ip:port` when the query went over TCP, `code` the driver's.
    DbQuery,
    /// go-redis or redigo command: `text` the command name, `count` the number of arguments
    /// (name included), `status` the database index (go-redis), `aux[0]` the server address, `aux[1]` the error's text when it is a
    /// string-typed error, `aux[2]` the key when the first argument is a string.
    Redis,
    /// grpc client call: `text` the full method (`/pkg.Service/Method`), `aux[0]` the
    /// target, `status` the status code.
    GrpcClient,
    /// grpc server call: `text` the full method, `status` the status code.
    GrpcServer,
    /// kafka-go writer: `text` the topic, `count` the number of messages.
    KafkaSend,
    /// kafka-go reader: `text` the topic, `aux[0]` the consumer group, `count` the partition.
    KafkaRecv,
}

/// One finished span as the BPF programs report it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpanEvent {
    pub kind: EventKind,
    pub pid: u32,
    pub goid: u64,
    /// CLOCK_MONOTONIC nanoseconds.
    pub start_ns: u64,
    pub end_ns: u64,
    pub trace_id: [u8; 16],
    pub span_id: [u8; 8],
    /// Set when the span has a parent (in this process, or remote).
    pub parent_span_id: Option<[u8; 8]>,
    pub parent_remote: bool,
    pub is_error: bool,
    /// HTTP status, gRPC code, or a kind-specific number (see [`EventKind`]).
    pub status: i64,
    /// Text events: `status` holds a value (a go-redis database index may be 0).
    pub has_status: bool,
    pub method: String,
    /// `Request.Host`.
    pub host: String,
    /// `Request.URL.Host` (client).
    pub url_host: String,
    pub path: String,
    /// `Request.Pattern` (server, Go 1.23+), e.g. `GET /hello/{name}`.
    pub pattern: String,
    pub scheme: String,
    pub query: String,
    /// `Request.RemoteAddr` (server).
    pub remote_addr: String,
    /// The `User-Agent` header (server; read from Go 1.24+ maps only).
    pub user_agent: String,
    /// HTTP version (server: the request's, client: the response's); `(0, 0)` when unknown.
    pub proto: (u8, u8),
    /// The server request came over TLS.
    pub tls: bool,
    /// Events of the other libraries (see [`EventKind`]): the main string.
    pub text: String,
    /// Further strings of those events.
    pub aux: [String; 3],
    /// A kind-specific number (see [`EventKind`]).
    pub count: i64,
    /// database/sql: link-time addresses of the first method of the DB's `driver.Connector`
    /// and of the `driver.Driver` a `database/sql.dsnConnector` holds (0: not read); see
    /// `crate::drivers`.
    pub code: [u64; 2],
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DecodeError {
    #[error("event of {0} bytes is shorter than its kind's layout")]
    Size(usize),
    #[error("unknown event kind {0}")]
    Kind(u32),
}

impl SpanEvent {
    pub fn decode(b: &[u8]) -> Result<SpanEvent, DecodeError> {
        if b.len() < 4 {
            return Err(DecodeError::Size(b.len()));
        }
        let kind = u32::from_ne_bytes([b[0], b[1], b[2], b[3]]);
        let text_kind = match kind {
            EVENT_DB_QUERY => Some(EventKind::DbQuery),
            EVENT_REDIS | EVENT_REDIGO => Some(EventKind::Redis),
            EVENT_GRPC_CLIENT => Some(EventKind::GrpcClient),
            EVENT_GRPC_SERVER => Some(EventKind::GrpcServer),
            EVENT_KAFKA_SEND => Some(EventKind::KafkaSend),
            EVENT_KAFKA_RECV => Some(EventKind::KafkaRecv),
            _ => None,
        };
        let size = if text_kind.is_some() { TEXT_EVENT_SIZE } else { SPAN_EVENT_SIZE };
        if b.len() < size {
            return Err(DecodeError::Size(b.len()));
        }
        let u16_at = |o: usize| u16::from_ne_bytes([b[o], b[o + 1]]) as usize;
        let u32_at = |o: usize| u32::from_ne_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]);
        let u64_at = |o: usize| {
            let mut a = [0u8; 8];
            a.copy_from_slice(&b[o..o + 8]);
            u64::from_ne_bytes(a)
        };
        let kind = match (kind, text_kind) {
            (_, Some(k)) => k,
            (EVENT_HTTP_SERVER, _) => EventKind::HttpServer,
            (EVENT_HTTP_CLIENT, _) => EventKind::HttpClient,
            (k, _) => return Err(DecodeError::Kind(k)),
        };
        let mut trace_id = [0u8; 16];
        trace_id.copy_from_slice(&b[32..48]);
        let mut span_id = [0u8; 8];
        span_id.copy_from_slice(&b[48..56]);
        let mut parent = [0u8; 8];
        parent.copy_from_slice(&b[56..64]);
        let has_parent = b[64] != 0;
        let mut event = SpanEvent {
            kind,
            pid: u32_at(4),
            goid: u64_at(8),
            start_ns: u64_at(16),
            end_ns: u64_at(24),
            trace_id,
            span_id,
            parent_span_id: has_parent.then_some(parent),
            parent_remote: b[65] != 0,
            is_error: b[66] != 0,
            has_status: b[67] != 0,
            status: u64_at(72) as i64,
            method: String::new(),
            host: String::new(),
            url_host: String::new(),
            path: String::new(),
            pattern: String::new(),
            scheme: String::new(),
            query: String::new(),
            remote_addr: String::new(),
            user_agent: String::new(),
            proto: (0, 0),
            tls: false,
            text: String::new(),
            aux: Default::default(),
            count: 0,
            code: [0; 2],
        };
        // String areas follow the 96-byte header in declaration order.
        let mut off = HEADER;
        if text_kind.is_some() {
            let mut take = |len_at: usize, max: usize| {
                let len = u16_at(len_at).min(max);
                let s = valid_text(&b[off..off + len]);
                off += max;
                s
            };
            event.text = take(80, TEXT_MAX);
            event.aux = [take(82, AUX_MAX), take(84, AUX_MAX), take(86, AUX_MAX)];
            event.count = u64_at(88) as i64;
            if matches!(u32_at(0), EVENT_DB_QUERY | EVENT_REDIGO) {
                // The peer: aux1 holds the server IP's bytes and status its port.
                let ip = &b[HEADER + TEXT_MAX..HEADER + TEXT_MAX + u16_at(82).min(AUX_MAX)];
                event.aux[0] = socket_addr_text(ip, event.status);
                event.status = 0;
            }
            if u32_at(0) == EVENT_DB_QUERY && u16_at(86) == 16 {
                let at = HEADER + TEXT_MAX + 2 * AUX_MAX;
                event.code = [u64_at(at), u64_at(at + 8)];
                event.aux[2].clear();
            }
            return Ok(event);
        }
        let mut take = |len_at: usize, max: usize| {
            let len = u16_at(len_at).min(max);
            let s = valid_text(&b[off..off + len]);
            off += max;
            s
        };
        let method = take(80, METHOD_MAX);
        let host = take(82, HOST_MAX);
        let url_host = take(84, HOST_MAX);
        let path = take(86, PATH_MAX);
        let pattern = take(88, PATTERN_MAX);
        let scheme = take(90, SCHEME_MAX);
        let query = take(92, QUERY_MAX);
        let t = TRAILER;
        let text_at = |start: usize, len: usize| valid_text(&b[start..start + len]);
        let remote_addr = text_at(t + 8, u16_at(t).min(REMOTE_MAX));
        let user_agent = text_at(t + 8 + REMOTE_MAX, u16_at(t + 2).min(UA_MAX));
        Ok(SpanEvent {
            remote_addr,
            user_agent,
            proto: (b[t + 4], b[t + 5]),
            tls: b[t + 6] != 0,
            method,
            host,
            url_host,
            path,
            pattern,
            scheme,
            query,
            ..event
        })
    }
}

/// `ip:port` as Go's `net.JoinHostPort` writes it (IPv4-mapped IPv6 as IPv4, IPv6 in
/// brackets); empty when the bytes are no IP address.
fn socket_addr_text(ip: &[u8], port: i64) -> String {
    let ip: std::net::IpAddr = match ip.len() {
        4 => std::net::Ipv4Addr::new(ip[0], ip[1], ip[2], ip[3]).into(),
        16 => {
            let v6 = std::net::Ipv6Addr::from(<[u8; 16]>::try_from(ip).expect("16 bytes"));
            v6.to_ipv4_mapped().map(Into::into).unwrap_or(v6.into())
        }
        _ => return String::new(),
    };
    std::net::SocketAddr::new(ip, port as u16).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_a_server_event() {
        let mut b = vec![0u8; SPAN_EVENT_SIZE];
        b[0..4].copy_from_slice(&1u32.to_ne_bytes());
        b[4..8].copy_from_slice(&42u32.to_ne_bytes());
        b[32] = 0xab;
        b[64] = 1;
        b[72..80].copy_from_slice(&200i64.to_ne_bytes());
        b[80..82].copy_from_slice(&3u16.to_ne_bytes());
        b[96..99].copy_from_slice(b"GET");
        // a length larger than the field is clamped, never a panic
        b[86..88].copy_from_slice(&9999u16.to_ne_bytes());
        b[TRAILER..TRAILER + 2].copy_from_slice(&15u16.to_ne_bytes());
        b[TRAILER + 4] = 1;
        b[TRAILER + 5] = 1;
        b[TRAILER + 8..TRAILER + 23].copy_from_slice(b"127.0.0.1:50000");
        let e = SpanEvent::decode(&b).expect("decodes");
        assert_eq!(e.remote_addr, "127.0.0.1:50000");
        assert_eq!(e.proto, (1, 1));
        assert_eq!(e.user_agent, "");
        assert_eq!(e.kind, EventKind::HttpServer);
        assert_eq!(e.pid, 42);
        assert_eq!(e.method, "GET");
        assert_eq!(e.status, 200);
        assert_eq!(e.trace_id[0], 0xab);
        assert!(e.parent_span_id.is_some());
        assert_eq!(e.path.len(), PATH_MAX);
    }

    #[test]
    fn decodes_a_text_event() {
        let mut b = vec![0u8; TEXT_EVENT_SIZE];
        b[0..4].copy_from_slice(&EVENT_DB_QUERY.to_ne_bytes());
        b[66] = 1;
        b[80..82].copy_from_slice(&8u16.to_ne_bytes());
        b[82..84].copy_from_slice(&500u16.to_ne_bytes()); // the peer: no IP address's length
        b[88..96].copy_from_slice(&2000i64.to_ne_bytes());
        b[96..104].copy_from_slice(b"SELECT 1");
        // the driver's code addresses, in aux3
        b[86..88].copy_from_slice(&16u16.to_ne_bytes());
        let code = HEADER + TEXT_MAX + 2 * AUX_MAX;
        b[code..code + 8].copy_from_slice(&0x4a1000u64.to_ne_bytes());
        b[code + 8..code + 16].copy_from_slice(&0x5b2000u64.to_ne_bytes());
        let e = SpanEvent::decode(&b).expect("decodes");
        assert_eq!(e.kind, EventKind::DbQuery);
        assert_eq!(e.text, "SELECT 1");
        assert_eq!(e.code, [0x4a1000, 0x5b2000]);
        assert_eq!(e.aux[2], "");
        assert_eq!(e.aux[0], "");
        assert_eq!(e.count, 2000);
        assert!(e.is_error);
        // a text event cut short is refused
        assert_eq!(SpanEvent::decode(&b[..SPAN_EVENT_SIZE]), Err(DecodeError::Size(SPAN_EVENT_SIZE)));
    }

    /// Binary command arguments (a Redis key of raw bytes, a string cut mid-character by the
    /// BPF copy limit) become valid UTF-8 with U+FFFD where bytes were invalid: every
    /// attribute attach exports is a valid OTLP string.
    #[test]
    fn invalid_utf8_is_replaced() {
        let mut b = vec![0u8; TEXT_EVENT_SIZE];
        b[0..4].copy_from_slice(&EVENT_REDIS.to_ne_bytes());
        let text: &[u8] = b"set \xff\xfe\x00k \xc3";
        b[80..82].copy_from_slice(&(text.len() as u16).to_ne_bytes());
        b[96..96 + text.len()].copy_from_slice(text);
        let key: &[u8] = b"k\x80\xe2\x82";
        b[82..84].copy_from_slice(&(key.len() as u16).to_ne_bytes());
        b[96 + TEXT_MAX..96 + TEXT_MAX + key.len()].copy_from_slice(key);
        let e = SpanEvent::decode(&b).expect("decodes");
        assert_eq!(e.text, "set \u{fffd}\u{0}k \u{fffd}");
        assert_eq!(e.aux[0], "k\u{fffd}");
    }

    #[test]
    fn rejects_short_and_unknown() {
        assert_eq!(SpanEvent::decode(&[0u8; 10]), Err(DecodeError::Size(10)));
        let mut b = vec![0u8; SPAN_EVENT_SIZE];
        b[0] = 99;
        assert_eq!(SpanEvent::decode(&b), Err(DecodeError::Kind(99)));
    }

    #[test]
    fn decodes_a_redigo_event_with_its_raw_address() {
        let redigo = |ip: &[u8], port: i64| {
            let mut b = vec![0u8; TEXT_EVENT_SIZE];
            b[0..4].copy_from_slice(&EVENT_REDIGO.to_ne_bytes());
            b[72..80].copy_from_slice(&port.to_ne_bytes());
            b[80..82].copy_from_slice(&4u16.to_ne_bytes());
            b[82..84].copy_from_slice(&(ip.len() as u16).to_ne_bytes());
            b[88..96].copy_from_slice(&1i64.to_ne_bytes());
            b[96..100].copy_from_slice(b"PING");
            b[HEADER + TEXT_MAX..HEADER + TEXT_MAX + ip.len()].copy_from_slice(ip);
            SpanEvent::decode(&b).expect("decodes")
        };
        let e = redigo(&[127, 0, 0, 1], 6379);
        assert_eq!((e.kind, e.text.as_str(), e.aux[0].as_str(), e.status), (EventKind::Redis, "PING", "127.0.0.1:6379", 0));
        let mut mapped = [0u8; 16];
        mapped[10..].copy_from_slice(&[0xff, 0xff, 10, 0, 0, 7]);
        assert_eq!(redigo(&mapped, 7000).aux[0], "10.0.0.7:7000");
        let mut v6 = [0u8; 16];
        v6[15] = 1;
        assert_eq!(redigo(&v6, 7000).aux[0], "[::1]:7000");
        assert_eq!(redigo(&[], 0).aux[0], "", "no address read");
    }
}
