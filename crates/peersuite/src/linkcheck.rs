//! Proof that the comparison compared something: the test binary of a probe package, built with
//! `autotel go test -c`, must contain the hook symbol (`go tool nm`) and the plain one must not.
//! The same pair of binaries gives the dependency versions each side linked (`go version -m`),
//! so every module version autotel moved is reported.

use crate::gocmd::{GoCommand, Side};
use crate::suites::HookProbe;
use serde::Serialize;
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
#[derive(Debug, Clone, PartialEq, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
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
    let mut plain_modules = BTreeMap::new();
    let mut autotel_modules = BTreeMap::new();
    for (index, probe) in probes.iter().enumerate() {
        let plain = build(go, Side::Plain, module_dir, flags, &probe.package, &out.join(format!("probe{index}-plain.test")))?;
        let autotel = build(go, Side::Autotel, module_dir, flags, &probe.package, &out.join(format!("probe{index}-autotel.test")));
        let in_plain = has_symbol(&go_tool(&["tool", "nm"], &plain)?, &probe.symbol);
        let (linked, build_error) = match autotel {
            Ok(binary) => {
                result.compared_binaries += 1;
                plain_modules.extend(parse_build_info(&go_tool(&["version", "-m"], &plain)?));
                autotel_modules.extend(parse_build_info(&go_tool(&["version", "-m"], &binary)?));
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

/// Module path → version from `go version -m` (a `=>` replacement line gives the version used).
pub fn parse_build_info(text: &str) -> BTreeMap<String, String> {
    let mut modules = BTreeMap::new();
    let mut last = None;
    for line in text.lines() {
        let fields: Vec<&str> = line.split('\t').filter(|f| !f.is_empty()).collect();
        match fields.as_slice() {
            ["dep", path, version, ..] => {
                modules.insert(path.to_string(), version.to_string());
                last = Some(path.to_string());
            }
            ["=>", path, version, ..] => {
                if let Some(module) = &last {
                    modules.insert(module.clone(), format!("=> {path} {version}"));
                }
            }
            ["=>", path] => {
                if let Some(module) = &last {
                    modules.insert(module.clone(), format!("=> {path}"));
                }
            }
            _ => last = None,
        }
    }
    modules
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
    fn build_info_moved_and_added_modules() {
        let plain = parse_build_info(
            "/x/p.test: go1.26.8\n\tpath\tgithub.com/gin-gonic/gin.test\n\tmod\tgithub.com/gin-gonic/gin\t(devel)\t\n\tdep\tgolang.org/x/sys\tv0.30.0\th1:a=\n\tdep\tgithub.com/a/b\tv1.0.0\th1:b=\n\tdep\tgo.opentelemetry.io/otel\tv1.30.0\th1:c=\n\tbuild\t-compiler=gc\n",
        );
        let autotel = parse_build_info(
            "/x/a.test: go1.26.8\n\tdep\tgolang.org/x/sys\tv0.35.0\th1:d=\n\tdep\tgithub.com/a/b\tv1.0.0\th1:b=\n\tdep\tgo.opentelemetry.io/otel\tv1.38.0\th1:e=\n\tdep\tautotel.dev/go\tv0.0.0\n\t=>\t/cache/runtime/1\t\n",
        );
        assert_eq!(autotel["autotel.dev/go"], "=> /cache/runtime/1");
        let (moved, added) = moved(&plain, &autotel);
        let text: Vec<String> = moved.iter().map(|m| format!("{} {:?} {:?} {}", m.module, m.plain, m.autotel, m.is_opentelemetry())).collect();
        assert_eq!(text, [r#"go.opentelemetry.io/otel Some("v1.30.0") Some("v1.38.0") true"#, r#"golang.org/x/sys Some("v0.30.0") Some("v0.35.0") false"#]);
        assert_eq!(added, ["autotel.dev/go"]);
    }
}
