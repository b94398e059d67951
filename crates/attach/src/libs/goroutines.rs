//! The runtime's goroutine creation (`runtime.newproc1`, probed at newproc's call of `runqput`):
//! every goroutine inherits its creator's span context, so spans of every other library join
//! the right trace without `ctx`. It has no `OTEL_GO_*_INSTRUMENTATIONS` switch of its own
//! (`runtime` is always allowed) and produces no span. BPF side: `bpf/lib/goroutines.bpf.h`
//! (`runtime.g.goid` is the common configuration set by `session`, since every program reads
//! the goroutine id; `g.parentGoid`, the creator's id in the new goroutine, is this library's:
//! one user read gives the probe both ids).

use super::{Analysis, Library};
use crate::offsets::*;
use crate::plan::{PlannedProbe, SkippedProbe};
use crate::probes::{ProbeId, ProbeSpec};

pub struct Goroutines;

/// The most bytes of `runtime.g` the probe reads to get both ids (`G_IDS_WINDOW` in
/// `bpf/lib/goroutines.bpf.h`, which a test holds equal): `goid` and `parentGoid` must lie
/// within it.
const G_IDS_WINDOW: u64 = 256;

/// The bytes from the first of `goid` and `parentGoid` to the end of the other.
fn ids_span(goid: u64, parent_goid: u64) -> u64 {
    goid.abs_diff(parent_goid) + 8
}

pub(crate) const PROBES: &[ProbeSpec] = &[
    ProbeSpec {
        id: ProbeId::Goroutines,
        programs: ("newproc_runqput", None),
        instrumentation: "runtime",
        what: "goroutine ancestry (spans in child goroutines join their parent's trace)",
        function: "runtime.newproc.func1",
        also: &[],
        fields: &[G_GOID, G_PARENTGOID],
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

    fn review(&self, planned: &mut [PlannedProbe], _: &mut Vec<SkippedProbe>, analysis: &Analysis) -> Vec<String> {
        if !planned.iter().any(|p| p.spec.id == ProbeId::Goroutines) {
            return vec!["without the goroutine probe, spans started in child goroutines start new traces".into()];
        }
        match (analysis.offsets.get(G_GOID), analysis.offsets.get(G_PARENTGOID)) {
            (Some(goid), Some(parent)) if ids_span(goid, parent) > G_IDS_WINDOW => vec![format!(
                "runtime.g.goid and parentGoid are {} bytes apart in this Go release, more than the goroutine probe \
                 reads ({G_IDS_WINDOW}): spans started in child goroutines start new traces; please report it",
                goid.abs_diff(parent)
            )],
            _ => Vec::new(),
        }
    }

    #[cfg(bpf_built)]
    fn configure(&self, ro: &mut super::Rodata, report: &crate::plan::CheckReport) {
        ro.off_g_parentgoid = report.offsets.get(G_PARENTGOID).unwrap_or(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::offsets::Table;

    /// For every Go release the table was generated with, the offsets attach would use for a
    /// stripped binary of it (`Table::lookup_std`) put both ids within the probe's window.
    #[test]
    fn every_go_release_in_the_table_has_both_ids_within_the_window() {
        let table = Table::embedded();
        let goid = table.fields.iter().find(|e| e.module == "std" && e.strukt == "runtime.g" && e.field == "goid");
        let releases: Vec<&String> = goid.expect("offsets.json has runtime.g.goid").values.iter().flat_map(|v| &v.versions).collect();
        assert!(!releases.is_empty());
        for release in releases {
            let (goid, _) = table.lookup_std(&G_GOID, release).expect("the release's own goid entry");
            let parent = table.lookup_std(&G_PARENTGOID, release);
            let (parent, _) = parent.unwrap_or_else(|| panic!("offsets.json has no runtime.g.parentGoid for {release}"));
            assert!(ids_span(goid, parent) <= G_IDS_WINDOW, "{release}: goid {goid}, parentGoid {parent}");
        }
    }

    /// The window checked here is the one the BPF probe reads.
    #[test]
    fn the_window_is_the_probes() {
        let header = include_str!("../../bpf/lib/goroutines.bpf.h");
        let define = format!("#define G_IDS_WINDOW {G_IDS_WINDOW}\n");
        assert!(header.contains(&define), "bpf/lib/goroutines.bpf.h does not say `{}`", define.trim_end());
    }
}
