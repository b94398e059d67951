//! The runtime's goroutine creation (`runtime.newproc1`, probed at newproc's call of `runqput`):
//! every goroutine inherits its creator's span context, so spans of every other library join
//! the right trace without `ctx`. It has no `OTEL_GO_*_INSTRUMENTATIONS` switch of its own
//! (`runtime` is always allowed) and produces no span. BPF side: `bpf/lib/goroutines.bpf.h`
//! (its offsets, `runtime.g.goid`/`g.m`/`m.curg`, are the common configuration set by
//! `session`, since every program reads the goroutine id).

use super::{Analysis, Library};
use crate::offsets::*;
use crate::plan::{PlannedProbe, SkippedProbe};
use crate::probes::{ProbeId, ProbeSpec};

pub struct Goroutines;

pub(crate) const PROBES: &[ProbeSpec] = &[
    ProbeSpec {
        id: ProbeId::Goroutines,
        programs: ("newproc_runqput", None),
        instrumentation: "runtime",
        what: "goroutine ancestry (spans in child goroutines join their parent's trace)",
        function: "runtime.newproc.func1",
        also: &[],
        fields: &[G_GOID, G_M, M_CURG],
        ignore_calls_from: None,
        at_calls_to: Some("runtime.runqput"),
        also_calls_to: &[],
        exit_at_calls: None,
    },
];

impl Library for Goroutines {
    fn name(&self) -> &'static str {
        "runtime"
    }

    fn probes(&self) -> &'static [ProbeSpec] {
        PROBES
    }

    fn review(&self, planned: &mut [PlannedProbe], _: &[SkippedProbe], _: &Analysis) -> Vec<String> {
        if planned.iter().any(|p| p.spec.id == ProbeId::Goroutines) {
            return Vec::new();
        }
        vec!["without the goroutine probe, spans started in child goroutines start new traces".into()]
    }
}
