//! net/http: server spans (ended at HTTP/1's and HTTP/2's end of a handler, named by the
//! innermost ServeMux's pattern, noted where `(*ServeMux).ServeHTTP` calls `findHandler`),
//! client spans, and the outgoing `traceparent` (connection buffer noted at
//! `(*persistConn).roundTrip`, header line appended at `(*transferWriter).writeHeader` where
//! the kernel allows `bpf_probe_write_user`). Incoming `traceparent` and `User-Agent` are read
//! from Go 1.24+ header maps. BPF side: `bpf/lib/nethttp.bpf.h`; spans: `http_span` below.
//! It owns net/http's fields, probes, BPF configuration and spans, and must not reach into
//! another library's; route names come from [`super::routes`].

use opentelemetry_proto::tonic::trace::v1::span;

use super::{Analysis, Library, SpanParts};
use crate::event::{EventKind, SpanEvent};
use crate::offsets::*;
use crate::plan::{PlannedProbe, SkippedProbe};
#[cfg(bpf_built)]
use crate::plan::CheckReport;
use crate::probes::{ProbeId, ProbeSpec};
use crate::spans::{kv_int, kv_str, protocol_version, redact_query, route_of_pattern, server_address, split_host_port, Semantics};

pub struct NetHttp;

pub const REQ_METHOD: Field = req("net/http.Request", "Method");
pub const REQ_URL: Field = req("net/http.Request", "URL");
pub const REQ_HEADER: Field = req("net/http.Request", "Header");
pub const REQ_HOST: Field = req("net/http.Request", "Host");
pub const REQ_PATTERN: Field = opt("net/http.Request", "Pattern");
/// The same field as the ServeMux probe needs it: before Go 1.23 there is no pattern to read,
/// and the probe is skipped.
pub const MUX_REQ_PATTERN: Field = req("net/http.Request", "Pattern");
pub const URL_SCHEME: Field = req("net/url.URL", "Scheme");
pub const URL_HOST: Field = req("net/url.URL", "Host");
pub const URL_PATH: Field = req("net/url.URL", "Path");
pub const URL_RAWQUERY: Field = req("net/url.URL", "RawQuery");
pub const RESPONSE_STATUS: Field = req("net/http.response", "status");
pub const H2_WRITER_STATE: Field = opt("net/http.http2responseWriter", "rws");
pub const H2_STATE_STATUS: Field = opt("net/http.http2responseWriterState", "status");

/// The same two fields from Go 1.27, whose HTTP/2 moved out of `h2_bundle.go`.
pub const H2_INTERNAL_WRITER_STATE: Field = opt("net/http/internal/http2.responseWriter", "rws");
pub const H2_INTERNAL_STATE_STATUS: Field = opt("net/http/internal/http2.responseWriterState", "status");
pub const RESP_STATUSCODE: Field = req("net/http.Response", "StatusCode");
pub const REQ_PROTOMAJOR: Field = opt("net/http.Request", "ProtoMajor");
pub const REQ_PROTOMINOR: Field = opt("net/http.Request", "ProtoMinor");
pub const REQ_REMOTEADDR: Field = opt("net/http.Request", "RemoteAddr");
pub const REQ_TLS: Field = opt("net/http.Request", "TLS");
pub const RESP_PROTOMAJOR: Field = opt("net/http.Response", "ProtoMajor");
pub const RESP_PROTOMINOR: Field = opt("net/http.Response", "ProtoMinor");
pub const MAP_DIRPTR: Field = opt("internal/runtime/maps.Map", "dirPtr");
pub const MAP_DIRLEN: Field = opt("internal/runtime/maps.Map", "dirLen");
pub const TABLE_GROUPS: Field = opt("internal/runtime/maps.table", "groups");
pub const GROUPSREF_DATA: Field = opt("internal/runtime/maps.groupsReference", "data");
pub const GROUPSREF_MASK: Field = opt("internal/runtime/maps.groupsReference", "lengthMask");
pub const PERSISTCONN_BW: Field = req("net/http.persistConn", "bw");
pub const BUFIO_WRITER_BUF: Field = req("bufio.Writer", "buf");
pub const BUFIO_WRITER_N: Field = req("bufio.Writer", "n");
pub const TRANSFERWRITER_HEADER: Field = req("net/http.transferWriter", "Header");

