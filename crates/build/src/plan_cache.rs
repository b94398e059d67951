//! The plan cache: what `go env` and `go list` told the plan, kept between builds, so that a build
//! whose inputs did not change goes straight to `go build`.
//!
//! An entry is `<cache>/plans/<key>.json`. Its name, the [`Key`], hashes what is known before
//! anything runs:
//!
//! - the autotel version and executable (which also fix the embedded rules and hook runtime),
//!   and the user's rule files (their parsed form, added files included);
//! - the go subcommand, its packages, the flags that change what is listed or compiled
//!   (`-tags`, `-race`, `-gcflags`, …, `-modfile`, `-mod`, `-overlay`, `-toolexec`) and the
//!   directory it runs in;
//! - the environment the go command reads (`GO*`, `CGO_*`, the C toolchain, `HOME`, `XDG_*`,
//!   `PATH`), the `go` executable found on `PATH`, and the go environment file (`go env -w`).
//!
//! The entry itself lists the [`Input`]s the plan found while planning, with their digests: the
//! go.mod (or `-modfile`) and go.sum, or go.work, go.work.sum and every used module's files;
//! vendor/modules.txt; every go.mod and go.work the go command would find instead if one
//! appeared (the directories from the working directory up); the user's `-overlay` file and the
//! files it names; and, as [`Input::Sources`], the Go files of every main module and of every
//! local `replace` directory: their relative paths and headers ([`go_header`](crate::go_header):
//! package clause, build constraints, imports), which is all the go command reads to list a
//! package, and where a `default.pgo` is (which decides how a main package gets its hook
//! packages, `hook_overlay.rs`). A lookup recomputes each digest; any difference (an added import, a new file, a
//! go.mod bump) replans and replaces the entry. So does a hook archive missing from the Go build
//! cache (`go clean -cache`).
//!
//! Nothing here writes outside `<cache>/plans/`; the user's tree is only read.

use crate::error::BuildError;
use crate::go_header::header_len;
use crate::state::{BuildState, PackageRules};
use crate::hook_overlay::HookOverlay;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Entries kept; the least recently used beyond this are removed when one is stored.
const KEPT_ENTRIES: usize = 64;

/// What planning produced, all that a build needs to run `go build` without planning again.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Workspace mode: the alternate module file is `go.work`, selected with `GOWORK`.
    pub workspace: bool,
    /// The alternate module files, by name in the state directory (`go.mod`, `go.sum` or
    /// `go.work`, `go.work.sum`), as the plan's go commands left them.
    pub module_files: BTreeMap<String, String>,
    /// The main module's language (`language.rs`), for the toolexec proxy when `go_flags`
    /// cannot carry it.
    pub main_language: Option<String>,
    /// Flags the user's go command gets before the user's own: the main module's language as
    /// `-gcflags` (`language.rs`).
    pub go_flags: Vec<String>,
    /// The `-V=full` fingerprint (`fingerprint.rs`).
    pub fingerprint: String,
    /// The rules of each matched package.
    pub package_rules: Vec<PackageRules>,
    pub build: BuildState,
    /// The overlay that imports the hook packages into the main module's programs.
    pub overlay: Option<HookOverlay>,
    /// Warnings and notes the plan printed; printed again by every build that reuses it.
    pub notes: Vec<String>,
    /// What `-v` prints: the instrumentations and matched packages.
    pub summary: Vec<String>,
}

/// Something outside autotel that the plan read, and that a later build must find unchanged.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Input {
    /// A file's contents, or its absence.
    File(PathBuf),
    /// The Go files under a module directory (nested modules, `vendor`, `testdata` and names
    /// the go command ignores left out): relative paths and headers.
    Sources(PathBuf),
}

impl Input {
    /// The digest of the input as it is now.
    pub fn digest(&self) -> String {
        self.read().0
    }

