//! Coverage builds (`-cover`, `-covermode`, `-coverpkg`): what autotel adds is never covered.
//!
//! The go command covers the packages of the user's graph that the user's patterns select (by
//! default the packages named on the command line, and for builds the main module's). Given the
//! same flags, the plan's `go list -export` of the hook closure would select among *its*
//! packages: the hook runtime, the OpenTelemetry SDK, whatever only autotel brings. Those then
//! showed in the user's coverage report (`go tool covdata percent`, the percentage `go test`
//! prints, `-coverprofile`), and under `-coverpkg=all` the test binary failed ("internal error in
//! coverage meta-data tracking"): a hook package's code can run before the package's own init
//! (the file added to package runtime hands `autotel.dev/go/gls` its accessor during runtime's
//! init), and a covered function that runs then counts for a package not yet registered.
//!
//! So the plan names the closure's packages the user's build covers, one by one, and covers
//! nothing else ([`Selection::covered`]). Where the go command builds hook packages itself (a
//! test binary imports them through the overlay, `hook_overlay.rs`), it covers what the user's
//! patterns match; there the toolexec proxy runs `cover` of a package only autotel brings in
//! registration-only mode ([`registration_only`]), the mode Go itself uses for packages whose
//! code may run before their init (the runtime's, under `-race`): no function is instrumented,
//! so nothing is counted or reported. The fingerprint holds that set, so an archive compiled so
//! is never reused where the package is the user's.

use crate::goflags::GoCommand;
use crate::golist::Package;
use serde::Deserialize;
use std::collections::BTreeSet;
use std::ffi::OsString;
use std::path::Path;

/// The build flags that ask for coverage.
pub const FLAGS: &[&str] = &["cover", "covermode", "coverpkg"];

/// The coverage a build asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// `-covermode`, if given.
    pub mode: Option<String>,
    /// `-coverpkg`'s patterns, if given (else the go command's default selection).
    pub patterns: Option<Vec<String>>,
}

impl Request {
    /// The request of a build whose effective flags are these (`-cover`, the values of
    /// `-covermode` and `-coverpkg`); `None` when it asks for no coverage. Either value flag
    /// turns coverage on, as it does for the go command.
    pub fn new(cover: bool, mode: Option<&str>, coverpkg: Option<&str>) -> Option<Request> {
        if !cover && mode.is_none() && coverpkg.is_none() {
            return None;
        }
        let patterns = coverpkg.map(|p| p.split(',').filter(|p| !p.is_empty()).map(str::to_string).collect());
        Some(Request { mode: mode.map(str::to_string), patterns })
    }

    /// Which packages of `closure` (the hook packages and their dependencies) the user's build
    /// covers, and which only autotel brings. `graph` is what `go list -deps` gave for the
    /// user's packages together with the hook runtime's roots (whose paths start with
    /// `runtime_prefix`); `cwd` the directory relative patterns are relative to.
    pub fn select(&self, command: GoCommand, cwd: &Path, graph: &[Package], runtime_prefix: &str, closure: &BTreeSet<String>) -> Selection {
        // A test main's own imports (testing's runner, os/signal) are not the user's: the go
        // command covers a test binary's tested packages and what they and their tests import.
        let is_test_main = |p: &Package| p.name == "main" && p.import_path.ends_with(".test");
        let is_root = |p: &Package| !p.dep_only && !p.import_path.starts_with(runtime_prefix) && !is_test_main(p);
        let roots: BTreeSet<&str> = graph.iter().filter(|p| is_root(p)).map(|p| plain_path(&p.import_path)).collect();
        let user_graph: BTreeSet<&str> =
            graph.iter().filter(|p| is_root(p)).flat_map(|p| p.deps.iter().map(String::as_str).chain([p.import_path.as_str()])).map(plain_path).collect();
        let selected = |p: &Package| match &self.patterns {
            Some(patterns) => patterns.iter().any(|pattern| matches_package(pattern, cwd, p)),
            None if command == GoCommand::Test => roots.contains(p.import_path.as_str()),
            None => roots.contains(p.import_path.as_str()) || p.module.as_ref().is_some_and(|m| m.main),
        };
        let covered = graph
            .iter()
            .filter(|p| closure.contains(&p.import_path) && user_graph.contains(p.import_path.as_str()) && p.import_path != "unsafe")
            .filter(|p| selected(p))
            .map(|p| p.import_path.clone())
            .collect();
        let registration_only = closure.iter().filter(|p| !user_graph.contains(p.as_str())).cloned().collect();
        Selection { covered, registration_only }
    }
}

/// What a coverage build does with the hook closure.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    /// The packages the user's build covers: the plan's build of the closure covers them.
    pub covered: BTreeSet<String>,
    /// The packages only autotel brings: covered nowhere.
    pub registration_only: BTreeSet<String>,
}

