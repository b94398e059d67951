//! Events to OTLP spans, with the names, kinds and attribute keys build mode uses (stable
//! HTTP semantic conventions): server `GET /route` (or `GET`), kind server, client `GET`,
//! kind client.

use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, KeyValue};
use opentelemetry_proto::tonic::trace::v1::{span, status, Span, Status};

use crate::event::{EventKind, SpanEvent};

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

pub fn kv_str(key: &str, v: impl Into<String>) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(v.into())),
        }),
        ..Default::default()
    }
}

pub fn kv_int(key: &str, v: i64) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue {
            value: Some(any_value::Value::IntValue(v)),
        }),
        ..Default::default()
    }
}

/// `host:port` → (host, port); IPv6 brackets removed.
pub fn split_host_port(hostport: &str) -> (String, Option<u16>) {
    if let Some(rest) = hostport.strip_prefix('[') {
        if let Some((h, tail)) = rest.split_once(']') {
            let port = tail.strip_prefix(':').and_then(|p| p.parse().ok());
            return (h.to_owned(), port);
        }
    }
    match hostport.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => (h.to_owned(), p.parse().ok()),
        _ => (hostport.to_owned(), None),
    }
}

/// `GET /hello/{name}` or `example.com/hello/` → the route part, `/hello/{name}`.
pub fn route_of_pattern(pattern: &str) -> Option<String> {
    let p = pattern.trim();
    let p = match p.split_once(' ') {
        Some((_, rest)) => rest.trim(),
        None => p,
    };
    let slash = p.find('/')?;
    Some(p[slash..].to_owned())
}

fn method_or_other(m: &str) -> String {
    match m {
        "" => "GET".into(),
        "GET" | "POST" | "PUT" | "DELETE" | "HEAD" | "OPTIONS" | "PATCH" | "CONNECT" | "TRACE" => m.into(),
        _ => "_OTHER".into(),
    }
}

/// Builds the OTLP span of one event.
pub fn to_span(e: &SpanEvent, clock: &Clock) -> Span {
    let mut attrs = Vec::new();
    let method = method_or_other(&e.method);
    attrs.push(kv_str("http.request.method", e.method.clone()));
    if method == "_OTHER" {
        attrs.push(kv_str("http.request.method_original", e.method.clone()));
    }
    let (name, kind, error) = match e.kind {
        EventKind::HttpServer => {
            attrs.push(kv_str("url.path", e.path.clone()));
            let (host, port) = split_host_port(&e.host);
            if !host.is_empty() {
                attrs.push(kv_str("server.address", host));
            }
            if let Some(p) = port {
                attrs.push(kv_int("server.port", p as i64));
            }
            // A handler that writes nothing gets 200 from net/http after ServeHTTP returns.
            let status = if e.status == 0 { 200 } else { e.status };
            attrs.push(kv_int("http.response.status_code", status));
            let route = route_of_pattern(&e.pattern);
            let name = match &route {
                Some(r) => format!("{method} {r}"),
                None => method.clone(),
            };
            if let Some(r) = route {
                attrs.push(kv_str("http.route", r));
            }
            (name, span::SpanKind::Server, status >= 500)
        }
        EventKind::HttpClient => {
            let scheme = if e.scheme.is_empty() { "http" } else { &e.scheme };
            let authority = if e.url_host.is_empty() { &e.host } else { &e.url_host };
            let mut full = format!("{scheme}://{authority}{}", e.path);
            if !e.query.is_empty() {
                full.push('?');
                full.push_str(&e.query);
            }
            attrs.push(kv_str("url.full", full));
            let (host, port) = split_host_port(authority);
            if !host.is_empty() {
                attrs.push(kv_str("server.address", host));
            }
            let port = port.or(match scheme {
                "https" => Some(443),
                "http" => Some(80),
                _ => None,
            });
            if let Some(p) = port {
                attrs.push(kv_int("server.port", p as i64));
            }
            if e.status > 0 {
                attrs.push(kv_int("http.response.status_code", e.status));
            }
            if e.is_error {
                attrs.push(kv_str("error.type", "_OTHER"));
            } else if e.status >= 400 {
                attrs.push(kv_str("error.type", e.status.to_string()));
            }
            (method.clone(), span::SpanKind::Client, e.is_error || e.status >= 400)
        }
    };
    let start = clock.unix_nanos(e.start_ns);
    let end = clock.unix_nanos(e.end_ns.max(e.start_ns));
    Span {
        trace_id: e.trace_id.to_vec(),
        span_id: e.span_id.to_vec(),
        parent_span_id: e.parent_span_id.map(|p| p.to_vec()).unwrap_or_default(),
        name,
        kind: kind as i32,
        start_time_unix_nano: start,
        end_time_unix_nano: end,
        attributes: attrs,
        status: Some(Status {
            code: if error {
                status::StatusCode::Error as i32
            } else {
                status::StatusCode::Unset as i32
            },
            message: String::new(),
        }),
        flags: 0x100 | if e.parent_remote { 0x200 } else { 0 },
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: EventKind) -> SpanEvent {
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
            method: "GET".into(),
            host: "127.0.0.1:8080".into(),
            url_host: "127.0.0.1:8080".into(),
            path: "/hello/x".into(),
            pattern: "GET /hello/{name}".into(),
            scheme: "http".into(),
            query: "a=1".into(),
        }
    }

    fn attr<'a>(s: &'a Span, k: &str) -> Option<&'a any_value::Value> {
        s.attributes.iter().find(|a| a.key == k)?.value.as_ref()?.value.as_ref()
    }

    #[test]
    fn server_span() {
        let s = to_span(&event(EventKind::HttpServer), &Clock { mono_to_unix_ns: 0 });
        assert_eq!(s.name, "GET /hello/{name}");
        assert_eq!(s.kind, span::SpanKind::Server as i32);
        assert_eq!(attr(&s, "http.route"), Some(&any_value::Value::StringValue("/hello/{name}".into())));
        assert_eq!(attr(&s, "server.port"), Some(&any_value::Value::IntValue(8080)));
        assert_eq!(attr(&s, "http.response.status_code"), Some(&any_value::Value::IntValue(200)));
        assert!(s.end_time_unix_nano >= s.start_time_unix_nano);
    }

    #[test]
    fn client_span() {
        let mut e = event(EventKind::HttpClient);
        e.status = 503;
        let s = to_span(&e, &Clock { mono_to_unix_ns: 0 });
        assert_eq!(s.name, "GET");
        assert_eq!(s.kind, span::SpanKind::Client as i32);
        assert_eq!(
            attr(&s, "url.full"),
            Some(&any_value::Value::StringValue("http://127.0.0.1:8080/hello/x?a=1".into()))
        );
        assert_eq!(s.status.as_ref().map(|st| st.code), Some(status::StatusCode::Error as i32));
    }

    #[test]
    fn patterns_and_hosts() {
        assert_eq!(route_of_pattern("/static/"), Some("/static/".into()));
        assert_eq!(route_of_pattern("example.com/x"), Some("/x".into()));
        assert_eq!(route_of_pattern(""), None);
        assert_eq!(split_host_port("[::1]:80"), ("::1".into(), Some(80)));
        assert_eq!(split_host_port("example.com"), ("example.com".into(), None));
    }
}