    /// The digest, and the newest modification time among the files it hashed.
    fn read(&self) -> (String, Option<SystemTime>) {
        let mut hash = Sha256::new();
        let mut newest = None;
        match self {
            Input::File(path) => match std::fs::read(path) {
                Ok(bytes) => {
                    hash.update(b"file\0");
                    hash.update(&bytes);
                    newest = modified(path);
                }
                Err(_) => hash.update(b"absent"),
            },
            Input::Sources(root) => hash_sources(root, &mut hash, &mut newest),
        }
        (hex(&hash.finalize()), newest)
    }
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// One cache file.
#[derive(Serialize, Deserialize)]
struct Entry {
    inputs: Vec<(Input, String)>,
    plan: Plan,
}

/// The name of the entry for one build (see the module doc for what it hashes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Key(String);

/// The parts of a build that make its key, apart from the process environment.
pub struct KeyParts<'a> {
    /// `fingerprint::executable_identity`.
    pub executable: &'a str,
    /// `Catalogue::fingerprint`, with the user's rule files.
    pub rules: &'a str,
    /// The go subcommand, packages and the flags that change the plan (`GoArgs::plan_words`).
    pub command: &'a [String],
    /// The directory go runs in.
    pub dir: &'a Path,
}

/// Environment variables that can change what the go command answers. Everything `GO*` and
/// `CGO_*` counts too.
const ENVIRONMENT: &[&str] = &["CC", "CXX", "FC", "AR", "PKG_CONFIG", "GCCGO", "HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "PATH"];

impl Key {
    pub fn of(parts: &KeyParts, env: &[(String, String)]) -> Key {
        let mut hash = Sha256::new();
        let mut field = |name: &str, value: &[u8]| {
            hash.update(name.as_bytes());
            hash.update(b"\0");
            hash.update(value);
            hash.update(b"\0");
        };
        field("autotel", env!("CARGO_PKG_VERSION").as_bytes());
        field("executable", parts.executable.as_bytes());
        field("rules", parts.rules.as_bytes());
        for word in parts.command {
            field("word", word.as_bytes());
        }
        field("dir", parts.dir.as_os_str().as_encoded_bytes());
        let mut relevant: Vec<&(String, String)> = env
            .iter()
            .filter(|(k, _)| k.starts_with("GO") || k.starts_with("CGO_") || ENVIRONMENT.contains(&k.as_str()))
            .collect();
        relevant.sort();
        for (name, value) in relevant {
            field(name, value.as_bytes());
        }
        let lookup = |name: &str| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        field("go", go_executable_identity(lookup("PATH").unwrap_or_default()).as_bytes());
        if let Some(file) = go_env_file(lookup) {
            field("goenv", Input::File(file).digest().as_bytes());
        }
        Key(hex(&hash.finalize()[..16]))
    }

    /// The key for the current process environment.
    pub fn of_process(parts: &KeyParts) -> Key {
        let env: Vec<(String, String)> = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        Key::of(parts, &env)
    }
}

/// The `go` executable `PATH` finds (resolved), with its size and modification time: a new Go
/// installed in the same place is a different one.
fn go_executable_identity(path: &str) -> String {
    for dir in std::env::split_paths(path) {
        let candidate = dir.join("go");
        if let Ok(metadata) = std::fs::metadata(&candidate) {
            if metadata.is_file() {
                let resolved = std::fs::canonicalize(&candidate).unwrap_or(candidate);
                let modified = metadata.modified().ok().and_then(|m| m.duration_since(std::time::UNIX_EPOCH).ok());
                return format!("{}:{}:{}", resolved.display(), metadata.len(), modified.map_or(0, |d| d.as_nanos()));
            }
        }
    }
    String::new()
}

/// The go environment file (`go env GOENV`): `$GOENV`, else `os.UserConfigDir()/go/env`.
fn go_env_file<'e>(lookup: impl Fn(&str) -> Option<&'e str>) -> Option<PathBuf> {
    match lookup("GOENV") {
        Some("off") => None,
        Some(file) if !file.is_empty() => Some(PathBuf::from(file)),
        _ => match lookup("XDG_CONFIG_HOME").filter(|d| !d.is_empty()) {
            Some(config) => Some(Path::new(config).join("go/env")),
            None => lookup("HOME").map(|home| Path::new(home).join(".config/go/env")),
        },
    }
}

fn entry_file(cache: &Path, key: &Key) -> PathBuf {
    cache.join("plans").join(format!("{}.json", key.0))
}

/// The plan stored under `key`, if its inputs are unchanged and its hook archives still exist.
pub fn load(cache: &Path, key: &Key) -> Option<Plan> {
    let file = entry_file(cache, key);
    let entry: Entry = serde_json::from_slice(&std::fs::read(&file).ok()?).ok()?;
    if entry.inputs.iter().any(|(input, digest)| input.digest() != *digest) {
        return None;
    }
    if !entry.plan.build.archives.values().all(|archive| archive.exists()) {
        return None;
    }
    // Recently used entries are the ones pruning keeps.
    let _ = std::fs::File::options().append(true).open(&file).and_then(|f| f.set_modified(std::time::SystemTime::now()));
    Some(entry.plan)
}

