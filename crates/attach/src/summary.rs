//! What attach would trace in a binary, as data for scripts (`autotel inspect --json` on a
//! program not built by autotel): the part of [`CheckReport`] a user acts on, without file
//! offsets and struct layouts.

use crate::plan::CheckReport;
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct Summary {
    /// The Go release that built the binary (`go1.26.8`).
    pub go_version: String,
    /// No symbol table (`-s`): attach finds functions through `.gopclntab`.
    pub stripped: bool,
    /// The calls attach would trace.
    pub traced: Vec<Traced>,
    /// The calls it would not, and why.
    pub not_traced: Vec<NotTraced>,
    /// Linked libraries build mode instruments and attach does not.
    pub not_yet: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Traced {
    /// Its `OTEL_GO_*_INSTRUMENTATIONS` name.
    pub instrumentation: String,
    pub what: String,
    pub function: String,
}

#[derive(Debug, Serialize)]
pub struct NotTraced {
    pub instrumentation: String,
    pub what: String,
    pub reason: String,
}

impl CheckReport {
    pub fn summary(&self) -> Summary {
        Summary {
            go_version: self.build_info.go_version.clone(),
            stripped: self.stripped_symbols,
            traced: self
                .probes
                .iter()
                .map(|p| Traced { instrumentation: p.spec.instrumentation.into(), what: p.spec.what.into(), function: p.func.name.clone() })
                .collect(),
            not_traced: self
                .skipped
                .iter()
                .map(|s| NotTraced { instrumentation: s.spec.instrumentation.into(), what: s.spec.what.into(), reason: s.reason.clone() })
                .collect(),
            not_yet: self.not_yet.clone(),
        }
    }
}
