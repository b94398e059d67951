//! One module per instrumented library, each implementing [`Library`]: its
//! `OTEL_GO_*_INSTRUMENTATIONS` name, the struct fields its programs read (and where
//! `offsets.json` gets them), the probes it plans (functions, fields, the BPF programs at their
//! entry and exits), the optional features it loses for lack of an offset, its notes in the
//! check report, the read-only configuration of its BPF half (`bpf/lib/<library>.bpf.h`), and
//! how its events become spans. [`LIBRARIES`] is the one list of them: `plan::plan`,
//! `session::run` and `spans::encode_span` loop over it and name no library.
//!
//! Adding a library: write `bpf/lib/<name>.bpf.h` (its `const volatile` configuration, maps and
//! `SEC("uprobe")` programs) and include it from `bpf/attach.bpf.c`; add its `ProbeId`s to
//! `crate::probes`; write a module here with the struct fields it reads (`Field` constants; for
//! a third-party module also the `ModuleProbe` that fills `offsets.json`, listed in
//! `crate::offsets::MODULE_PROBES`; standard-library fields go into `STD_FIELDS`) and the
//! `PROBES` of its functions and programs, and add it to [`LIBRARIES`]. A new
//! event kind goes into `enum event_kind` in `bpf/attach.h` and `EventKind` in `crate::event`;
//! the module's [`Library::span`] builds its spans.
//!
//! These modules own what differs between libraries; the analysis of a binary, the checks every
//! probe gets (function found, offsets known, addresses verified: `crate::plan`), loading and
//! attaching (`crate::session`) stay generic and must not learn about a library.

use opentelemetry_proto::tonic::trace::v1::span;

use crate::buildinfo::BuildInfo;
use crate::event::SpanEvent;
use crate::offsets::Offsets;
#[cfg(bpf_built)]
use crate::plan::CheckReport;
use crate::plan::{PlannedProbe, SkippedProbe};
use crate::probes::ProbeSpec;
use crate::spans::Semantics;

pub mod databasesql;
pub mod goredis;
pub mod goroutines;
pub mod grpc;
pub mod kafkago;
pub mod nethttp;
pub mod redigo;
pub mod routes;

/// The read-only configuration of the BPF object (its `.rodata`), as the skeleton generates it.
#[cfg(bpf_built)]
pub(crate) type Rodata = crate::bpf::attach_skel::types::rodata;

/// Every library attach instruments, in the order the check report lists their probes.
pub static LIBRARIES: &[&dyn Library] = &[
    &goroutines::Goroutines,
    &nethttp::NetHttp,
    &databasesql::DatabaseSql,
    &routes::Gin,
    &routes::Echo,
    &goredis::GoRedis,
    &redigo::Redigo,
    &grpc::Grpc,
    &kafkago::KafkaGo,
];

/// A span as a library describes it: name, kind, error, attributes (`crate::spans::encode_span`
/// adds the ids, times and status).
pub type SpanParts<'a> = (String, span::SpanKind, bool, Vec<crate::spans::Attr<'a>>);

/// What the analysis of a binary found, as a library's checks need it.
pub struct Analysis<'a> {
    pub info: &'a BuildInfo,
    pub offsets: &'a Offsets,
    /// HTTP header maps can be read (Go 1.24+ swiss tables with known offsets).
    pub swiss_headers: bool,
}

/// One instrumented library; see the module documentation.
pub trait Library: Sync {
    /// The name `OTEL_GO_ENABLED_INSTRUMENTATIONS` / `OTEL_GO_DISABLED_INSTRUMENTATIONS` use (build
    /// mode's rule file name); every probe of [`Library::probes`] carries it too.
    fn name(&self) -> &'static str;

    /// The probes it plans, each attached when its function is in the binary, its required
    /// fields have offsets and its addresses verify.
    fn probes(&self) -> &'static [ProbeSpec];

    /// The span of an event of one of its kinds (`None` for other kinds).
    fn span<'a>(&self, _event: &'a SpanEvent, _semantics: &'a Semantics) -> Option<SpanParts<'a>> {
        None
    }

    /// Optional features a planned probe loses with this binary (shown as `degraded:`).
    fn degraded(&self, _spec: &ProbeSpec, _analysis: &Analysis) -> Vec<String> {
        Vec::new()
    }

