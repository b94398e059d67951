//! Web frameworks' route templates: gin `(*Engine).handleHTTPRequest` and echo v4
//! `(*Router).Find`, whose RETs name the request's server span (from [`super::nethttp`]) by the
//! matched route. Two instrumentations (`gin`, `echo`) with one BPF half,
//! `bpf/lib/routes.bpf.h`, so they share this module; they produce no span of their own.

use super::Library;
use crate::offsets::*;
#[cfg(bpf_built)]
use crate::plan::CheckReport;
use crate::probes::{ProbeId, ProbeSpec};

pub struct Gin;
pub struct Echo;

/// The route each framework matched; without it the route probe is skipped (with a warning)
/// and server spans keep the method-only name.
pub const GIN_CONTEXT_FULLPATH: Field = req("github.com/gin-gonic/gin.Context", "fullPath");
pub const ECHO_CONTEXT_PATH: Field = req("github.com/labstack/echo/v4.context", "path");

/// Where `offsets.json` gets these fields for targets without DWARF (`crate::offsets::MODULE_PROBES`).
pub const GIN_OFFSETS_PROBE: ModuleProbe = ModuleProbe {
    module: "github.com/gin-gonic/gin",
    probe: "attach-offsets-probe-gin",
    // The newest patch of every minor line from v1.7 (the gin rule's floor).
    versions: &["v1.7.7", "v1.8.1", "v1.9.1", "v1.10.1", "v1.11.0", "v1.12.0"],
    fields: &[GIN_CONTEXT_FULLPATH],
};

/// Where `offsets.json` gets these fields for targets without DWARF (`crate::offsets::MODULE_PROBES`).
pub const ECHO_OFFSETS_PROBE: ModuleProbe = ModuleProbe {
    module: "github.com/labstack/echo/v4",
    probe: "attach-offsets-probe-echo",
    // The newest patch of every minor line from v4.1 (the echo rule's floor, v4.1.16) the
    // module proxy serves (it lists no v4.3, v4.4 or v4.6).
    versions: &[
        "v4.1.17", "v4.2.1", "v4.5.0", "v4.7.2", "v4.8.0", "v4.9.1", "v4.10.2", "v4.11.4", "v4.12.0", "v4.13.4",
        "v4.14.0", "v4.15.4", "v4.16.6",
    ],
    fields: &[ECHO_CONTEXT_PATH],
};

const GIN: &[ProbeSpec] = &[
    ProbeSpec {
        id: ProbeId::GinRoute,
        programs: ("gin_route_enter", Some("gin_route_ret")),
        instrumentation: "gin",
        what: "gin routes (server spans named by the route template)",
        function: "github.com/gin-gonic/gin.(*Engine).handleHTTPRequest",
        also: &[],
        fields: &[G_GOID, GIN_CONTEXT_FULLPATH],
        ignore_calls_from: None,
        at_calls_to: None,
        also_calls_to: &[],
        exit_at_calls: None,
    },
];

const ECHO: &[ProbeSpec] = &[
    ProbeSpec {
        id: ProbeId::EchoRoute,
        programs: ("echo_route_enter", Some("echo_route_ret")),
        instrumentation: "echo",
        what: "echo v4 routes (server spans named by the route template)",
        function: "github.com/labstack/echo/v4.(*Router).Find",
        also: &[],
        fields: &[G_GOID, ECHO_CONTEXT_PATH],
        ignore_calls_from: None,
        at_calls_to: None,
        also_calls_to: &[],
        exit_at_calls: None,
    },
];

impl Library for Gin {
    fn name(&self) -> &'static str {
        "gin"
    }

    fn probes(&self) -> &'static [ProbeSpec] {
        GIN
    }

    #[cfg(bpf_built)]
    fn configure(&self, ro: &mut super::Rodata, report: &CheckReport) {
        ro.off_gin_context_fullpath = report.offsets.get(GIN_CONTEXT_FULLPATH).unwrap_or(0);
        ro.have_routes |= planned(report, ProbeId::GinRoute);
    }
}

impl Library for Echo {
    fn name(&self) -> &'static str {
        "echo"
    }

    fn probes(&self) -> &'static [ProbeSpec] {
        ECHO
    }

    #[cfg(bpf_built)]
    fn configure(&self, ro: &mut super::Rodata, report: &CheckReport) {
        ro.off_echo_context_path = report.offsets.get(ECHO_CONTEXT_PATH).unwrap_or(0);
        ro.have_routes |= planned(report, ProbeId::EchoRoute);
    }
}

/// 1 when the plan has the route probe `id` (the BPF half's `have_routes`).
#[cfg(bpf_built)]
fn planned(report: &CheckReport, id: ProbeId) -> u8 {
    report.probes.iter().any(|p| p.spec.id == id) as u8
}
