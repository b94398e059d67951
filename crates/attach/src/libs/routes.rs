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
    }
}