impl Selection {
    /// The coverage flags the hook closure's build gets in place of the user's: the user's mode
    /// and the covered packages by name, or none when nothing of the closure is covered.
    pub fn closure_flags(&self, request: &Request) -> Vec<String> {
        if self.covered.is_empty() {
            return Vec::new();
        }
        let mut flags: Vec<String> = request.mode.iter().map(|m| format!("-covermode={m}")).collect();
        flags.push(format!("-coverpkg={}", self.covered.iter().cloned().collect::<Vec<_>>().join(",")));
        flags
    }
}

/// The part of `cover`'s configuration (`-pkgcfg`, written by the go command) read here.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PackageConfig {
    pkg_path: String,
}

/// `cover`'s arguments (`-pkgcfg FILE -mode MODE -var … FILES`), with `-mode regonly` when the
/// package is one of `registration_only`.
pub fn registration_only(args: Vec<OsString>, registration_only: &BTreeSet<String>) -> Vec<OsString> {
    let value_of = |flag: &str| args.iter().position(|a| a == flag).map(|i| i + 1).filter(|&i| i < args.len());
    let (Some(config), Some(mode)) = (value_of("-pkgcfg"), value_of("-mode")) else { return args };
    let package = std::fs::read(&args[config]).ok().and_then(|json| serde_json::from_slice::<PackageConfig>(&json).ok());
    if !package.is_some_and(|p| registration_only.contains(&p.pkg_path)) {
        return args;
    }
    let mut args = args;
    args[mode] = "regonly".into();
    args
}

/// A test variant's (`pkg [pkg.test]`) package path.
fn plain_path(import_path: &str) -> &str {
    import_path.split_once(" [").map_or(import_path, |(path, _)| path)
}

/// Whether `-coverpkg` pattern `pattern` selects package `p`, as the go command decides
/// (cmd/go/internal/load.MatchPackage): `all` every package, `std` the standard library's,
/// relative patterns by directory, the rest by import path.
fn matches_package(pattern: &str, cwd: &Path, p: &Package) -> bool {
    match pattern {
        "all" => true,
        "std" => p.standard,
        "cmd" => p.standard && p.import_path.starts_with("cmd/"),
        _ if is_relative(pattern) => {
            let (dir, rest) = match pattern.find("...") {
                None => (pattern, ""),
                Some(i) => match pattern[..i].rfind('/') {
                    Some(j) => (&pattern[..j], &pattern[j + 1..]),
                    None => (".", pattern),
                },
            };
            let dir = normalize(&cwd.join(dir));
            let Ok(rel) = Path::new(&p.dir).strip_prefix(&dir) else { return false };
            let rel = rel.to_string_lossy();
            if rest.is_empty() {
                return rel.is_empty();
            }
            matches_path(rest, if rel.is_empty() { "." } else { &rel })
        }
        _ => matches_path(pattern, &p.import_path),
    }
}

/// Whether a pattern is relative to the current directory (cmd/go/internal/search.IsRelativePath).
fn is_relative(pattern: &str) -> bool {
    pattern.starts_with("./") || pattern.starts_with("../") || pattern == "." || pattern == ".."
}

