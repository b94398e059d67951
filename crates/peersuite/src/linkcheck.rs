//! Proof that the comparison compared something: the test binary of a probe package, built with
//! `autotel go test -c`, must contain the hook symbol (`go tool nm`) and the plain one must not.
//! The same pair of binaries gives the dependency versions each side linked, so every module
//! version autotel moved is reported. Test binaries carry no dependency list (`go version -m`
//! shows only `path`, `mod` and `build` lines), so the versions are read from the source file
//! names the binary keeps for stack traces: `GOMODCACHE/MODULE@VERSION/file.go`.

use crate::gocmd::{GoCommand, Side};
use crate::suites::HookProbe;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Debug, thiserror::Error)]
pub enum LinkCheckError {
    #[error("{side} `go test -c {package}` failed:\n{output}")]
    Build { side: &'static str, package: String, output: String },
    #[error("`go {tool}` on {binary}: {detail}")]
    Inspect { tool: String, binary: String, detail: String },
}

/// What one probe found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeResult {
    pub package: String,
    pub symbol: String,
    /// The symbol is in the autotel test binary.
    pub linked: bool,
    /// The symbol is in the plain test binary (it must not be).
    pub in_plain: bool,
    /// Why the autotel test binary could not be built (first lines).
    pub build_error: Option<String>,
}

/// A module whose version differs between the plain and the autotel binary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Moved {
    pub module: String,
    /// `None`: absent on that side.
    pub plain: Option<String>,
    pub autotel: Option<String>,
}

impl Moved {
    /// OpenTelemetry's own modules may move (design invariant 7: then reported, not failed).
    pub fn is_opentelemetry(&self) -> bool {
        self.module.starts_with("go.opentelemetry.io/")
    }
}

/// Everything the probes of one suite found.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LinkCheck {
    pub probes: Vec<ProbeResult>,
    /// Modules of the plain binaries whose version changed or that vanished under autotel.
    pub moved: Vec<Moved>,
    /// Modules only the autotel binaries link (the hook runtime, the OpenTelemetry SDK, …).
    pub added: Vec<String>,
    /// How many probe binaries built on both sides: `moved` and `added` compare those only.
    pub compared_binaries: usize,
}

impl LinkCheck {
    pub fn hooks_linked(&self) -> bool {
        !self.probes.is_empty() && self.probes.iter().all(|p| p.linked && !p.in_plain)
    }
}

/// Builds each probe's test binary on both sides into `out` and inspects them. A plain build
/// that fails is an error (the suite cannot be judged); an autotel build that fails is a finding:
/// the hooks are not linked, and the probe carries the build's first lines.
pub fn check(go: &GoCommand, module_dir: &Path, flags: &[String], probes: &[HookProbe], out: &Path) -> Result<LinkCheck, LinkCheckError> {
    let mut result = LinkCheck::default();
    let module_cache = go_env("GOMODCACHE")?;
    let mut plain_modules = BTreeMap::new();
    let mut autotel_modules = BTreeMap::new();
    for (index, probe) in probes.iter().enumerate() {
        let plain = build(go, Side::Plain, module_dir, flags, &probe.package, &out.join(format!("probe{index}-plain.test")))?;
        let autotel = build(go, Side::Autotel, module_dir, flags, &probe.package, &out.join(format!("probe{index}-autotel.test")));
        let in_plain = has_symbol(&go_tool(&["tool", "nm"], &plain)?, &probe.symbol);
        let (linked, build_error) = match autotel {
            Ok(binary) => {
                result.compared_binaries += 1;
                plain_modules.extend(modules_in_binary(&read(&plain)?, &module_cache));
                autotel_modules.extend(modules_in_binary(&read(&binary)?, &module_cache));
                (has_symbol(&go_tool(&["tool", "nm"], &binary)?, &probe.symbol), None)
            }
            Err(LinkCheckError::Build { output, .. }) => (false, Some(output.lines().take(crate::compare::EXCERPT_LINES).collect::<Vec<_>>().join("\n"))),
            Err(other) => return Err(other),
        };
        result.probes.push(ProbeResult { package: probe.package.clone(), symbol: probe.symbol.clone(), linked, in_plain, build_error });
    }
    (result.moved, result.added) = moved(&plain_modules, &autotel_modules);
    Ok(result)
}