/// Stores `plan` under `key` with the digests of `inputs` as they are now (atomically: a
/// concurrent build reads the old entry or the new one), and prunes old entries. `planned_at` is
/// when planning began: an input modified since then may have been read by the plan in its old
/// state, so its digest now would vouch for a plan made from other contents; nothing is stored
/// then (`Ok(false)`), and the next build plans again.
pub fn store(cache: &Path, key: &Key, inputs: BTreeSet<Input>, plan: &Plan, planned_at: SystemTime) -> Result<bool, BuildError> {
    let mut digests = Vec::with_capacity(inputs.len());
    for input in inputs {
        let (digest, newest) = input.read();
        if newest.is_some_and(|newest| newest >= planned_at) {
            return Ok(false);
        }
        digests.push((input, digest));
    }
    let file = entry_file(cache, key);
    let dir = file.parent().expect("entries live in a directory");
    std::fs::create_dir_all(dir).map_err(BuildError::io("create", dir))?;
    let entry = Entry { inputs: digests, plan: plan.clone() };
    let temp = dir.join(format!(".{}.{}", key.0, std::process::id()));
    std::fs::write(&temp, serde_json::to_vec(&entry).expect("a plan serializes")).map_err(BuildError::io("write", &temp))?;
    std::fs::rename(&temp, &file).map_err(BuildError::io("write", &file))?;
    prune(dir);
    Ok(true)
}

/// Removes the least recently used entries beyond [`KEPT_ENTRIES`].
fn prune(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut files: Vec<(std::time::SystemTime, PathBuf)> = entries
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".json"))
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    if files.len() <= KEPT_ENTRIES {
        return;
    }
    files.sort();
    for (_, path) in &files[..files.len() - KEPT_ENTRIES] {
        let _ = std::fs::remove_file(path);
    }
}

