//! go-redis v9: one client span per command (`(*baseClient).process`, or `processStartingAt`
//! where `process` is inlined). BPF side: `bpf/lib/goredis.bpf.h` (whose state map redigo
//! shares); spans: `redis_span` below (redigo's too).

use opentelemetry_proto::tonic::trace::v1::span;

use super::{Analysis, Library, SpanParts};
use crate::event::{EventKind, SpanEvent};
use crate::offsets::*;
#[cfg(bpf_built)]
use crate::plan::CheckReport;
use crate::probes::{ProbeId, ProbeSpec};
use crate::spans::{kv_str, server_address, split_host_port, QueryText, Semantics};

pub struct GoRedis;

pub const REDIS_BASECMD_ARGS: Field = req("github.com/redis/go-redis/v9.baseCmd", "args");
pub const REDIS_BASECLIENT_OPT: Field = opt("github.com/redis/go-redis/v9.baseClient", "opt");
pub const REDIS_OPTIONS_ADDR: Field = opt("github.com/redis/go-redis/v9.Options", "Addr");
pub const REDIS_OPTIONS_DB: Field = opt("github.com/redis/go-redis/v9.Options", "DB");

/// Where `offsets.json` gets these fields for targets without DWARF (`crate::offsets::MODULE_PROBES`).
pub const OFFSETS_PROBE: ModuleProbe = ModuleProbe {
    module: "github.com/redis/go-redis/v9",
    probe: "attach-offsets-probe-redis",
    // The newest patch of every minor line: entries match a release's own minor line.
    versions: &["v9.0.0", "v9.0.5", "v9.2.1", "v9.3.1", "v9.4.0", "v9.5.5", "v9.6.3", "v9.7.3", "v9.8.0", "v9.9.0", "v9.10.0", "v9.11.0", "v9.12.1", "v9.13.0", "v9.14.1", "v9.16.0", "v9.17.3", "v9.18.0", "v9.19.0", "v9.20.1", "v9.21.0", "v9.22.0", "v9.23.0"],
    fields: &[REDIS_BASECMD_ARGS, REDIS_BASECLIENT_OPT, REDIS_OPTIONS_ADDR, REDIS_OPTIONS_DB],
};

pub(crate) const PROBES: &[ProbeSpec] = &[
    ProbeSpec {
        id: ProbeId::Redis,
        programs: ("redis_process_enter", Some("redis_process_ret")),
        instrumentation: "goredis",
        what: "go-redis v9 commands",
        function: "github.com/redis/go-redis/v9.(*baseClient).process",
        also: &["github.com/redis/go-redis/v9.(*baseClient).processStartingAt"],
        fields: &[G_GOID, REDIS_BASECMD_ARGS, REDIS_BASECLIENT_OPT, REDIS_OPTIONS_ADDR, REDIS_OPTIONS_DB],
        ignore_calls_from: None,
        at_calls_to: None,
        also_calls_to: &[],
        exit_at_calls: None,
    },
];

impl Library for GoRedis {
    fn name(&self) -> &'static str {
        "goredis"
    }

    fn probes(&self) -> &'static [ProbeSpec] {
        PROBES
    }

    fn span<'a>(&self, e: &'a SpanEvent, sem: &'a Semantics) -> Option<SpanParts<'a>> {
        matches!(e.kind, EventKind::Redis).then(|| redis_span(e, sem))
    }

    fn degraded(&self, spec: &ProbeSpec, a: &Analysis) -> Vec<String> {
        if spec.id == ProbeId::Redis && a.offsets.get(REDIS_OPTIONS_ADDR).is_none() {
            return vec!["no server.address (no offset for Options.Addr)".into()];
        }
        Vec::new()
    }

    #[cfg(bpf_built)]
    fn configure(&self, ro: &mut super::Rodata, report: &CheckReport) {
        let o = &report.offsets;
        let get = |f: Field| o.get(f).unwrap_or(0);
        ro.off_redis_basecmd_args = get(REDIS_BASECMD_ARGS);
        ro.off_redis_baseclient_opt = get(REDIS_BASECLIENT_OPT);
        ro.off_redis_options_addr = get(REDIS_OPTIONS_ADDR);
        ro.have_redis_addr = (o.get(REDIS_BASECLIENT_OPT).is_some() && o.get(REDIS_OPTIONS_ADDR).is_some()) as u8;
        ro.off_redis_options_db = get(REDIS_OPTIONS_DB);
        ro.have_redis_db = o.get(REDIS_OPTIONS_DB).is_some() as u8;
    }
}

/// go-redis: the command name (`GET`), kind client; `db.query.text` is the command, its key
/// (the first argument when it is a string; not for commands whose arguments are secrets) and
/// `?` for every other argument, as build mode writes it. A `redis: nil` reply is not an
/// error; a server error's first word (`ERR`, `WRONGTYPE`) is `error.type`.
fn redis_span<'a>(e: &'a SpanEvent, sem: &'a Semantics) -> SpanParts<'a> {
    let mut attrs = vec![kv_str("db.system.name", "redis")];
    server_address(&mut attrs, split_host_port(&e.aux[0]));
    if e.has_status {
        attrs.push(kv_str("db.namespace", e.status.to_string()));
    }
    let cmd = e.text.trim().to_ascii_uppercase();
    let readable = !cmd.is_empty() && cmd.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-');
    if readable {
        attrs.push(kv_str("db.operation.name", cmd.clone()));
        if sem.query_text != QueryText::Off {
            const SECRET: &[&str] = &["AUTH", "HELLO", "MIGRATE", "ACL", "CONFIG"];
            let mut text = cmd.clone();
            for i in 1..e.count.clamp(1, 64) {
                text.push(' ');
                let key = &e.aux[2];
                if i == 1 && !key.is_empty() && !SECRET.contains(&cmd.as_str()) && !key.chars().any(char::is_control) {
                    text.push_str(key);
                } else {
                    text.push('?');
                }
            }
            attrs.push(kv_str("db.query.text", text));
        }
    }
    let message = e.aux[1].strip_prefix("redis: ").unwrap_or(&e.aux[1]);
    let error = e.is_error && e.aux[1] != "redis: nil";
    if error {
        let word = message.split(' ').next().unwrap_or_default();
        let upper = !word.is_empty() && word.bytes().all(|b| b.is_ascii_uppercase());
        attrs.push(kv_str("error.type", if upper { word } else { "_OTHER" }));
    }
    let name = if readable { cmd } else { "redis".to_owned() };
    (name, span::SpanKind::Client, error, attrs)
}
