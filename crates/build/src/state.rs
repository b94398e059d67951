//! The build state directory: what the plan hands to every `autotel toolexec` process.
//!
//! One directory per `autotel go …` run, outside the user's tree, named by `AUTOTEL_STATE` in the
//! go command's environment (which the go command passes to its tools). Layout:
//!
//! - `build.json`: [`BuildState`], read only by compiles that instrument something and by links;
//! - `pkg/<key>.json`: [`PackageRules`] for each package that has rules, so the toolexec answer
//!   for an idle package is one failed `stat` and nothing is parsed;
//! - `go.mod`, `go.sum` (or `go.work`, `go.work.sum`): the alternate module files;
//! - `overlay.json`, `overlay/`: the overlay that adds the hook imports to the main module's
//!   programs (`hook_overlay.rs`);
//! - `progress`: one byte appended per compile (`i` when instrumented), for the progress line.
//!
//! Beside the state directories, `<cache>/tool-versions/` outlives the runs (`tool_version.rs`).
//!
//! This is an IPC boundary, so these types are serializable; nothing else in the crate is.

use manifest::Instrumented;
use rules::FileId;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The environment variable naming the state directory.
pub const STATE_ENV: &str = "AUTOTEL_STATE";
/// Set when the user asked for autotel's own messages (`-v`, `-x`, or by the user directly).
pub const VERBOSE_ENV: &str = "AUTOTEL_VERBOSE";
/// The environment variable holding the build cache fingerprint for `-V=full`.
pub const FINGERPRINT_ENV: &str = "AUTOTEL_FINGERPRINT";

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct BuildState {
    /// The user's own rule files, in order (their `FileId::User` indexes).
    pub user_rule_files: Vec<PathBuf>,
    /// How each program of the build gets its hook packages, by [`program_key`].
    pub programs: BTreeMap<String, HookImports>,
    /// The hook packages of a program the plan did not see (every hook package of the build:
    /// the SDK bootstrap and one per matched library).
    pub all_hook_packages: Vec<String>,
    /// Export archive of every package in the closure of `all_hook_packages`.
    pub archives: BTreeMap<String, PathBuf>,
    /// Rules for every main package (`target: main`).
    pub main_rules: Vec<RuleRef>,
    /// The build tags the build context satisfies, for the `//go:build` lines of added files.
    pub build_tags: Vec<String>,
    /// The Go release of the build (`go1.26.8`), for the manifest.
    #[serde(default)]
    pub go_version: String,
    /// Every package of the build that rules apply to; the link embeds those its program links
    /// (crates/manifest).
    #[serde(default)]
    pub instrumented: Vec<Instrumented>,
    /// For each hook package, the packages of `instrumented` in its closure (itself included):
    /// what a program it is added to links besides the go command's packages (for the manifest).
    #[serde(default)]
    pub hook_instrumented: BTreeMap<String, Vec<String>>,
    /// Coverage builds: the packages only autotel brings, whose `cover` runs in
    /// registration-only mode where the go command covers them (`coverage.rs`).
    #[serde(default)]
    pub registration_only: BTreeSet<String>,
}

/// How one program (a main package, or the test main of a package under test) links the hook
/// packages it needs: the SDK bootstrap, and the hook package of every rule whose target is in
/// the program.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum HookImports {
    /// The toolexec proxy adds a file importing these to the main package's compile, and their
    /// archives to its importcfg and to the link's (a main package of the main module has them
    /// pinned by an overlay file, `hook_overlay.rs`).
    Generated(Vec<String>),
    /// A file the plan added with `-overlay` imports them, so the go command builds and links
    /// them itself (against the test variants of the packages under test, or with the main
    /// package's profile).
    OverlayFile,
}

impl BuildState {
    /// How the program whose main package or link has `TOOLEXEC_IMPORTPATH` `import_path` gets
    /// its hook packages.
    pub fn hook_imports(&self, import_path: &str) -> HookImports {
        self.programs
            .get(program_key(import_path))
            .cloned()
            .unwrap_or_else(|| HookImports::Generated(self.all_hook_packages.clone()))
    }
}