/// `go test -c -o BINARY FLAGS PACKAGE` on one side.
fn build(go: &GoCommand, side: Side, module_dir: &Path, flags: &[String], package: &str, binary: &Path) -> Result<PathBuf, LinkCheckError> {
    let mut args = vec!["test".to_string(), "-c".into(), "-o".into(), binary.display().to_string()];
    args.extend(flags.iter().cloned());
    args.push(package.to_string());
    let error = |output: String| LinkCheckError::Build { side: side.name(), package: package.to_string(), output };
    let out = go.command(side, module_dir, &args).output().map_err(|e| error(e.to_string()))?;
    if !out.status.success() {
        return Err(error(format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))));
    }
    Ok(binary.to_path_buf())
}

fn read(binary: &Path) -> Result<Vec<u8>, LinkCheckError> {
    std::fs::read(binary).map_err(|e| LinkCheckError::Inspect { tool: "read".into(), binary: binary.display().to_string(), detail: e.to_string() })
}

fn go_env(name: &str) -> Result<String, LinkCheckError> {
    let out = Command::new("go").args(["env", name]).output();
    match out {
        Ok(out) if out.status.success() => Ok(String::from_utf8_lossy(&out.stdout).trim().to_string()),
        Ok(out) => Err(LinkCheckError::Inspect { tool: format!("env {name}"), binary: String::new(), detail: String::from_utf8_lossy(&out.stderr).into_owned() }),
        Err(e) => Err(LinkCheckError::Inspect { tool: format!("env {name}"), binary: String::new(), detail: e.to_string() }),
    }
}

fn go_tool(args: &[&str], binary: &Path) -> Result<String, LinkCheckError> {
    let error = |detail: String| LinkCheckError::Inspect { tool: args.join(" "), binary: binary.display().to_string(), detail };
    let out = Command::new("go").args(args).arg(binary).output().map_err(|e| error(e.to_string()))?;
    if !out.status.success() {
        return Err(error(String::from_utf8_lossy(&out.stderr).into_owned()));
    }
    String::from_utf8(out.stdout).map_err(|e| error(e.to_string()))
}

/// Whether `go tool nm` output defines `symbol` (`ADDRESS TYPE NAME`, type not `U`).
pub fn has_symbol(nm: &str, symbol: &str) -> bool {
    nm.lines().any(|line| {
        let mut fields = line.split_whitespace();
        matches!((fields.next(), fields.next(), fields.next()), (Some(_), Some(kind), Some(name)) if kind != "U" && name == symbol)
    })
}

