//! Decoding `struct span_event` and `struct text_event` (bpf/attach.h) from ring-buffer bytes.
//!
//! The layouts are defined once, in C: the Rust types are the ones libbpf-cargo generates from
//! the object's BTF ([`crate::bpf`]), so this module names fields, never offsets or sizes, and a
//! field changed on the C side fails to compile here. Decoding is bounds-checked (kernel data
//! is never trusted): a record shorter than its kind's struct is refused, and every string length
//! is clamped to its array. Without the BPF object (no clang at build time) nothing is decoded.

#[cfg(bpf_built)]
use crate::bpf::{event_kind, span_event, text_event};
#[cfg(bpf_built)]
use crate::text::valid_text;

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
    /// kafka-go reader: `text` the topic, `aux[0]` the consumer group, `aux[1]` the first
    /// broker, `count` the partition (-1: unknown); with the message returned, `status` its
    /// offset (`has_status`) and `aux[2]` its key (empty when it is not UTF-8 or too long to read).
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

/// The generated event structs: `#[repr(C)]`, made of integers and integer arrays only.
///
/// # Safety
/// Every bit pattern must be a valid value of the type.
#[cfg(bpf_built)]
unsafe trait Plain: Copy {}
// SAFETY: both are generated from C structs of integers and integer arrays (attach.h).
#[cfg(bpf_built)]
unsafe impl Plain for span_event {}
#[cfg(bpf_built)]
unsafe impl Plain for text_event {}

// Both layouts start with the kind, read before the struct is chosen.
#[cfg(bpf_built)]
const _: () = assert!(std::mem::offset_of!(span_event, kind) == 0 && std::mem::offset_of!(text_event, kind) == 0);

/// The `T` at the start of `b`, or `Size` when `b` is shorter than `T`: borrowed in place when
/// `b` is aligned for `T` (a ring buffer's records are 8-byte aligned, so an event of several
/// kilobytes is not copied to be read), else a copy.
#[cfg(bpf_built)]
fn read<T: Plain>(b: &[u8]) -> Result<std::borrow::Cow<'_, T>, DecodeError> {
    if b.len() < std::mem::size_of::<T>() {
        return Err(DecodeError::Size(b.len()));
    }
    let p = b.as_ptr().cast::<T>();
    if p.is_aligned() {
        // SAFETY: `b` holds at least `size_of::<T>()` bytes at an address aligned for `T`, any
        // bytes are a valid `T` (`Plain`), and the reference lives no longer than `b`.
        return Ok(std::borrow::Cow::Borrowed(unsafe { &*p }));
    }
    // SAFETY: as above; `read_unaligned` needs no alignment.
    Ok(std::borrow::Cow::Owned(unsafe { std::ptr::read_unaligned(p) }))
}

/// The first `len` bytes of a C `char` array (clamped to the array) as valid UTF-8.
#[cfg(bpf_built)]
fn chars(a: &[i8], len: u16) -> String {
    let a = &a[..usize::from(len).min(a.len())];
    // SAFETY: i8 and u8 have the same size and alignment, and every byte is a valid u8.
    valid_text(unsafe { std::slice::from_raw_parts(a.as_ptr().cast::<u8>(), a.len()) })
}

/// The first `len` bytes of a C `char` array (clamped), raw.
#[cfg(bpf_built)]
fn raw(a: &[i8], len: u16) -> Vec<u8> {
    a[..usize::from(len).min(a.len())].iter().map(|c| *c as u8).collect()
}

/// The fields both layouts share, from either generated struct.
#[cfg(bpf_built)]
macro_rules! header {
    ($e:expr, $kind:expr) => {
        SpanEvent {
            kind: $kind,
            pid: $e.pid,
            goid: $e.goid,
            start_ns: $e.start_ns,
            end_ns: $e.end_ns,
            trace_id: $e.trace_id,
            span_id: $e.span_id,
            parent_span_id: ($e.has_parent != 0).then_some($e.parent_span_id),
            parent_remote: $e.parent_remote != 0,
            is_error: $e.is_error != 0,
            has_status: $e.has_status != 0,
            status: $e.status,
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
        }
    };
}