/// `path` with its `.` and `..` elements resolved, without touching the file system.
fn normalize(path: &Path) -> std::path::PathBuf {
    let mut out = std::path::PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Import path pattern matching (cmd/go/internal/pkgpattern.MatchPattern): `...` matches any
/// string, and a trailing `/...` also matches the path before it (`net/...` matches `net`).
/// Go's special case for vendor directories does not arise for module packages.
fn matches_path(pattern: &str, path: &str) -> bool {
    if let Some(prefix) = pattern.strip_suffix("/...") {
        if !prefix.contains("...") && path == prefix {
            return true;
        }
    }
    wildcard(pattern.as_bytes(), path.as_bytes())
}

/// `pattern` against `text`, where `...` stands for any string.
fn wildcard(pattern: &[u8], text: &[u8]) -> bool {
    match pattern.windows(3).position(|w| w == b"...") {
        None => pattern == text,
        Some(i) => {
            if !text.starts_with(&pattern[..i]) {
                return false;
            }
            let rest = &pattern[i + 3..];
            (i..=text.len()).any(|start| wildcard(rest, &text[start..]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::golist::Module;

    fn package(path: &str, dir: &str, deps: &[&str]) -> Package {
        Package {
            import_path: path.into(),
            dir: dir.into(),
            standard: !path.contains('.'),
            deps: deps.iter().map(|d| d.to_string()).collect(),
            dep_only: true,
            ..Default::default()
        }
    }

    fn root(mut p: Package) -> Package {
        p.dep_only = false;
        p
    }

    fn main_module(mut p: Package) -> Package {
        p.module = Some(Module { path: "example.com/m".into(), main: true, ..Default::default() });
        p
    }

    /// A user's command and library, the hook runtime's root, and what each imports.
    fn graph() -> Vec<Package> {
        vec![
            root(main_module(package("example.com/m/cmd/a", "/m/cmd/a", &["example.com/m/lib", "net/http", "fmt", "github.com/lib/x"]))),
            main_module(package("example.com/m/lib", "/m/lib", &["fmt"])),
            package("net/http", "/go/src/net/http", &["fmt"]),
            package("fmt", "/go/src/fmt", &[]),
            package("github.com/lib/x", "/mod/x", &["fmt"]),
            root(package("autotel.dev/go/sdk", "/rt/sdk", &["regexp", "net/http", "autotel.dev/go/gls", "go.opentelemetry.io/otel"])),
            package("regexp", "/go/src/regexp", &[]),
            package("autotel.dev/go/gls", "/rt/gls", &[]),
            package("go.opentelemetry.io/otel", "/mod/otel", &[]),
        ]
    }

    fn closure() -> BTreeSet<String> {
        ["autotel.dev/go/sdk", "autotel.dev/go/gls", "regexp", "net/http", "fmt", "go.opentelemetry.io/otel", "github.com/lib/x", "example.com/m/lib"]
            .map(String::from)
            .into()
    }

    fn select(command: GoCommand, cover: bool, coverpkg: Option<&str>) -> Selection {
        let request = Request::new(cover, None, coverpkg).expect("coverage asked for");
        request.select(command, Path::new("/m/cmd"), &graph(), "autotel.dev/", &closure())
    }

    fn covered(command: GoCommand, cover: bool, coverpkg: Option<&str>) -> Vec<String> {
        select(command, cover, coverpkg).covered.into_iter().collect()
    }

    #[test]
    fn coverpkg_all_covers_the_users_packages_of_the_closure_and_nothing_only_autotel_brings() {
        let selection = select(GoCommand::Test, false, Some("all"));
        assert_eq!(Vec::from_iter(selection.covered), ["example.com/m/lib", "fmt", "github.com/lib/x", "net/http"]);
        assert_eq!(Vec::from_iter(selection.registration_only), ["autotel.dev/go/gls", "autotel.dev/go/sdk", "go.opentelemetry.io/otel", "regexp"]);
        assert_eq!(covered(GoCommand::Build, true, Some("std")), ["fmt", "net/http"]);
    }

    #[test]
    fn patterns_select_by_import_path_or_directory() {
        assert_eq!(covered(GoCommand::Build, false, Some("net/...")), ["net/http"]);
        assert_eq!(covered(GoCommand::Build, false, Some("github.com/...,fm...")), ["fmt", "github.com/lib/x"]);
        assert_eq!(covered(GoCommand::Build, false, Some("../...")), ["example.com/m/lib"]);
        assert_eq!(covered(GoCommand::Build, false, Some("../lib")), ["example.com/m/lib"]);
        assert!(covered(GoCommand::Build, false, Some("./...")).is_empty(), "cmd/a is not in the closure");
    }

    #[test]
    fn without_coverpkg_builds_cover_the_main_module_and_tests_the_tested_packages() {
        assert_eq!(covered(GoCommand::Build, true, None), ["example.com/m/lib"]);
        assert!(covered(GoCommand::Test, true, None).is_empty());
    }

    #[test]
    fn no_flags_no_request_and_an_empty_selection_gives_no_flags() {
        assert_eq!(Request::new(false, None, None), None);
        let request = Request::new(false, Some("atomic"), None).unwrap();
        assert!(Selection::default().closure_flags(&request).is_empty());
        let selection = Selection { covered: ["fmt", "net/http"].map(String::from).into(), ..Default::default() };
        assert_eq!(selection.closure_flags(&request), ["-covermode=atomic", "-coverpkg=fmt,net/http"]);
    }

    #[test]
    fn cover_runs_in_registration_only_mode_for_the_packages_only_autotel_brings() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("pkgcfg.txt");
        let args = |mode: &str| -> Vec<OsString> {
            ["-pkgcfg", config.to_str().unwrap(), "-mode", mode, "-var", "goCover_x_", "-outfilelist", "out.txt", "a.go"].map(OsString::from).to_vec()
        };
        let only: BTreeSet<String> = ["autotel.dev/go/gls".to_string()].into();
        std::fs::write(&config, r#"{"PkgPath":"autotel.dev/go/gls","PkgName":"gls","Granularity":"perblock"}"#).unwrap();
        assert_eq!(registration_only(args("set"), &only), args("regonly"));
        std::fs::write(&config, r#"{"PkgPath":"net/http","PkgName":"http","Granularity":"perblock"}"#).unwrap();
        assert_eq!(registration_only(args("atomic"), &only), args("atomic"));
        std::fs::remove_file(&config).unwrap();
        assert_eq!(registration_only(args("set"), &only), args("set"), "an unreadable configuration changes nothing");
    }

    #[test]
    fn path_patterns_follow_the_go_command() {
        assert!(matches_path("net/...", "net"));
        assert!(matches_path("net/...", "net/http/httptest"));
        assert!(!matches_path("net/...", "netip"));
        assert!(matches_path("...", "anything/at/all"));
        assert!(matches_path("a/.../b", "a/x/y/b"));
        assert!(!matches_path("a/.../b", "a/x/y/c"));
        assert!(matches_path("fmt", "fmt"));
        assert!(!matches_path("fmt", "fmt/x"));
    }
}