pub(crate) const PROBES: &[ProbeSpec] = &[
    ProbeSpec {
        id: ProbeId::HttpServer,
        programs: ("http_server_enter", Some("http_server_ret")),
        instrumentation: "nethttp",
        what: "net/http server spans",
        function: "net/http.serverHandler.ServeHTTP",
        also: &[],
        fields: &[
            G_GOID,
            REQ_METHOD,
            REQ_URL,
            REQ_HOST,
            REQ_HEADER,
            REQ_PATTERN,
            URL_PATH,
            RESPONSE_STATUS,
            REQ_PROTOMAJOR,
            REQ_PROTOMINOR,
            REQ_REMOTEADDR,
            REQ_TLS,
            MAP_DIRPTR,
            MAP_DIRLEN,
            TABLE_GROUPS,
            GROUPSREF_DATA,
            GROUPSREF_MASK,
        ],
        ignore_calls_from: None,
        at_calls_to: None,
        also_calls_to: &[],
        exit_at_calls: Some(("net/http.(*conn).serve", "net/http.(*conn).hijacked")),
    },
    ProbeSpec {
        id: ProbeId::HttpMuxRoute,
        programs: ("servemux_find_handler", None),
        instrumentation: "nethttp",
        what: "net/http ServeMux routes",
        function: "net/http.(*ServeMux).ServeHTTP",
        also: &[],
        fields: &[G_GOID, MUX_REQ_PATTERN],
        ignore_calls_from: None,
        at_calls_to: Some("net/http.(*ServeMux).findHandler"),
        also_calls_to: &[],
        exit_at_calls: None,
    },
    ProbeSpec {
        id: ProbeId::Http2ServerEnd,
        programs: ("http2_server_done", None),
        instrumentation: "nethttp",
        what: "net/http HTTP/2 server span ends",
        function: "net/http.(*http2serverConn).runHandler.func1",
        also: &["net/http/internal/http2.(*serverConn).runHandler.func1"],
        fields: &[G_GOID, H2_WRITER_STATE, H2_STATE_STATUS, H2_INTERNAL_WRITER_STATE, H2_INTERNAL_STATE_STATUS],
        ignore_calls_from: None,
        at_calls_to: Some("net/http.(*http2responseWriter).handlerDone"),
        also_calls_to: &["net/http/internal/http2.(*responseWriter).handlerDone"],
        exit_at_calls: None,
    },
    ProbeSpec {
        id: ProbeId::HttpClient,
        programs: ("http_client_enter", Some("http_client_ret")),
        instrumentation: "nethttp",
        what: "net/http client spans",
        function: "net/http.(*Transport).roundTrip",
        also: &[],
        fields: &[
            G_GOID,
            REQ_METHOD,
            REQ_URL,
            REQ_HOST,
            URL_SCHEME,
            URL_HOST,
            URL_PATH,
            URL_RAWQUERY,
            RESP_STATUSCODE,
            RESP_PROTOMAJOR,
            RESP_PROTOMINOR,
        ],
        ignore_calls_from: None,
        at_calls_to: None,
        also_calls_to: &[],
        exit_at_calls: None,
    },
    ProbeSpec {
        id: ProbeId::HttpInjectConn,
        programs: ("http_conn_roundtrip", None),
        instrumentation: "nethttp",
        what: "net/http client connections (outgoing traceparent)",
        function: "net/http.(*persistConn).roundTrip",
        also: &[],
        fields: &[G_GOID, PERSISTCONN_BW],
        ignore_calls_from: None,
        at_calls_to: None,
        also_calls_to: &[],
        exit_at_calls: None,
    },
    ProbeSpec {
        id: ProbeId::HttpInjectHeaders,
        programs: ("http_header_write", None),
        instrumentation: "nethttp",
        what: "net/http request heads (outgoing traceparent)",
        function: "net/http.(*transferWriter).writeHeader",
        also: &[],
        fields: &[TRANSFERWRITER_HEADER, BUFIO_WRITER_BUF, BUFIO_WRITER_N, MAP_DIRPTR, MAP_DIRLEN, TABLE_GROUPS, GROUPSREF_DATA, GROUPSREF_MASK],
        ignore_calls_from: None,
        at_calls_to: None,
        also_calls_to: &[],
        exit_at_calls: None,
    },
];