#[cfg(bpf_built)]
impl SpanEvent {
    pub fn decode(b: &[u8]) -> Result<SpanEvent, DecodeError> {
        let kind = match b.get(..4) {
            Some(k) => event_kind(u32::from_ne_bytes([k[0], k[1], k[2], k[3]])),
            None => return Err(DecodeError::Size(b.len())),
        };
        let text_kind = match kind {
            event_kind::EVENT_HTTP_SERVER => return Ok(Self::http(read::<span_event>(b)?.as_ref(), EventKind::HttpServer)),
            event_kind::EVENT_HTTP_CLIENT => return Ok(Self::http(read::<span_event>(b)?.as_ref(), EventKind::HttpClient)),
            event_kind::EVENT_DB_QUERY => EventKind::DbQuery,
            event_kind::EVENT_REDIS | event_kind::EVENT_REDIGO => EventKind::Redis,
            event_kind::EVENT_GRPC_CLIENT => EventKind::GrpcClient,
            event_kind::EVENT_GRPC_SERVER => EventKind::GrpcServer,
            event_kind::EVENT_KAFKA_SEND => EventKind::KafkaSend,
            event_kind::EVENT_KAFKA_RECV => EventKind::KafkaRecv,
            event_kind(k) => return Err(DecodeError::Kind(k)),
        };
        let e = read::<text_event>(b)?;
        let mut event = SpanEvent {
            text: chars(&e.text, e.len[0]),
            aux: [chars(&e.aux1, e.len[1]), chars(&e.aux2, e.len[2]), chars(&e.aux3, e.len[3])],
            count: e.count,
            ..header!(e, text_kind)
        };
        if matches!(kind, event_kind::EVENT_DB_QUERY | event_kind::EVENT_REDIGO) {
            // The peer: aux1 holds the server IP's bytes and status its port.
            event.aux[0] = socket_addr_text(&raw(&e.aux1, e.len[1]), event.status);
            event.status = 0;
        }
        if kind == event_kind::EVENT_KAFKA_RECV {
            // A message key that is not UTF-8 is no string attribute (build mode's rule too).
            event.aux[2] = String::from_utf8(raw(&e.aux3, e.len[3])).unwrap_or_default();
        }
        if kind == event_kind::EVENT_DB_QUERY && e.len[3] == 16 {
            let code = raw(&e.aux3, 16);
            let word = |i: usize| u64::from_ne_bytes(code[i * 8..i * 8 + 8].try_into().expect("8 bytes"));
            event.code = [word(0), word(1)];
            event.aux[2].clear();
        }
        Ok(event)
    }

    fn http(e: &span_event, kind: EventKind) -> SpanEvent {
        SpanEvent {
            method: chars(&e.method, e.method_len),
            host: chars(&e.host, e.host_len),
            url_host: chars(&e.url_host, e.url_host_len),
            path: chars(&e.path, e.path_len),
            pattern: chars(&e.pattern, e.pattern_len),
            scheme: chars(&e.scheme, e.scheme_len),
            query: chars(&e.query, e.query_len),
            remote_addr: chars(&e.remote, e.remote_len),
            user_agent: chars(&e.user_agent, e.ua_len),
            proto: (e.proto_major, e.proto_minor),
            tls: e.tls != 0,
            ..header!(e, kind)
        }
    }
}

/// `ip:port` as Go's `net.JoinHostPort` writes it (IPv4-mapped IPv6 as IPv4, IPv6 in
/// brackets); empty when the bytes are no IP address.
#[cfg(bpf_built)]
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

#[cfg(all(test, bpf_built))]
mod tests {
    use std::mem::{offset_of, size_of};

    use super::*;

    /// A zeroed record of `T`'s size with `kind`, and a writer of fields at their generated offsets.
    fn record<T>(kind: event_kind) -> Vec<u8> {
        let mut b = vec![0u8; size_of::<T>()];
        b[..4].copy_from_slice(&kind.0.to_ne_bytes());
        b
    }

    fn put(b: &mut [u8], at: usize, bytes: &[u8]) {
        b[at..at + bytes.len()].copy_from_slice(bytes);
    }

    #[test]
    fn decodes_a_server_event() {
        let mut b = record::<span_event>(event_kind::EVENT_HTTP_SERVER);
        put(&mut b, offset_of!(span_event, pid), &42u32.to_ne_bytes());
        put(&mut b, offset_of!(span_event, trace_id), &[0xab]);
        put(&mut b, offset_of!(span_event, has_parent), &[1]);
        put(&mut b, offset_of!(span_event, status), &200i64.to_ne_bytes());
        put(&mut b, offset_of!(span_event, method_len), &3u16.to_ne_bytes());
        put(&mut b, offset_of!(span_event, method), b"GET");
        // a length larger than the field is clamped, never a panic
        put(&mut b, offset_of!(span_event, path_len), &9999u16.to_ne_bytes());
        put(&mut b, offset_of!(span_event, remote_len), &15u16.to_ne_bytes());
        put(&mut b, offset_of!(span_event, proto_major), &[1, 1]);
        put(&mut b, offset_of!(span_event, remote), b"127.0.0.1:50000");
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
        assert_eq!(e.path.len(), span_event::default().path.len());
        // A record at an address not aligned for the struct is copied, and reads the same.
        let mut shifted = vec![0u8; b.len() + 1];
        shifted[1..].copy_from_slice(&b);
        let unaligned = &shifted[1..];
        assert!(!unaligned.as_ptr().cast::<span_event>().is_aligned());
        let copied = SpanEvent::decode(unaligned).expect("decodes");
        assert_eq!((copied.method, copied.remote_addr, copied.status), (e.method, e.remote_addr, e.status));
    }

