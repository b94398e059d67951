//! The Go hook runtime embedded in autotel (`go/` of the repository), and its extraction.
//!
//! The runtime is several Go modules: the core `autotel.dev/go`, one module per third-party
//! library (so that a user's build only requires what it instruments), and
//! `autotel.dev/go/logvalue`, which has one directory per shape of the OpenTelemetry Logs API
//! (`logvalue_module` picks the build's). It is written
//! once per content hash to `<cache>/runtime/<hash>/`, atomically (a temporary directory renamed
//! into place), and never modified afterwards, so concurrent builds can share it.

use std::path::{Path, PathBuf};

include!(concat!(env!("OUT_DIR"), "/runtime_files.rs"));

/// The module path of the core runtime module.
pub const CORE_MODULE: &str = "autotel.dev/go";
/// The package every main package imports: it boots the SDK from `OTEL_*`.
pub const SDK_PACKAGE: &str = "autotel.dev/go/sdk";
/// The module that names the Logs API's value types; the core requires it.
pub const LOGVALUE_MODULE: &str = "autotel.dev/go/logvalue";

/// The hash of the embedded runtime's files.
pub fn hash() -> &'static str {
    RUNTIME_HASH
}

/// One Go module of the runtime.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuntimeModule {
    pub path: String,
    /// Directory of the module, relative to the runtime root (`""` for the core module).
    pub dir: String,
    /// The module's go.sum lines.
    pub go_sum: String,
    /// Its `go` line: the oldest Go it builds with.
    pub go_version: Option<String>,
    /// Its go.mod's requirements: module path and version.
    pub requires: Vec<(String, String)>,
}

/// The runtime's modules, longest path first (so the first prefix match is the right module).
pub fn modules() -> Vec<RuntimeModule> {
    let mut modules: Vec<RuntimeModule> = RUNTIME_FILES
        .iter()
        .filter(|(path, _)| *path == "go.mod" || path.ends_with("/go.mod"))
        .filter_map(|(path, contents)| {
            let text = std::str::from_utf8(contents).ok()?;
            let module = text.lines().find_map(|l| l.trim().strip_prefix("module "))?.trim().trim_matches('"');
            let dir = path.strip_suffix("go.mod").unwrap_or("").trim_end_matches('/').to_string();
            let sum_path = if dir.is_empty() { "go.sum".to_string() } else { format!("{dir}/go.sum") };
            let go_sum = RUNTIME_FILES
                .iter()
                .find(|(p, _)| *p == sum_path)
                .map(|(_, c)| String::from_utf8_lossy(c).to_string())
                .unwrap_or_default();
            let go_version = text.lines().find_map(|l| l.trim().strip_prefix("go ")).map(|v| v.trim().to_string());
            let requires = crate::modfile::required_versions(text);
            Some(RuntimeModule { path: module.to_string(), dir, go_sum, go_version, requires })
        })
        .collect();
    modules.sort_by_key(|m| std::cmp::Reverse(m.path.len()));
    modules
}

/// The runtime module that provides package `import_path`, if any.
pub fn module_of<'m>(modules: &'m [RuntimeModule], import_path: &str) -> Option<&'m RuntimeModule> {
    modules
        .iter()
        .find(|m| import_path == m.path || import_path.strip_prefix(&m.path).is_some_and(|rest| rest.starts_with('/')))
}

/// The directory of `autotel.dev/go/logvalue` for the build's Logs API: `otellog-v1` when its
/// values are `attribute.Value` (otel/log v0.21.0 and later), else `otellog-v0`.
pub fn logvalue_module(modules: &[RuntimeModule], attribute_values: bool) -> &RuntimeModule {
    let dir = if attribute_values { "logvalue/otellog-v1" } else { "logvalue/otellog-v0" };
    modules.iter().find(|m| m.path == LOGVALUE_MODULE && m.dir == dir).expect("both logvalue directories are embedded")
}

/// Writes the runtime under `cache` unless it is already there; returns its root directory.
pub fn extract(cache: &Path) -> std::io::Result<PathBuf> {
    let parent = cache.join("runtime");
    let root = parent.join(RUNTIME_HASH);
    if root.join(".complete").exists() {
        return Ok(root);
    }
    std::fs::create_dir_all(&parent)?;
    let temp = parent.join(format!(".tmp-{}-{}", std::process::id(), RUNTIME_HASH));
    let _ = std::fs::remove_dir_all(&temp);
    for (path, contents) in RUNTIME_FILES {
        let target = temp.join(path);
        std::fs::create_dir_all(target.parent().expect("a file has a parent"))?;
        std::fs::write(&target, contents)?;
    }
    std::fs::write(temp.join(".complete"), b"")?;
    match std::fs::rename(&temp, &root) {
        Ok(()) => Ok(root),
        // Another build extracted the same runtime first.
        Err(_) if root.join(".complete").exists() => {
            let _ = std::fs::remove_dir_all(&temp);
            Ok(root)
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_core_module_is_embedded_with_its_sums() {
        let modules = modules();
        let core = modules.iter().find(|m| m.path == CORE_MODULE).expect("core module");
        assert_eq!(core.dir, "");
        assert!(core.go_sum.contains("go.opentelemetry.io/otel "), "go.sum lists the SDK");
        assert_eq!(module_of(&modules, SDK_PACKAGE).map(|m| m.path.as_str()), Some(CORE_MODULE));
        assert_eq!(module_of(&modules, "autotel.dev/gox"), None);
        assert!(core.requires.iter().any(|(p, v)| p == "go.opentelemetry.io/otel/sdk" && v == crate::otelalign::TRAINS[0].otel));
    }

    #[test]
    fn both_log_value_directories_are_embedded() {
        let modules = modules();
        assert!(logvalue_module(&modules, false).requires.iter().any(|(p, v)| p == "go.opentelemetry.io/otel/log" && v.starts_with("v0.")));
        assert!(logvalue_module(&modules, true).requires.iter().any(|(p, v)| p == "go.opentelemetry.io/otel" && v.starts_with("v1.")));
    }

    #[test]
    fn extraction_is_idempotent() {
        let cache = tempfile::tempdir().unwrap();
        let root = extract(cache.path()).unwrap();
        assert!(root.join("go.mod").exists());
        assert_eq!(extract(cache.path()).unwrap(), root);
    }
}