    /// Once every probe is planned: notes for the check report, degradations that depend on
    /// which of its probes were planned or skipped, and skips of its own not worth saying
    /// (`planned` and `skipped` hold every library's).
    fn review(&self, _planned: &mut [PlannedProbe], _skipped: &mut Vec<SkippedProbe>, _analysis: &Analysis) -> Vec<String> {
        Vec::new()
    }

    /// The top byte of an entry uprobe's cookie (below it: the probed address).
    fn entry_cookie_tag(&self, _probe: &PlannedProbe) -> u8 {
        0
    }

    /// Whether its spans take `server.address` from the socket the goroutine sends on
    /// (`bpf/peer.bpf.h`, the `sock_send` tracepoint).
    fn reads_peers(&self) -> bool {
        false
    }

    /// Sets its BPF half's read-only configuration before the object is loaded.
    #[cfg(bpf_built)]
    fn configure(&self, _rodata: &mut Rodata, _report: &CheckReport) {}

    /// A line for the end of the session, from its BPF half's maps (`None`: nothing to say).
    #[cfg(bpf_built)]
    fn summary(&self, _object: &libbpf_rs::Object, _report: &CheckReport) -> Option<String> {
        None
    }
}

/// The library whose [`Library::name`] is `name`.
pub fn library(name: &str) -> Option<&'static dyn Library> {
    LIBRARIES.iter().copied().find(|l| l.name() == name)
}

/// Every probe of every library.
pub fn all_probes() -> impl Iterator<Item = &'static ProbeSpec> {
    LIBRARIES.iter().flat_map(|l| l.probes().iter())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_every_probe_carries_its_librarys() {
        for (i, lib) in LIBRARIES.iter().enumerate() {
            assert!(LIBRARIES[..i].iter().all(|l| l.name() != lib.name()), "{} listed twice", lib.name());
            for spec in lib.probes() {
                assert_eq!(spec.instrumentation, lib.name(), "{:?}", spec.id);
            }
        }
    }

    /// Each library's programs are defined in its own BPF header, which attach.bpf.c includes.
    #[test]
    fn every_probe_names_uprobe_programs_of_its_librarys_bpf_header() {
        let bpf = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("bpf");
        let main = std::fs::read_to_string(bpf.join("attach.bpf.c")).expect("attach.bpf.c");
        for lib in LIBRARIES {
            let header = format!("lib/{}.bpf.h", bpf_header(lib.name()));
            assert!(main.contains(&format!("#include \"{header}\"")), "attach.bpf.c does not include {header}");
            let source = std::fs::read_to_string(bpf.join(&header)).unwrap_or_else(|e| panic!("{header}: {e}"));
            for spec in lib.probes() {
                let (entry, exit) = spec.programs;
                for name in std::iter::once(entry).chain(exit) {
                    let definition = format!("SEC(\"uprobe\")\nint {name}(struct pt_regs *ctx)");
                    assert!(source.contains(&definition), "{:?}: no uprobe program `{name}` in {header}", spec.id);
                }
            }
        }
    }

    /// Exactly one library builds the spans of each event kind.
    #[test]
    fn every_event_kind_has_one_library() {
        use crate::event::EventKind::*;
        for kind in [HttpServer, HttpClient, DbQuery, Redis, GrpcClient, GrpcServer, KafkaSend, KafkaRecv] {
            let event = SpanEvent { kind, ..crate::spans::tests::event(kind) };
            let builders: Vec<&str> =
                LIBRARIES.iter().filter(|l| l.span(&event, &Semantics::default()).is_some()).map(|l| l.name()).collect();
            assert_eq!(builders.len(), 1, "{kind:?}: {builders:?}");
        }
    }

    /// The probes of one id share their programs (`ProbeId::has_exit` relies on it).
    #[test]
    fn probes_of_one_id_have_the_same_programs() {
        for a in all_probes() {
            for b in all_probes().filter(|b| b.id == a.id) {
                assert_eq!(a.programs, b.programs, "{:?}", a.id);
            }
        }
    }

    /// The BPF header of a library: its name, except for the libraries that share one.
    fn bpf_header(name: &str) -> &str {
        match name {
            "gin" | "echo" => "routes",
            "runtime" => "goroutines",
            other => other,
        }
    }
}
