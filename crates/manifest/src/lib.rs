//! The manifest autotel embeds in every program it links: what the program was instrumented
//! with (autotel's version, the Go release, each instrumented package with its module version
//! and instrumentations, the user's rule files), read back by `autotel inspect`.
//!
//! The toolexec proxy sets it at link time (`-X`) on a string variable of the SDK bootstrap
//! (`go/sdk/manifest.go`), which keeps it reachable. The linker stores a string's bytes as they
//! are, so the manifest is found in the executable's bytes by its marker: stripped binaries
//! (`-s -w`, no symbol table) keep it too. It is JSON after the marker; whatever follows the
//! JSON value in the file is not part of it.
//!
//! The manifest holds nothing that differs between two builds of the same inputs (no time, no
//! state directory): the link's output stays reproducible and its cache entry valid.

use serde::{Deserialize, Serialize};
use std::path::Path;

/// What precedes the JSON in the executable.
pub const MARKER: &str = "autotel-manifest/v1:";

/// The variable the link sets (`go/sdk/manifest.go`).
pub const VARIABLE: &str = "autotel.dev/go/sdk.manifest";

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    /// autotel's version.
    pub autotel: String,
    /// The Go release that built the program (`go1.26.8`).
    pub go: String,
    /// The instrumented packages the program links, by import path.
    pub instrumented: Vec<Instrumented>,
    /// The file names of the user's rule files (`autotel go --rules FILE`), in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub user_rules: Vec<String>,
}

/// One package autotel rewrote.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Instrumented {
    pub package: String,
    /// Its module's path and version; `None` for the standard library.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub module: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The instrumentations (rule files, by their `OTEL_GO_*_INSTRUMENTATIONS` name) whose
    /// rules apply to it.
    pub instrumentations: Vec<String>,
}

impl Manifest {
    /// The value of the `-X` definition: the marker and the JSON.
    pub fn encode(&self) -> String {
        format!("{MARKER}{}", serde_json::to_string(self).expect("a manifest serializes"))
    }

    /// The manifest in an executable's bytes: the first marker followed by a valid manifest.
    pub fn find(bytes: &[u8]) -> Option<Manifest> {
        let marker = MARKER.as_bytes();
        let mut from = 0;
        while let Some(at) = memchr::memmem::find(&bytes[from..], marker) {
            let json = &bytes[from + at + marker.len()..];
            if let Some(Ok(manifest)) = serde_json::Deserializer::from_slice(json).into_iter::<Manifest>().next() {
                return Some(manifest);
            }
            from += at + marker.len();
        }
        None
    }

    /// The manifest of the executable at `path`; `Ok(None)` when it has none (not linked by
    /// `autotel go build`).
    pub fn read(path: &Path) -> std::io::Result<Option<Manifest>> {
        Ok(Self::find(&std::fs::read(path)?))
    }
}

/// "instrumented by autotel V (goV):", then one line per instrumented package (import path,
/// module version or "standard library", instrumentations) and the user's rule files.
impl std::fmt::Display for Manifest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "instrumented by autotel {} ({}):", self.autotel, self.go)?;
        let width = self.instrumented.iter().map(|i| i.package.len()).max().unwrap_or(0);
        for i in &self.instrumented {
            let version = match (&i.module, &i.version) {
                (None, _) => "standard library".to_string(),
                (Some(module), Some(version)) if *module == i.package || i.package.starts_with(&format!("{module}/")) => version.clone(),
                (Some(module), version) => format!("{module} {}", version.as_deref().unwrap_or("(no version)")),
            };
            writeln!(f, "  {:width$}  {version:16}  {}", i.package, i.instrumentations.join(", "))?;
        }
        if !self.user_rules.is_empty() {
            writeln!(f, "user rule files: {}", self.user_rules.join(", "))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest() -> Manifest {
        Manifest {
            autotel: "0.1.0".into(),
            go: "go1.26.8".into(),
            instrumented: vec![
                Instrumented { package: "net/http".into(), module: None, version: None, instrumentations: vec!["nethttp".into()] },
                Instrumented {
                    package: "github.com/gin-gonic/gin".into(),
                    module: Some("github.com/gin-gonic/gin".into()),
                    version: Some("v1.12.0".into()),
                    instrumentations: vec!["gin".into()],
                },
            ],
            user_rules: vec!["extra.yaml".into()],
        }
    }

    #[test]
    fn found_among_other_bytes_with_no_end_marker() {
        let m = manifest();
        let mut bytes = b"\x7fELF\0\0 some rodata go:string.* ".to_vec();
        bytes.extend(m.encode().as_bytes());
        bytes.extend(b"runtime.gcstring\0\x01\x02{\"not\": \"it\"}");
        assert_eq!(Manifest::find(&bytes), Some(m));
    }

    #[test]
    fn a_marker_without_a_manifest_is_skipped() {
        // autotel's own executable holds the marker as a constant, followed by other data.
        let m = manifest();
        let mut bytes = format!("{MARKER}the next constant{MARKER}{{\"autotel\": 1}}").into_bytes();
        bytes.extend(m.encode().as_bytes());
        assert_eq!(Manifest::find(&bytes), Some(m));
        assert_eq!(Manifest::find(format!("{MARKER}garbage").as_bytes()), None);
        assert_eq!(Manifest::find(b"no marker at all"), None);
    }

    #[test]
    fn the_encoding_has_no_quote_a_go_flag_would_need() {
        // The -X value is one argv word: no shell, no quoting; JSON escapes control characters.
        let mut m = manifest();
        m.user_rules = vec!["we\"ird\nname.yaml".into()];
        let encoded = m.encode();
        assert!(!encoded.contains('\n'));
        assert_eq!(Manifest::find(encoded.as_bytes()), Some(m));
    }
}
