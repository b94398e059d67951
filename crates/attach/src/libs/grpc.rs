//! google.golang.org/grpc: client spans for unary calls and streams, server spans for unary
//! and streaming RPCs with their status code. BPF side: `bpf/lib/grpc.bpf.h`; spans:
//! `grpc_span` below.

use std::borrow::Cow;

use opentelemetry_proto::tonic::trace::v1::span;

use super::{Analysis, Library, SpanParts};
use crate::event::{EventKind, SpanEvent};
use crate::offsets::*;
use crate::plan::{PlannedProbe, SkippedProbe};
#[cfg(bpf_built)]
use crate::plan::CheckReport;
use crate::probes::{ProbeId, ProbeSpec};
use crate::spans::{kv_str, server_address, split_host_port, Semantics};

pub struct Grpc;

pub const GRPC_CC_TARGET: Field = opt("google.golang.org/grpc.ClientConn", "target");
pub const GRPC_ERROR_S: Field = opt("google.golang.org/grpc/internal/status.Error", "s");
pub const GRPC_STATUS_S: Field = opt("google.golang.org/grpc/internal/status.Status", "s");
pub const SPB_STATUS_CODE: Field = opt("google.golang.org/genproto/googleapis/rpc/status.Status", "Code");

/// Absent before grpc-go moved the server side of `transport.Stream` into `ServerStream`;
/// the method is then at `Stream.method` directly (offset 0 here).
pub const GRPC_SERVERSTREAM_STREAM: Field = opt("google.golang.org/grpc/internal/transport.ServerStream", "Stream");
pub const GRPC_STREAM_METHOD: Field = req("google.golang.org/grpc/internal/transport.Stream", "method");

/// Where `offsets.json` gets these fields for targets without DWARF (`crate::offsets::MODULE_PROBES`).
pub const OFFSETS_PROBE: ModuleProbe = ModuleProbe {
    module: "google.golang.org/grpc",
    probe: "attach-offsets-probe-grpc",
    // The newest patch of every minor line from v1.72 (build mode's floor, which attach
    // shares); v1.75.0 stays from the first table.
    versions: &[
        "v1.72.2", "v1.73.0", "v1.74.3", "v1.75.0", "v1.75.1", "v1.76.0", "v1.77.0", "v1.78.0", "v1.79.3",
        "v1.80.0", "v1.81.1", "v1.82.1", "v1.83.2", "v1.84.0", "v1.85.0",
    ],
    fields: &[
        GRPC_CC_TARGET,
        GRPC_ERROR_S,
        GRPC_STATUS_S,
        SPB_STATUS_CODE,
        GRPC_SERVERSTREAM_STREAM,
        GRPC_STREAM_METHOD,
    ],
};

pub(crate) const PROBES: &[ProbeSpec] = &[
    grpc(ProbeId::GrpcInvoke, "grpc client unary calls", "google.golang.org/grpc.(*ClientConn).Invoke", GRPC_CLIENT_FIELDS),
    grpc(ProbeId::GrpcNewStream, "grpc client streams", "google.golang.org/grpc.(*ClientConn).NewStream", GRPC_CLIENT_FIELDS),
    grpc(ProbeId::GrpcStreamFinish, "grpc client stream ends", "google.golang.org/grpc.(*clientStream).finish", &[]),
    grpc(ProbeId::GrpcServer, "grpc server unary calls", "google.golang.org/grpc.(*Server).processUnaryRPC", GRPC_SERVER_FIELDS),
    grpc(ProbeId::GrpcServer, "grpc server streams", "google.golang.org/grpc.(*Server).processStreamingRPC", GRPC_SERVER_FIELDS),
    ProbeSpec {
        id: ProbeId::GrpcWriteStatus,
        programs: ("grpc_server_write_status", None),
        instrumentation: "grpc",
        what: "grpc server status codes",
        function: "google.golang.org/grpc/internal/transport.(*http2Server).writeStatus",
        also: &["google.golang.org/grpc/internal/transport.(*http2Server).WriteStatus"],
        fields: &[G_GOID, GRPC_STATUS_S, SPB_STATUS_CODE],
        ignore_calls_from: None,
        at_calls_to: None,
        also_calls_to: &[],
        exit_at_calls: None,
    },
];

const GRPC_CLIENT_FIELDS: &[Field] = &[G_GOID, GRPC_CC_TARGET, GRPC_ERROR_S, GRPC_STATUS_S, SPB_STATUS_CODE];
const GRPC_SERVER_FIELDS: &[Field] =
    &[G_GOID, GRPC_SERVERSTREAM_STREAM, GRPC_STREAM_METHOD, GRPC_STATUS_S, SPB_STATUS_CODE];

const fn grpc(id: ProbeId, what: &'static str, function: &'static str, fields: &'static [Field]) -> ProbeSpec {
    ProbeSpec {
        id,
        programs: programs(id),
        instrumentation: "grpc",
        what,
        function,
        also: &[],
        fields,
        ignore_calls_from: None,
        at_calls_to: None,
        also_calls_to: &[],
        exit_at_calls: None,
    }
}

/// The programs of the grpc probes made by `grpc()`.
const fn programs(id: ProbeId) -> (&'static str, Option<&'static str>) {
    match id {
        ProbeId::GrpcInvoke => ("grpc_invoke_enter", Some("grpc_invoke_ret")),
        ProbeId::GrpcNewStream => ("grpc_newstream_enter", Some("grpc_newstream_ret")),
        ProbeId::GrpcStreamFinish => ("grpc_stream_finish", None),
        ProbeId::GrpcServer => ("grpc_server_enter", Some("grpc_server_ret")),
        _ => panic!("not a grpc probe made by grpc()"),
    }
}