/// Hashes the relative path and header of every Go file the go command would see under `root`,
/// and the relative path of every `default.pgo`;
/// `newest` becomes the newest modification time among them.
fn hash_sources(root: &Path, hash: &mut Sha256, newest: &mut Option<SystemTime>) {
    let mut visited = BTreeSet::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        if !visited.insert(std::fs::canonicalize(&dir).unwrap_or_else(|_| dir.clone())) {
            continue;
        }
        let Ok(entries) = std::fs::read_dir(&dir) else {
            hash.update(b"unreadable\0");
            hash.update(dir.as_os_str().as_encoded_bytes());
            continue;
        };
        let mut names: Vec<(String, PathBuf)> =
            entries.flatten().map(|e| (e.file_name().to_string_lossy().into_owned(), e.path())).collect();
        names.sort();
        let mut subdirs = Vec::new();
        for (name, path) in names {
            // The go command ignores these (`go help packages`), and vendor/ is not used (the
            // instrumented build runs with -mod=mod).
            if name.starts_with(['.', '_']) || name == "testdata" || name == "vendor" {
                continue;
            }
            let Ok(metadata) = std::fs::metadata(&path) else { continue };
            if metadata.is_dir() {
                // A directory with its own go.mod is another module.
                if !path.join("go.mod").exists() {
                    subdirs.push(path);
                }
            } else if name == "default.pgo" {
                hash.update(b"profile\0");
                hash.update(path.strip_prefix(root).unwrap_or(&path).as_os_str().as_encoded_bytes());
                hash.update(b"\0");
            } else if name.ends_with(".go") {
                let relative = path.strip_prefix(root).unwrap_or(&path);
                hash.update(relative.as_os_str().as_encoded_bytes());
                hash.update(b"\0");
                match std::fs::read(&path) {
                    Ok(source) => hash.update(&source[..header_len(&source)]),
                    Err(_) => hash.update(b"unreadable"),
                }
                *newest = (*newest).max(metadata.modified().ok());
                hash.update(b"\0");
            }
        }
        // Depth first, in name order.
        stack.extend(subdirs.into_iter().rev());
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, files: &[(&str, &str)]) {
        for (path, text) in files {
            let path = root.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
    }

    #[test]
    fn sources_digest_follows_headers_and_files_not_bodies() {
        let tree = tempfile::tempdir().unwrap();
        let root = tree.path();
        write(root, &[("go.mod", "module m\n"), ("main.go", "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println() }\n")]);
        let sources = Input::Sources(root.to_path_buf());
        let base = sources.digest();
        write(root, &[("main.go", "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"edited\") }\n")]);
        assert_eq!(sources.digest(), base, "a body edit keeps the digest");
        write(root, &[("main.go", "package main\n\nimport (\n\t\"fmt\"\n\t\"net/http\"\n)\n\nfunc main() { fmt.Println(http.StatusOK) }\n")]);
        let with_import = sources.digest();
        assert_ne!(with_import, base, "an added import changes it");
        write(root, &[("pkg/a/a.go", "package a\n")]);
        let with_package = sources.digest();
        assert_ne!(with_package, with_import, "a new package changes it");
        write(root, &[("pkg/a/a_linux.go", "//go:build linux\n\npackage a\n")]);
        assert_ne!(sources.digest(), with_package, "a new file changes it");
    }

    #[test]
    fn sources_digest_ignores_what_the_go_command_ignores() {
        let tree = tempfile::tempdir().unwrap();
        let root = tree.path();
        write(root, &[("go.mod", "module m\n"), ("a.go", "package a\n")]);
        let sources = Input::Sources(root.to_path_buf());
        let base = sources.digest();
        write(
            root,
            &[
                ("testdata/t.go", "package t\nimport \"x\"\n"),
                ("vendor/v/v.go", "package v\n"),
                ("_skip/s.go", "package s\n"),
                (".hidden/h.go", "package h\n"),
                ("nested/go.mod", "module n\n"),
                ("nested/n.go", "package n\nimport \"y\"\n"),
                ("README.md", "text"),
            ],
        );
        assert_eq!(sources.digest(), base);
    }

    #[test]
    fn file_digest_tells_absent_from_empty() {
        let tree = tempfile::tempdir().unwrap();
        let file = Input::File(tree.path().join("go.work"));
        let absent = file.digest();
        std::fs::write(tree.path().join("go.work"), "").unwrap();
        assert_ne!(file.digest(), absent);
    }

    fn parts<'a>(command: &'a [String], dir: &'a Path) -> KeyParts<'a> {
        KeyParts { executable: "exe", rules: "rules", command, dir }
    }

    #[test]
    fn key_follows_command_directory_and_go_environment_only() {
        let command = vec!["build".to_string(), "./cmd/a".to_string()];
        let env = |extra: &[(&str, &str)]| -> Vec<(String, String)> {
            [("HOME", "/home/u"), ("PATH", "/nonexistent"), ("GOFLAGS", "-tags=a")]
                .iter()
                .chain(extra)
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let base = Key::of(&parts(&command, Path::new("/src")), &env(&[]));
        assert_eq!(base, Key::of(&parts(&command, Path::new("/src")), &env(&[("TERM", "xterm"), ("PWD", "/x")])));
        assert_ne!(base, Key::of(&parts(&command, Path::new("/src")), &env(&[("GOARCH", "arm64")])));
        assert_ne!(base, Key::of(&parts(&command, Path::new("/src")), &env(&[("CGO_ENABLED", "0")])));
        assert_ne!(base, Key::of(&parts(&command, Path::new("/other")), &env(&[])));
        let tagged = vec!["build".to_string(), "-tags=b".to_string(), "./cmd/a".to_string()];
        assert_ne!(base, Key::of(&parts(&tagged, Path::new("/src")), &env(&[])));
        let newer = KeyParts { executable: "exe2", ..parts(&command, Path::new("/src")) };
        assert_ne!(base, Key::of(&newer, &env(&[])));
        let rules = KeyParts { rules: "rules2", ..parts(&command, Path::new("/src")) };
        assert_ne!(base, Key::of(&rules, &env(&[])));
    }

    #[test]
    fn key_follows_the_go_environment_file() {
        let config = tempfile::tempdir().unwrap();
        let command = vec!["build".to_string()];
        let env = vec![("XDG_CONFIG_HOME".to_string(), config.path().display().to_string())];
        let base = Key::of(&parts(&command, Path::new("/src")), &env);
        std::fs::create_dir(config.path().join("go")).unwrap();
        std::fs::write(config.path().join("go/env"), "GOFLAGS=-tags=x\n").unwrap();
        assert_ne!(base, Key::of(&parts(&command, Path::new("/src")), &env));
    }

    fn plan(archive: &Path) -> Plan {
        Plan {
            workspace: false,
            module_files: BTreeMap::from([("go.mod".to_string(), "module m\n".to_string())]),
            main_language: None,
            go_flags: Vec::new(),
            fingerprint: "f".into(),
            package_rules: Vec::new(),
            build: BuildState { archives: BTreeMap::from([("a".to_string(), archive.to_path_buf())]), ..BuildState::default() },
            overlay: None,
            notes: vec!["autotel: note: n".into()],
            summary: Vec::new(),
        }
    }

    #[test]
    fn an_entry_is_used_while_its_inputs_and_archives_are_unchanged() {
        let cache = tempfile::tempdir().unwrap();
        let tree = tempfile::tempdir().unwrap();
        let (gomod, archive) = (tree.path().join("go.mod"), tree.path().join("a.a"));
        std::fs::write(&gomod, "module m\n").unwrap();
        std::fs::write(&archive, "!<arch>").unwrap();
        let key = Key("k".into());
        let planned = plan(&archive);
        assert!(store(cache.path(), &key, BTreeSet::from([Input::File(gomod.clone())]), &planned, SystemTime::now()).unwrap());
        assert_eq!(load(cache.path(), &key), Some(planned.clone()));
        assert_eq!(load(cache.path(), &Key("other".into())), None);
        std::fs::write(&gomod, "module m\n\nrequire x v1.0.0\n").unwrap();
        assert_eq!(load(cache.path(), &key), None, "a changed input");
        assert!(store(cache.path(), &key, BTreeSet::from([Input::File(gomod.clone())]), &planned, SystemTime::now()).unwrap());
        assert_eq!(load(cache.path(), &key), Some(planned));
        std::fs::remove_file(&archive).unwrap();
        assert_eq!(load(cache.path(), &key), None, "an archive gone from the Go build cache");
    }

    #[test]
    fn an_input_modified_while_planning_keeps_the_plan_out_of_the_cache() {
        let cache = tempfile::tempdir().unwrap();
        let tree = tempfile::tempdir().unwrap();
        let (archive, root) = (tree.path().join("a.a"), tree.path().join("m"));
        std::fs::write(&archive, "!<arch>").unwrap();
        write(&root, &[("go.mod", "module m\n"), ("main.go", "package main\n")]);
        let planning_began = SystemTime::now() - std::time::Duration::from_secs(60);
        let old = planning_began - std::time::Duration::from_secs(60);
        let set_modified = |path: &Path, time| std::fs::File::options().append(true).open(path).unwrap().set_modified(time).unwrap();
        set_modified(&root.join("go.mod"), old);
        // main.go was saved after planning began: the plan may have read it before the save.
        let inputs = BTreeSet::from([Input::File(root.join("go.mod")), Input::Sources(root.clone())]);
        assert!(!store(cache.path(), &Key("k".into()), inputs.clone(), &plan(&archive), planning_began).unwrap());
        assert_eq!(load(cache.path(), &Key("k".into())), None);
        set_modified(&root.join("main.go"), old);
        assert!(store(cache.path(), &Key("k".into()), inputs, &plan(&archive), planning_began).unwrap());
        assert!(load(cache.path(), &Key("k".into())).is_some());
    }

    #[test]
    fn pruning_keeps_the_most_recently_used_entries() {
        let cache = tempfile::tempdir().unwrap();
        let archive = cache.path().join("a.a");
        std::fs::write(&archive, "").unwrap();
        let an_hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        for n in 0..KEPT_ENTRIES {
            store(cache.path(), &Key(format!("k{n}")), BTreeSet::new(), &plan(&archive), SystemTime::now()).unwrap();
            let file = entry_file(cache.path(), &Key(format!("k{n}")));
            std::fs::File::options().append(true).open(file).unwrap().set_modified(an_hour_ago).unwrap();
        }
        assert!(load(cache.path(), &Key("k0".into())).is_some(), "k0 is used again: the most recent");
        store(cache.path(), &Key("new".into()), BTreeSet::new(), &plan(&archive), SystemTime::now()).unwrap();
        let kept: BTreeSet<String> =
            std::fs::read_dir(cache.path().join("plans")).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        assert_eq!(kept.len(), KEPT_ENTRIES);
        assert!(kept.contains("k0.json") && kept.contains("new.json"), "{kept:?}");
    }
}