impl Library for NetHttp {
    fn name(&self) -> &'static str {
        "nethttp"
    }

    fn probes(&self) -> &'static [ProbeSpec] {
        PROBES
    }

    fn span<'a>(&self, e: &'a SpanEvent, _: &'a Semantics) -> Option<SpanParts<'a>> {
        matches!(e.kind, EventKind::HttpServer | EventKind::HttpClient).then(|| http_span(e))
    }

    fn degraded(&self, spec: &ProbeSpec, a: &Analysis) -> Vec<String> {
        let mut degraded = Vec::new();
        if spec.id == ProbeId::HttpInjectHeaders && !a.swiss_headers {
            degraded.push("no outgoing traceparent (a request's own traceparent can be seen in Go 1.24+ header maps only)".into());
        }
        if spec.id == ProbeId::HttpServer {
            if a.offsets.get(REQ_PATTERN).is_none() {
                degraded.push("no http.route (Request.Pattern exists from Go 1.23)".into());
            }
            if !a.swiss_headers {
                degraded.push(
                    "incoming traceparent and user_agent.original not read (headers are read from Go 1.24+ maps only)"
                        .into(),
                );
            }
            let extras = [REQ_PROTOMAJOR, REQ_PROTOMINOR, REQ_REMOTEADDR, REQ_TLS];
            if !extras.iter().all(|f| a.offsets.get(*f).is_some()) {
                degraded.push(
                    "no url.scheme, url.query, client.*, network.peer.* or network.protocol.version (offsets unknown)".into(),
                );
            }
        }
        degraded
    }

    /// HTTP/2 requests enter through the same ServeHTTP but end elsewhere: without that end
    /// they get no span at all, which must be said, not left to a missing line. ServeMux routes
    /// only name server spans: without a server probe (a gRPC service links ServeMux for the
    /// handlers its dependencies register, not its ServeHTTP) their skip is not worth a line.
    fn review(&self, planned: &mut [PlannedProbe], skipped: &mut Vec<SkippedProbe>, _: &Analysis) -> Vec<String> {
        if !planned.iter().any(|p| p.spec.id == ProbeId::HttpServer) {
            skipped.retain(|s| s.spec.id != ProbeId::HttpMuxRoute);
        }
        let h2_planned = planned.iter().any(|p| p.spec.id == ProbeId::Http2ServerEnd);
        if let Some(server) = planned.iter_mut().find(|p| p.spec.id == ProbeId::HttpServer).filter(|_| !h2_planned) {
            let why = skipped
                .iter()
                .find(|s| s.spec.id == ProbeId::Http2ServerEnd)
                .map(|s| s.reason.clone())
                .unwrap_or_else(|| "no HTTP/2 server function found in this binary".into());
            server.degraded.push(format!("HTTP/2 requests get no server span: {why}"));
        }
        Vec::new()
    }

    #[cfg(bpf_built)]
    fn configure(&self, ro: &mut super::Rodata, report: &CheckReport) {
        let o = &report.offsets;
        let get = |f: Field| o.get(f).unwrap_or(0);
        ro.off_req_method = get(REQ_METHOD);
        ro.off_req_url = get(REQ_URL);
        ro.off_req_header = get(REQ_HEADER);
        ro.off_req_host = get(REQ_HOST);
        ro.off_req_pattern = get(REQ_PATTERN);
        ro.off_url_scheme = get(URL_SCHEME);
        ro.off_url_host = get(URL_HOST);
        ro.off_url_path = get(URL_PATH);
        ro.off_url_rawquery = get(URL_RAWQUERY);
        ro.off_response_status = get(RESPONSE_STATUS);
        // Go 1.27 names the same HTTP/2 structs in net/http/internal/http2.
        let h2_writer_state = o.get(H2_WRITER_STATE).or(o.get(H2_INTERNAL_WRITER_STATE));
        let h2_state_status = o.get(H2_STATE_STATUS).or(o.get(H2_INTERNAL_STATE_STATUS));
        ro.off_h2_writer_state = h2_writer_state.unwrap_or(0);
        ro.off_h2_state_status = h2_state_status.unwrap_or(0);
        ro.have_h2_status = (h2_writer_state.is_some() && h2_state_status.is_some()) as u8;
        ro.off_resp_statuscode = get(RESP_STATUSCODE);
        ro.off_map_dirptr = get(MAP_DIRPTR);
        ro.off_map_dirlen = get(MAP_DIRLEN);
        ro.off_table_groups = get(TABLE_GROUPS);
        ro.off_groupsref_data = get(GROUPSREF_DATA);
        ro.off_groupsref_mask = get(GROUPSREF_MASK);
        ro.have_pattern = o.get(REQ_PATTERN).is_some() as u8;
        ro.have_mux_route = report.probe(ProbeId::HttpMuxRoute).is_some() as u8;
        ro.off_req_protomajor = get(REQ_PROTOMAJOR);
        ro.off_req_protominor = get(REQ_PROTOMINOR);
        ro.off_req_remoteaddr = get(REQ_REMOTEADDR);
        ro.off_req_tls = get(REQ_TLS);
        ro.off_resp_protomajor = get(RESP_PROTOMAJOR);
        ro.off_resp_protominor = get(RESP_PROTOMINOR);
        ro.have_req_extras = [REQ_PROTOMAJOR, REQ_PROTOMINOR, REQ_REMOTEADDR, REQ_TLS, URL_RAWQUERY]
            .iter()
            .all(|f| o.get(*f).is_some()) as u8;
        ro.have_resp_proto = (o.get(RESP_PROTOMAJOR).is_some() && o.get(RESP_PROTOMINOR).is_some()) as u8;
        ro.have_swiss_headers = report.swiss_headers as u8;
        ro.off_persistconn_bw = get(PERSISTCONN_BW);
        ro.off_bufio_writer_buf = get(BUFIO_WRITER_BUF);
        ro.off_bufio_writer_n = get(BUFIO_WRITER_N);
        ro.off_transferwriter_header = get(TRANSFERWRITER_HEADER);
    }

    /// What became of the outgoing traceparent, when its probe was attached.
    #[cfg(bpf_built)]
    fn summary(&self, object: &libbpf_rs::Object, report: &CheckReport) -> Option<String> {
        use libbpf_rs::MapCore;
        report.probe(ProbeId::HttpInjectHeaders)?;
        let stats = object.maps().find(|m| m.name() == "injection_stats")?;
        Some(injection_summary(&stats))
    }
}