impl Library for Grpc {
    fn name(&self) -> &'static str {
        "grpc"
    }

    fn probes(&self) -> &'static [ProbeSpec] {
        PROBES
    }

    fn span<'a>(&self, e: &'a SpanEvent, _: &'a Semantics) -> Option<SpanParts<'a>> {
        matches!(e.kind, EventKind::GrpcClient | EventKind::GrpcServer).then(|| grpc_span(e))
    }

    fn degraded(&self, spec: &ProbeSpec, a: &Analysis) -> Vec<String> {
        let mut degraded = Vec::new();
        let code = [GRPC_ERROR_S, GRPC_STATUS_S, SPB_STATUS_CODE].iter().all(|f| a.offsets.get(*f).is_some());
        if matches!(spec.id, ProbeId::GrpcInvoke | ProbeId::GrpcNewStream | ProbeId::GrpcServer) && !code {
            degraded.push("no rpc.status_code beyond OK/error (no offsets for grpc's status types)".into());
        }
        if matches!(spec.id, ProbeId::GrpcInvoke | ProbeId::GrpcNewStream) && a.offsets.get(GRPC_CC_TARGET).is_none() {
            degraded.push("no server.address (no offset for ClientConn.target)".into());
        }
        degraded
    }

    fn review(&self, planned: &mut [PlannedProbe], _: &mut Vec<SkippedProbe>, _: &Analysis) -> Vec<String> {
        if !planned.iter().any(|p| p.spec.instrumentation == self.name()) {
            return Vec::new();
        }
        vec!["grpc server spans do not continue a caller's trace (traceparent in grpc metadata is not read), and \
              servers mounted through ServeHTTP are not traced"
            .into()]
    }

    #[cfg(bpf_built)]
    fn configure(&self, ro: &mut super::Rodata, report: &CheckReport) {
        let o = &report.offsets;
        let get = |f: Field| o.get(f).unwrap_or(0);
        ro.off_grpc_cc_target = get(GRPC_CC_TARGET);
        ro.off_grpc_error_s = get(GRPC_ERROR_S);
        ro.off_grpc_status_s = get(GRPC_STATUS_S);
        ro.off_spb_status_code = get(SPB_STATUS_CODE);
        ro.off_grpc_serverstream_stream = get(GRPC_SERVERSTREAM_STREAM);
        ro.off_grpc_stream_method = get(GRPC_STREAM_METHOD);
        ro.have_grpc_target = o.get(GRPC_CC_TARGET).is_some() as u8;
        ro.have_grpc_code = [GRPC_ERROR_S, GRPC_STATUS_S, SPB_STATUS_CODE].iter().all(|f| o.get(*f).is_some()) as u8;
    }
}

/// gRPC status code names, by code.
pub const GRPC_CODES: [&str; 17] = [
    "OK",
    "CANCELLED",
    "UNKNOWN",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
    "UNAUTHENTICATED",
];

/// server.address and server.port of a grpc dial target, as build mode's `GRPCTarget` and
/// testdata/semantics/grpc.json say: `host:port`, `dns:///host:port`,
/// `dns://resolver/host:port` and `passthrough:///host:port` give host and port; a unix
/// socket gives its path and no port; another resolver's target is the address whole.
pub fn grpc_target_host_port(target: &str) -> (Cow<'_, str>, Option<u16>) {
    let rest = match target.split_once("://") {
        None => match target.strip_prefix("unix:") {
            Some(path) => return (path.into(), None),
            None => target,
        },
        Some(("unix", rest)) => return (format!("/{}", rest.trim_start_matches('/')).into(), None),
        // dns://[authority]/host:port
        Some(("dns" | "passthrough", rest)) => rest.split_once('/').map_or(rest, |(_, r)| r),
        Some(_) => return (target.into(), None),
    };
    if rest.is_empty() {
        return (target.into(), None);
    }
    let (host, port) = split_host_port(rest);
    (host.into(), port)
}

/// grpc: `{rpc.method}` (`package.Service/Method`), client or server, `rpc.system.name=grpc`,
/// `rpc.status_code` (the code's name). Server spans are errors for the codes the RPC
/// conventions call server errors; client spans for every code but OK.
fn grpc_span(e: &SpanEvent) -> SpanParts<'_> {
    let method = e.text.trim_start_matches('/').to_owned();
    let mut attrs = vec![kv_str("rpc.system.name", "grpc")];
    let method = if method.is_empty() { "_OTHER".to_owned() } else { method };
    attrs.push(kv_str("rpc.method", method.clone()));
    let code = usize::try_from(e.status).ok().and_then(|c| GRPC_CODES.get(c).copied());
    if let Some(c) = code {
        attrs.push(kv_str("rpc.status_code", c));
    }
    let server = e.kind == EventKind::GrpcServer;
    let error = match code {
        Some("OK") => e.is_error,
        Some(c) if server => {
            e.is_error || matches!(c, "UNKNOWN" | "DEADLINE_EXCEEDED" | "UNIMPLEMENTED" | "INTERNAL" | "UNAVAILABLE" | "DATA_LOSS")
        }
        Some(_) => true,
        None => e.is_error,
    };
    if error {
        attrs.push(kv_str("error.type", code.filter(|c| *c != "OK").unwrap_or("_OTHER")));
    }
    if !server {
        server_address(&mut attrs, grpc_target_host_port(&e.aux[0]));
    }
    let kind = if server { span::SpanKind::Server } else { span::SpanKind::Client };
    (method, kind, error, attrs)
}
