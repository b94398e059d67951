//! Decoding `struct span_event` (bpf/attach.h) from ring-buffer bytes. Field by field at fixed
//! offsets, with bounds checks: kernel data is never trusted to be well-formed.

pub const EVENT_HTTP_SERVER: u32 = 1;
pub const EVENT_HTTP_CLIENT: u32 = 2;

const METHOD_MAX: usize = 16;
const SCHEME_MAX: usize = 16;
const HOST_MAX: usize = 128;
const PATH_MAX: usize = 256;
const PATTERN_MAX: usize = 128;
const QUERY_MAX: usize = 256;
const HEADER: usize = 96;
/// `SPAN_EVENT_SIZE` in attach.h.
pub const SPAN_EVENT_SIZE: usize =
    HEADER + METHOD_MAX + HOST_MAX + HOST_MAX + PATH_MAX + PATTERN_MAX + SCHEME_MAX + QUERY_MAX;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    HttpServer,
    HttpClient,
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
    pub status: i64,
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
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DecodeError {
    #[error("event of {0} bytes, expected {SPAN_EVENT_SIZE}")]
    Size(usize),
    #[error("unknown event kind {0}")]
    Kind(u32),
}

impl SpanEvent {
    pub fn decode(b: &[u8]) -> Result<SpanEvent, DecodeError> {
        if b.len() < SPAN_EVENT_SIZE {
            return Err(DecodeError::Size(b.len()));
        }
        let u16_at = |o: usize| u16::from_ne_bytes([b[o], b[o + 1]]) as usize;
        let u32_at = |o: usize| u32::from_ne_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]);
        let u64_at = |o: usize| {
            let mut a = [0u8; 8];
            a.copy_from_slice(&b[o..o + 8]);
            u64::from_ne_bytes(a)
        };
        let kind = match u32_at(0) {
            EVENT_HTTP_SERVER => EventKind::HttpServer,
            EVENT_HTTP_CLIENT => EventKind::HttpClient,
            k => return Err(DecodeError::Kind(k)),
        };
        let mut trace_id = [0u8; 16];
        trace_id.copy_from_slice(&b[32..48]);
        let mut span_id = [0u8; 8];
        span_id.copy_from_slice(&b[48..56]);
        let mut parent = [0u8; 8];
        parent.copy_from_slice(&b[56..64]);
        let has_parent = b[64] != 0;
        // String areas follow the 96-byte header in declaration order.
        let mut off = HEADER;
        let mut take = |len_at: usize, max: usize| {
            let len = u16_at(len_at).min(max);
            let s = String::from_utf8_lossy(&b[off..off + len]).into_owned();
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
        Ok(SpanEvent {
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
            status: u64_at(72) as i64,
            method,
            host,
            url_host,
            path,
            pattern,
            scheme,
            query,
        })
    }
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
        let e = SpanEvent::decode(&b).expect("decodes");
        assert_eq!(e.kind, EventKind::HttpServer);
        assert_eq!(e.pid, 42);
        assert_eq!(e.method, "GET");
        assert_eq!(e.status, 200);
        assert_eq!(e.trace_id[0], 0xab);
        assert!(e.parent_span_id.is_some());
        assert_eq!(e.path.len(), PATH_MAX);
    }

    #[test]
    fn rejects_short_and_unknown() {
        assert_eq!(SpanEvent::decode(&[0u8; 10]), Err(DecodeError::Size(10)));
        let mut b = vec![0u8; SPAN_EVENT_SIZE];
        b[0] = 9;
        assert_eq!(SpanEvent::decode(&b), Err(DecodeError::Kind(9)));
    }
}