/// The program a compile or link belongs to, from its `TOOLEXEC_IMPORTPATH`: `pkg.test` for the
/// test main and for `pkg [pkg.test]` (a main package compiled with its tests), else the path.
pub fn program_key(import_path: &str) -> &str {
    match import_path.split_once(" [") {
        Some((_, variant)) => variant.trim_end_matches(']'),
        None => import_path,
    }
}

/// One rule of the catalogue, by file and index; stable within one build.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct RuleRef {
    pub file: RuleFileRef,
    pub rule: usize,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum RuleFileRef {
    Embedded(usize),
    User(usize),
}

impl From<FileId> for RuleFileRef {
    fn from(id: FileId) -> Self {
        match id {
            FileId::Embedded(i) => RuleFileRef::Embedded(i),
            FileId::User(i) => RuleFileRef::User(i),
        }
    }
}

impl From<RuleFileRef> for FileId {
    fn from(r: RuleFileRef) -> Self {
        match r {
            RuleFileRef::Embedded(i) => FileId::Embedded(i),
            RuleFileRef::User(i) => FileId::User(i),
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PackageRules {
    pub import_path: String,
    pub rules: Vec<RuleRef>,
}

/// The file holding the rules of package `import_path`.
pub fn package_file(state: &Path, import_path: &str) -> PathBuf {
    let mut key = String::with_capacity(import_path.len());
    for c in import_path.chars() {
        match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '.' | '-' | '_' => key.push(c),
            other => key.push_str(&format!("%{:02X}", other as u32)),
        }
    }
    state.join("pkg").join(format!("{key}.json"))
}

pub fn build_file(state: &Path) -> PathBuf {
    state.join("build.json")
}

/// The `-overlay` file of the build (`hook_overlay.rs`).
pub fn overlay_file(state: &Path) -> PathBuf {
    state.join("overlay.json")
}

pub fn progress_file(state: &Path) -> PathBuf {
    state.join("progress")
}

/// Where the tools' `-V=full` lines are kept between builds (`tool_version.rs`): beside the
/// state directories, which are `<cache>/builds/<run>`.
pub fn tool_versions_dir(state: &Path) -> Option<PathBuf> {
    Some(state.parent()?.parent()?.join("tool-versions"))
}

/// Where the executables of discarded links are kept (`link_cache.rs`), beside the state
/// directories.
pub fn links_dir(state: &Path) -> Option<PathBuf> {
    Some(state.parent()?.parent()?.join("links"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_files_are_distinct_and_flat() {
        let s = Path::new("/s");
        assert_eq!(package_file(s, "net/http"), Path::new("/s/pkg/net%2Fhttp.json"));
        assert_eq!(package_file(s, "github.com/a/b_c"), Path::new("/s/pkg/github.com%2Fa%2Fb_c.json"));
        assert_ne!(package_file(s, "a/b"), package_file(s, "a%2Fb"));
    }

    #[test]
    fn programs_are_keyed_by_their_main_package() {
        assert_eq!(program_key("example.com/app/cmd/api"), "example.com/app/cmd/api");
        assert_eq!(program_key("example.com/lib.test"), "example.com/lib.test");
        assert_eq!(program_key("example.com/app/cmd/api [example.com/app/cmd/api.test]"), "example.com/app/cmd/api.test");
        let state = BuildState {
            programs: BTreeMap::from([("a.test".to_string(), HookImports::OverlayFile)]),
            all_hook_packages: vec!["autotel.dev/go/sdk".into()],
            ..BuildState::default()
        };
        assert_eq!(state.hook_imports("a [a.test]"), HookImports::OverlayFile);
        assert_eq!(state.hook_imports("b"), HookImports::Generated(vec!["autotel.dev/go/sdk".into()]));
    }
}