/// `http.request.method`: the method when the conventions know it (case-sensitive; an empty
/// method is net/http's GET), else `_OTHER`.
fn method_or_other(m: &str) -> &str {
    match m {
        "" => "GET",
        "GET" | "POST" | "PUT" | "DELETE" | "HEAD" | "OPTIONS" | "PATCH" | "CONNECT" | "TRACE" => m,
        _ => "_OTHER",
    }
}

fn http_span(e: &SpanEvent) -> SpanParts<'_> {
    // Room for a server span's attributes: no reallocation while they are pushed.
    let mut attrs = Vec::with_capacity(16);
    let method = method_or_other(&e.method);
    attrs.push(kv_str("http.request.method", method));
    if method == "_OTHER" {
        attrs.push(kv_str("http.request.method_original", e.method.as_str()));
    }
    // The span name's method: `HTTP` stands for one the conventions do not know.
    let name_method = if method == "_OTHER" { "HTTP" } else { method };
    let (name, kind, error) = match e.kind {
        EventKind::HttpServer => {
            attrs.push(kv_str("url.scheme", if e.tls { "https" } else { "http" }));
            attrs.push(kv_str("url.path", e.path.as_str()));
            if !e.query.is_empty() {
                attrs.push(kv_str("url.query", redact_query(&e.query)));
            }
            let (peer, peer_port) = split_host_port(&e.remote_addr);
            if !peer.is_empty() {
                attrs.push(kv_str("client.address", peer));
                if let Some(p) = peer_port {
                    attrs.push(kv_int("client.port", p as i64));
                }
                attrs.push(kv_str("network.peer.address", peer));
                if let Some(p) = peer_port {
                    attrs.push(kv_int("network.peer.port", p as i64));
                }
            }
            if !e.user_agent.is_empty() {
                attrs.push(kv_str("user_agent.original", e.user_agent.as_str()));
            }
            if let Some(v) = protocol_version(e.proto) {
                attrs.push(kv_str("network.protocol.version", v));
            }
            server_address(&mut attrs, split_host_port(&e.host));
            // A handler that writes nothing gets 200 from net/http after ServeHTTP returns.
            let status = if e.status == 0 { 200 } else { e.status };
            attrs.push(kv_int("http.response.status_code", status));
            let route = route_of_pattern(&e.pattern);
            let name = match &route {
                Some(r) => format!("{name_method} {r}"),
                None => name_method.to_owned(),
            };
            if let Some(r) = route {
                attrs.push(kv_str("http.route", r));
            }
            // Only a 5xx (or a code outside HTTP's range) is the server's error; a 4xx is the client's.
            let error = !(100..500).contains(&status);
            if error {
                attrs.push(kv_str("error.type", status.to_string()));
            }
            (name, span::SpanKind::Server, error)
        }
        // The client (the only other kind this is called for).
        _ => {
            let scheme = if e.scheme.is_empty() { "http" } else { &e.scheme };
            let authority = if e.url_host.is_empty() { &e.host } else { &e.url_host };
            let mut full = format!("{scheme}://{authority}{}", e.path);
            if !e.query.is_empty() {
                full.push('?');
                full.push_str(&redact_query(&e.query));
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
                if let Some(v) = protocol_version(e.proto) {
                    attrs.push(kv_str("network.protocol.version", v));
                }
            }
            // A 4xx or 5xx (or a code outside HTTP's range) is an error for a client.
            let bad_status = e.status > 0 && !(100..400).contains(&e.status);
            if e.is_error {
                attrs.push(kv_str("error.type", "_OTHER"));
            } else if bad_status {
                attrs.push(kv_str("error.type", e.status.to_string()));
            }
            (name_method.to_owned(), span::SpanKind::Client, e.is_error || bad_status)
        }
    };
    (name, kind, error, attrs)
}

/// The outgoing-traceparent counters (`INJECT_*` in attach.h), as one line.
#[cfg(bpf_built)]
fn injection_summary(stats: &libbpf_rs::Map) -> String {
    use libbpf_rs::MapCore;
    const WHAT: [&str; 5] = [
        "written",
        "refused by the kernel (lockdown)",
        "left out: the request had one",
        "left out: no room in the connection's buffer",
        "left out: unexpected buffer contents",
    ];
    let counts: Vec<String> = WHAT
        .iter()
        .enumerate()
        .filter_map(|(i, what)| {
            let value = stats.lookup(&(i as u32).to_ne_bytes(), libbpf_rs::MapFlags::ANY).ok()??;
            let n = u64::from_ne_bytes(value.get(..8)?.try_into().ok()?);
            (n > 0).then(|| format!("{n} {what}"))
        })
        .collect();
    if counts.is_empty() {
        "outgoing traceparent: no HTTP/1.1 client request seen".into()
    } else {
        format!("outgoing traceparent: {}", counts.join(", "))
    }
}