    #[test]
    fn decodes_a_text_event() {
        let mut b = record::<text_event>(event_kind::EVENT_DB_QUERY);
        let len = offset_of!(text_event, len);
        put(&mut b, offset_of!(text_event, is_error), &[1]);
        put(&mut b, len, &8u16.to_ne_bytes());
        put(&mut b, len + 2, &500u16.to_ne_bytes()); // the peer: no IP address's length
        put(&mut b, offset_of!(text_event, count), &2000i64.to_ne_bytes());
        put(&mut b, offset_of!(text_event, text), b"SELECT 1");
        // the driver's code addresses, in aux3
        put(&mut b, len + 6, &16u16.to_ne_bytes());
        let code = offset_of!(text_event, aux3);
        put(&mut b, code, &0x4a1000u64.to_ne_bytes());
        put(&mut b, code + 8, &0x5b2000u64.to_ne_bytes());
        let e = SpanEvent::decode(&b).expect("decodes");
        assert_eq!(e.kind, EventKind::DbQuery);
        assert_eq!(e.text, "SELECT 1");
        assert_eq!(e.code, [0x4a1000, 0x5b2000]);
        assert_eq!(e.aux[2], "");
        assert_eq!(e.aux[0], "");
        assert_eq!(e.count, 2000);
        assert!(e.is_error);
        // a text event cut short is refused
        let short = size_of::<text_event>() - 1;
        assert_eq!(SpanEvent::decode(&b[..short]), Err(DecodeError::Size(short)));
    }

    /// Binary command arguments (a Redis key of raw bytes, a string cut mid-character by the
    /// BPF copy limit) become valid UTF-8 with U+FFFD where bytes were invalid: every
    /// attribute attach exports is a valid OTLP string.
    #[test]
    fn invalid_utf8_is_replaced() {
        let mut b = record::<text_event>(event_kind::EVENT_REDIS);
        let len = offset_of!(text_event, len);
        let text: &[u8] = b"set \xff\xfe\x00k \xc3";
        put(&mut b, len, &(text.len() as u16).to_ne_bytes());
        put(&mut b, offset_of!(text_event, text), text);
        let key: &[u8] = b"k\x80\xe2\x82";
        put(&mut b, len + 2, &(key.len() as u16).to_ne_bytes());
        put(&mut b, offset_of!(text_event, aux1), key);
        let e = SpanEvent::decode(&b).expect("decodes");
        assert_eq!(e.text, "set \u{fffd}\u{0}k \u{fffd}");
        assert_eq!(e.aux[0], "k\u{fffd}");
    }

    #[test]
    fn rejects_short_and_unknown() {
        assert_eq!(SpanEvent::decode(&[0u8; 3]), Err(DecodeError::Size(3)));
        assert_eq!(SpanEvent::decode(&[1u8, 0, 0, 0, 0]), Err(DecodeError::Size(5)));
        let b = record::<span_event>(event_kind(99));
        assert_eq!(SpanEvent::decode(&b), Err(DecodeError::Kind(99)));
    }

    /// Every kind the C side defines (attach.h's `enum event_kind`, up to `EVENT_KIND_END`) is
    /// decoded, from a record exactly as long as its struct and refused one byte shorter: a kind
    /// added in C and not here fails this test.
    #[test]
    fn every_kind_of_the_c_enum_decodes() {
        for k in 1..event_kind::EVENT_KIND_END.0 {
            let text = record::<text_event>(event_kind(k));
            let size = match SpanEvent::decode(&text) {
                Ok(e) if matches!(e.kind, EventKind::HttpServer | EventKind::HttpClient) => size_of::<span_event>(),
                Ok(_) => size_of::<text_event>(),
                Err(e) => panic!("kind {k} of attach.h is not decoded: {e}"),
            };
            assert!(SpanEvent::decode(&text[..size]).is_ok(), "kind {k}");
            assert_eq!(SpanEvent::decode(&text[..size - 1]), Err(DecodeError::Size(size - 1)), "kind {k}");
        }
    }

    #[test]
    fn decodes_a_redigo_event_with_its_raw_address() {
        let redigo = |ip: &[u8], port: i64| {
            let mut b = record::<text_event>(event_kind::EVENT_REDIGO);
            let len = offset_of!(text_event, len);
            put(&mut b, offset_of!(text_event, status), &port.to_ne_bytes());
            put(&mut b, len, &4u16.to_ne_bytes());
            put(&mut b, len + 2, &(ip.len() as u16).to_ne_bytes());
            put(&mut b, offset_of!(text_event, count), &1i64.to_ne_bytes());
            put(&mut b, offset_of!(text_event, text), b"PING");
            put(&mut b, offset_of!(text_event, aux1), ip);
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