/// Module path → version of every module-cache source file named in `binary`
/// (`MODULE_CACHE/MODULE@VERSION/…`, with the module cache's `!x` escape for `X` undone).
pub fn modules_in_binary(binary: &[u8], module_cache: &str) -> BTreeMap<String, String> {
    let prefix = format!("{}/", module_cache.trim_end_matches('/'));
    let prefix = prefix.as_bytes();
    let mut modules = BTreeMap::new();
    let mut at = 0;
    while let Some(found) = find(&binary[at..], prefix) {
        let start = at + found + prefix.len();
        let end = binary[start..].iter().position(|b| !b.is_ascii_graphic()).map_or(binary.len(), |n| start + n);
        at = start;
        let Ok(text) = std::str::from_utf8(&binary[start..end]) else { continue };
        let Some((module, rest)) = text.split_once('@') else { continue };
        let Some(version) = rest.split('/').next().filter(|v| v.starts_with('v')) else { continue };
        if module.starts_with("cache/") {
            continue;
        }
        modules.insert(unescape(module), unescape(version));
    }
    modules
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Undoes the module cache's case encoding (`!a` → `A`).
fn unescape(path: &str) -> String {
    let mut out = String::new();
    let mut bang = false;
    for c in path.chars() {
        match (bang, c) {
            (false, '!') => bang = true,
            (true, c) => {
                out.extend(c.to_uppercase());
                bang = false;
            }
            (false, c) => out.push(c),
        }
    }
    out
}

/// The modules of `plain` whose version differs under autotel (or that are gone), and the
/// modules only `autotel` has.
pub fn moved(plain: &BTreeMap<String, String>, autotel: &BTreeMap<String, String>) -> (Vec<Moved>, Vec<String>) {
    let moved = plain
        .iter()
        .filter(|(module, version)| autotel.get(*module) != Some(version))
        .map(|(module, version)| Moved { module: module.clone(), plain: Some(version.clone()), autotel: autotel.get(module).cloned() })
        .collect();
    let added = autotel.keys().filter(|m| !plain.contains_key(*m)).cloned().collect();
    (moved, added)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nm_lines_define_or_reference_a_symbol() {
        let nm = "  4a1b20 T autotel.dev/go/hooks/gin.handleEnter\n  4a1c00 T autotel.dev/go/hooks/gin.handleEnter.func1\n         U autotel.dev/go/hooks/echo.findEnter\n";
        let cases = [("autotel.dev/go/hooks/gin.handleEnter", true), ("autotel.dev/go/hooks/gin.handleExit", false), ("autotel.dev/go/hooks/echo.findEnter", false)];
        for (symbol, expected) in cases {
            assert_eq!(has_symbol(nm, symbol), expected, "{symbol}");
        }
    }

    #[test]
    fn module_versions_from_the_file_names_in_a_binary() {
        let binary = b"\x00\x01/m/pkg/mod/golang.org/x/sys@v0.30.0/unix/syscall.go\x00junk/m/pkg/mod/github.com/!burnt!sushi/toml@v1.2.0/decode.go\x00/m/pkg/mod/golang.org/x/sys@v0.30.0/cpu/cpu.go\x00/m/pkg/mod/cache/download/x@v1/y\x00/usr/local/go/src/fmt/print.go";
        let modules = modules_in_binary(binary, "/m/pkg/mod");
        let text: Vec<String> = modules.iter().map(|(m, v)| format!("{m} {v}")).collect();
        assert_eq!(text, ["github.com/BurntSushi/toml v1.2.0", "golang.org/x/sys v0.30.0"]);
    }

    #[test]
    fn moved_and_added_modules() {
        let map = |pairs: &[(&str, &str)]| pairs.iter().map(|(m, v)| (m.to_string(), v.to_string())).collect::<BTreeMap<_, _>>();
        let plain = map(&[("golang.org/x/sys", "v0.30.0"), ("github.com/a/b", "v1.0.0"), ("go.opentelemetry.io/otel", "v1.30.0")]);
        let autotel = map(&[("golang.org/x/sys", "v0.35.0"), ("github.com/a/b", "v1.0.0"), ("go.opentelemetry.io/otel", "v1.38.0"), ("go.opentelemetry.io/otel/sdk", "v1.38.0")]);
        let (moved, added) = moved(&plain, &autotel);
        let text: Vec<String> = moved.iter().map(|m| format!("{} {:?} {:?} {}", m.module, m.plain, m.autotel, m.is_opentelemetry())).collect();
        assert_eq!(text, [r#"go.opentelemetry.io/otel Some("v1.30.0") Some("v1.38.0") true"#, r#"golang.org/x/sys Some("v0.30.0") Some("v0.35.0") false"#]);
        assert_eq!(added, ["go.opentelemetry.io/otel/sdk"]);
    }
}
