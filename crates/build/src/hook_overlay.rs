//! The main module's programs tell the go command, through an `-overlay`, what autotel links in.
//!
//! A program needs its hook packages linked (`programs.rs`). One virtual file per program, in the
//! program's directory, does it one of two ways:
//!
//! - a main package of the main module gets `autotel_hooks.go` (`package main`) that *pins* its
//!   hook packages: one variable holding a digest of the archives of their closure. The go command
//!   never sees the hook packages (its graph, and so a warm build's work, stays the user's own);
//!   the toolexec proxy imports them into the main package's compile and adds their archives to
//!   its importcfg and the link's, as the plan's `go list -export` built them. When one of those
//!   archives changes, the digest does: the go command recompiles the main package, whose object
//!   then differs (it holds the variable), and relinks the program.
//! - the test binary of a main-module package with tests gets an external test file,
//!   `autotel_hooks_test.go` (`package <name>_test`), that *imports* its hook packages. When the go
//!   command tests package P it recompiles P with its test files, and every package of the test
//!   binary that imports P too; a hook package imports its library, so one built beside the build
//!   would be compiled against plain P and the link would refuse the mix. Imported here, it is
//!   built as a test variant. A package without test files gets no file, so the go command still
//!   says "no test files". A main package built with its `default.pgo` (`-pgo=auto`, the default)
//!   gets an importing file too: the go command compiles every package of such a program with the
//!   profile, the hook closure included, which the plan's build without the profile would not match.
//!
//! Other programs (a main package in the module cache, where overlays are not supported, or
//! `command-line-arguments`, which takes only the files named) get their hook imports from the
//! toolexec proxy with nothing pinned: only a build that has one needs the hook closure in its
//! fingerprint (`fingerprint.rs`), so every other build shares one instrumented standard library
//! whatever libraries it uses. A user's own `-overlay` (flag or GOFLAGS) is merged in.

use crate::error::BuildError;
use crate::golist::Package;
use crate::programs::programs;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The overlay of one go command, as data: the plan cache (`plan_cache.rs`) keeps it, and
/// [`HookOverlay::write`] puts it into each build's state directory.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HookOverlay {
    /// The user's own overlay entries (virtual path → file), kept as given.
    pub user: BTreeMap<String, String>,
    /// The generated files: virtual path → contents.
    pub files: Vec<(String, String)>,
    /// The programs (test mains `pkg.test`, main packages built with a profile) whose hook
    /// packages the overlay imports, so that the go command builds and links them itself.
    pub programs: Vec<String>,
}

/// The hook packages the plan built (`go list -deps -export`): each one's dependencies and every
/// package's archive in the Go build cache (named by its content).
pub struct HookArchives<'a> {
    pub deps: &'a BTreeMap<String, Vec<String>>,
    pub archives: &'a BTreeMap<String, PathBuf>,
}

impl HookArchives<'_> {
    /// `hook` and every package it depends on.
    pub fn closure<'h>(&'h self, hook: &'h str) -> impl Iterator<Item = &'h str> {
        std::iter::once(hook).chain(self.deps.get(hook).into_iter().flatten().map(String::as_str))
    }

    /// A digest of `hooks` and the archives of their closure: what the toolexec proxy adds to a
    /// program's compile and link.
    fn digest(&self, hooks: &[String]) -> String {
        let closure: BTreeSet<&str> = hooks.iter().flat_map(|hook| self.closure(hook)).collect();
        let mut hash = Sha256::new();
        for hook in hooks {
            hash.update(format!("import {hook}\n"));
        }
        for package in closure {
            if let Some(archive) = self.archives.get(package) {
                hash.update(format!("packagefile {package}={}\n", archive.display()));
            }
        }
        crate::plan_cache::hex(&hash.finalize())
    }
}

/// The go command's `-overlay` file format.
#[derive(Debug, Default, Serialize, Deserialize)]
struct OverlayJson {
    #[serde(rename = "Replace")]
    replace: BTreeMap<String, String>,
}

/// Where an overlay file can carry a program's hook imports.
struct Carrier<'g> {
    /// The package whose directory gets the file: the main package, or the package under test.
    package: &'g Package,
    /// An external test file, else a file of the main package.
    test: bool,
}

/// The carrier of `program` (a main package or a test main in `packages`), if it has one.
fn carrier<'g>(program: &str, packages: &BTreeMap<&str, &'g Package>) -> Option<Carrier<'g>> {
    let in_main_module = |p: &Package| p.module.as_ref().is_some_and(|m| m.main) && !p.dir.is_empty();
    if let Some(tested) = program.strip_suffix(".test") {
        let tested = packages.get(tested)?;
        let has_tests = !tested.test_go_files.is_empty() || !tested.x_test_go_files.is_empty();
        return (in_main_module(tested) && has_tests && tested.import_path != COMMAND_LINE).then_some(Carrier { package: tested, test: true });
    }
    let main = packages.get(program)?;
    (in_main_module(main) && main.import_path != COMMAND_LINE).then_some(Carrier { package: main, test: false })
}

/// The package the go command makes of Go files named on its command line.
const COMMAND_LINE: &str = "command-line-arguments";

/// Whether an overlay file carries the hook imports of every program in `graph`, so that the
/// toolexec proxy adds none behind the go command's back.
pub fn carries_every_program(graph: &[Package]) -> bool {
    let packages: BTreeMap<&str, &Package> = graph.iter().map(|p| (p.import_path.as_str(), p)).collect();
    programs(graph).all(|program| carrier(&program.import_path, &packages).is_some())
}

/// The overlay for the programs of `graph` that have a carrier, with the hook packages `imports`
/// gives each (built as `built` says), merged with the user's overlay file; `None` when no
/// program has one. `pgo_auto`: the build applies each main package's `default.pgo`.
pub fn plan(
    graph: &[Package],
    imports: &BTreeMap<String, Vec<String>>,
    built: &HookArchives,
    pgo_auto: bool,
    user_overlay: Option<&Path>,
) -> Result<Option<HookOverlay>, BuildError> {
    let user = match user_overlay {
        Some(path) => read_user_overlay(path)?,
        None => BTreeMap::new(),
    };
    let packages: BTreeMap<&str, &Package> = graph.iter().map(|p| (p.import_path.as_str(), p)).collect();
    let mut overlay = HookOverlay { user, files: Vec::new(), programs: Vec::new() };
    for (program, hooks) in imports {
        let Some(Carrier { package, test }) = carrier(program, &packages) else { continue };
        let virtual_path = free_name(Path::new(&package.dir), test, &overlay);
        let profiled = pgo_auto && Path::new(&package.dir).join("default.pgo").exists();
        let source = if test {
            hooks_file(&format!("{}_test", package.name), hooks)
        } else if profiled {
            hooks_file("main", hooks)
        } else {
            pin_file(&built.digest(hooks))
        };
        overlay.files.push((virtual_path, source));
        if test || profiled {
            overlay.programs.push(program.clone());
        }
    }
    Ok((!overlay.files.is_empty()).then_some(overlay))
}

/// The `Replace` entries of the user's `-overlay` file.
pub fn read_user_overlay(path: &Path) -> Result<BTreeMap<String, String>, BuildError> {
    let text = std::fs::read(path).map_err(BuildError::io("read the -overlay file", path))?;
    let json = serde_json::from_slice::<OverlayJson>(&text)
        .map_err(|e| BuildError::Overlay { path: path.to_path_buf(), error: e.to_string() })?;
    Ok(json.replace)
}

impl HookOverlay {
    /// Writes the generated files under `state/overlay/` and the merged overlay file; returns the
    /// latter, for `-overlay=`.
    pub fn write(&self, state: &Path) -> Result<PathBuf, BuildError> {
        let dir = state.join("overlay");
        std::fs::create_dir_all(&dir).map_err(BuildError::io("create", &dir))?;
        let mut replace = self.user.clone();
        for (n, (virtual_path, contents)) in self.files.iter().enumerate() {
            // The go command takes the file's name (a `_test` suffix) from the virtual path.
            let real = dir.join(format!("{n}.go"));
            std::fs::write(&real, contents).map_err(BuildError::io("write", &real))?;
            replace.insert(virtual_path.clone(), real.display().to_string());
        }
        let file = crate::state::overlay_file(state);
        let json = serde_json::to_vec_pretty(&OverlayJson { replace }).expect("overlay serializes");
        std::fs::write(&file, json).map_err(BuildError::io("write", &file))?;
        Ok(file)
    }
}

/// `args` with each of the files this module generated into `state`'s overlay named by its real
/// path. The go command hands `cover` the virtual paths of overlay files (go1.26 too), which it
/// cannot open; the user's own overlay entries are left as the go command gives them.
pub fn with_real_paths(state: &Path, args: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    let Ok(json) = std::fs::read(crate::state::overlay_file(state)) else { return args };
    let Ok(overlay) = serde_json::from_slice::<OverlayJson>(&json) else { return args };
    let generated = state.join("overlay");
    args.into_iter()
        .map(|arg| match arg.to_str().and_then(|a| overlay.replace.get(a)) {
            Some(real) if Path::new(real).starts_with(&generated) => real.into(),
            _ => arg,
        })
        .collect()
}

/// A file of package `package` that imports `hooks` (also the toolexec proxy's `autotel_main.go`).
pub(crate) fn hooks_file(package: &str, hooks: &[String]) -> String {
    let mut source = format!("// Code generated by autotel. DO NOT EDIT.\n\npackage {package}\n\nimport (\n");
    for hook in hooks {
        source.push_str(&format!("\t_ {hook:?}\n"));
    }
    source.push_str(")\n");
    source
}

/// A file of package main holding `digest`, the identity of the hook packages the toolexec proxy
/// adds. The compiler keeps an unused package-level variable in the object (the linker drops it),
/// so the program's link sees the change too.
fn pin_file(digest: &str) -> String {
    format!(
        "// Code generated by autotel. DO NOT EDIT.\n\npackage main\n\n\
         // The hook packages autotel adds to this program, by the digest of their archives.\n\
         var _autotelHookClosure = \"{digest}\"\n"
    )
}

/// `<dir>/autotel_hooks[_test].go`, or a numbered name when a file (or an overlay entry) has it.
fn free_name(dir: &Path, test: bool, overlay: &HookOverlay) -> String {
    let taken = |path: &str| overlay.user.contains_key(path) || overlay.files.iter().any(|(p, _)| p == path);
    let suffix = if test { "_test.go" } else { ".go" };
    (0..)
        .map(|n| dir.join(if n == 0 { format!("autotel_hooks{suffix}") } else { format!("autotel_hooks_{n}{suffix}") }))
        .find(|path| !path.exists() && !taken(&path.display().to_string()))
        .expect("some name is free")
        .display()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::golist::Module;

    /// No hook package built: every pin holds the digest of the hook list alone.
    fn nothing_built<T>(f: impl FnOnce(&HookArchives) -> T) -> T {
        let (deps, archives) = (BTreeMap::new(), BTreeMap::new());
        f(&HookArchives { deps: &deps, archives: &archives })
    }

    fn tested(path: &str, dir: &Path, main_module: bool, tests: &[&str]) -> Package {
        Package {
            import_path: path.into(),
            name: path.rsplit('/').next().unwrap().into(),
            dir: dir.display().to_string(),
            module: Some(Module { path: "example.com".into(), main: main_module, ..Module::default() }),
            test_go_files: tests.iter().map(|t| t.to_string()).collect(),
            ..Package::default()
        }
    }

    #[test]
    fn main_module_test_binaries_get_a_test_file_merged_with_the_users_overlay() {
        let tree = tempfile::tempdir().unwrap();
        let state = tempfile::tempdir().unwrap();
        let (lib, dep, taken) = (tree.path().join("lib"), tree.path().join("dep"), tree.path().join("taken"));
        for dir in [&lib, &dep, &taken] {
            std::fs::create_dir(dir).unwrap();
        }
        std::fs::write(taken.join("autotel_hooks_test.go"), "package taken_test\n").unwrap();
        let user = tree.path().join("user-overlay.json");
        std::fs::write(&user, r#"{"Replace": {"/src/a.go": "/elsewhere/a.go"}}"#).unwrap();
        let graph = [
            tested("example.com/lib", &lib, true, &["lib_test.go"]),
            tested("example.com/dep", &dep, false, &["dep_test.go"]),
            tested("example.com/taken", &taken, true, &["taken_test.go"]),
        ];
        let hooks = vec!["autotel.dev/go/sdk".to_string(), "example.com/lib/hooks".to_string()];
        let imports = BTreeMap::from([
            ("example.com/lib.test".to_string(), hooks.clone()),
            ("example.com/dep.test".to_string(), hooks.clone()),
            ("example.com/taken.test".to_string(), hooks.clone()),
            ("example.com/cmd/api".to_string(), hooks.clone()),
        ]);
        let overlay = nothing_built(|built| plan(&graph, &imports, built, true, Some(&user))).unwrap().expect("an overlay");
        assert_eq!(overlay.programs, ["example.com/lib.test", "example.com/taken.test"], "not the module cache's, not a plain main");
        let file = overlay.write(state.path()).unwrap();
        let json: OverlayJson = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        assert_eq!(json.replace["/src/a.go"], "/elsewhere/a.go");
        let lib_file = &json.replace[&lib.join("autotel_hooks_test.go").display().to_string()];
        assert_eq!(
            std::fs::read_to_string(lib_file).unwrap(),
            "// Code generated by autotel. DO NOT EDIT.\n\npackage lib_test\n\nimport (\n\t_ \"autotel.dev/go/sdk\"\n\t_ \"example.com/lib/hooks\"\n)\n"
        );
        assert!(json.replace.contains_key(&taken.join("autotel_hooks_1_test.go").display().to_string()), "{json:?}");
        assert_eq!(json.replace.len(), 3);
    }

    fn main_package(path: &str, dir: &Path, main_module: bool) -> Package {
        Package { name: "main".into(), ..tested(path, dir, main_module, &[]) }
    }

    #[test]
    fn main_module_main_packages_get_a_file_of_package_main_pinning_their_hooks() {
        let tree = tempfile::tempdir().unwrap();
        let state = tempfile::tempdir().unwrap();
        let (api, tool) = (tree.path().join("api"), tree.path().join("tool"));
        let graph = [
            main_package("example.com/cmd/api", &api, true),
            main_package("golang.org/x/tools/cmd/stringer", &tool, false),
            main_package(COMMAND_LINE, tree.path(), true),
        ];
        let hooks = vec!["autotel.dev/go/sdk".to_string()];
        let imports: BTreeMap<String, Vec<String>> = graph.iter().map(|p| (p.import_path.clone(), hooks.clone())).collect();
        let overlay = nothing_built(|built| plan(&graph, &imports, built, true, None)).unwrap().expect("an overlay");
        assert!(overlay.programs.is_empty(), "the go command is not told the hook packages of a main package");
        let json: OverlayJson = serde_json::from_slice(&std::fs::read(overlay.write(state.path()).unwrap()).unwrap()).unwrap();
        assert_eq!(json.replace.len(), 1, "not the module cache's, not command-line-arguments: {json:?}");
        let api_file = &json.replace[&api.join("autotel_hooks.go").display().to_string()];
        let digest = nothing_built(|built| built.digest(&hooks));
        assert_eq!(
            std::fs::read_to_string(api_file).unwrap(),
            format!(
                "// Code generated by autotel. DO NOT EDIT.\n\npackage main\n\n\
                 // The hook packages autotel adds to this program, by the digest of their archives.\n\
                 var _autotelHookClosure = \"{digest}\"\n"
            )
        );
        assert!(!carries_every_program(&graph));
        assert!(carries_every_program(&graph[..1]), "the main module's main package alone");
    }

    #[test]
    fn a_main_package_with_a_default_profile_imports_its_hooks_unless_the_profile_is_off() {
        let tree = tempfile::tempdir().unwrap();
        let api = tree.path().join("api");
        std::fs::create_dir(&api).unwrap();
        std::fs::write(api.join("default.pgo"), "").unwrap();
        let graph = [main_package("example.com/cmd/api", &api, true)];
        let imports = BTreeMap::from([("example.com/cmd/api".to_string(), vec!["autotel.dev/go/sdk".to_string()])]);
        let auto = nothing_built(|built| plan(&graph, &imports, built, true, None)).unwrap().unwrap();
        assert_eq!(auto.programs, ["example.com/cmd/api"]);
        assert!(auto.files[0].1.contains("import (\n\t_ \"autotel.dev/go/sdk\"\n)"), "{}", auto.files[0].1);
        let off = nothing_built(|built| plan(&graph, &imports, built, false, None)).unwrap().unwrap();
        assert!(off.programs.is_empty());
        assert!(off.files[0].1.contains("var _autotelHookClosure"), "{}", off.files[0].1);
    }

    #[test]
    fn a_pin_follows_the_archives_of_its_hooks_closure_only() {
        let hooks = vec!["autotel.dev/go/hooks/nethttp".to_string()];
        let deps = BTreeMap::from([(hooks[0].clone(), vec!["net/http".to_string()])]);
        let archives = |nethttp: &str, other: &str| {
            BTreeMap::from([
                (hooks[0].clone(), PathBuf::from("/cache/aa-d")),
                ("net/http".to_string(), PathBuf::from(nethttp)),
                ("autotel.dev/go/hooks/gin".to_string(), PathBuf::from(other)),
            ])
        };
        let digest = |archives: &BTreeMap<String, PathBuf>| HookArchives { deps: &deps, archives }.digest(&hooks);
        let first = digest(&archives("/cache/bb-d", "/cache/cc-d"));
        assert_eq!(first, digest(&archives("/cache/bb-d", "/cache/dd-d")), "another program's hook");
        assert_ne!(first, digest(&archives("/cache/ee-d", "/cache/cc-d")), "a dependency of the hook");
        let more = vec![hooks[0].clone(), "autotel.dev/go/sdk".to_string()];
        assert_ne!(first, HookArchives { deps: &deps, archives: &archives("/cache/bb-d", "/cache/cc-d") }.digest(&more), "another hook list");
    }

    #[test]
    fn cover_is_given_the_real_paths_of_the_generated_files_only() {
        let tree = tempfile::tempdir().unwrap();
        let state = tempfile::tempdir().unwrap();
        let api = tree.path().join("api");
        let user = tree.path().join("user-overlay.json");
        std::fs::write(&user, r#"{"Replace": {"/src/user.go": "/elsewhere/user.go"}}"#).unwrap();
        let graph = [main_package("example.com/cmd/api", &api, true)];
        let imports = BTreeMap::from([("example.com/cmd/api".to_string(), vec!["autotel.dev/go/sdk".to_string()])]);
        nothing_built(|built| plan(&graph, &imports, built, true, Some(&user))).unwrap().unwrap().write(state.path()).unwrap();
        let generated = api.join("autotel_hooks.go");
        let args: Vec<std::ffi::OsString> = ["-mode", "set", generated.to_str().unwrap(), "/src/user.go", "/src/main.go"].map(Into::into).into();
        let mapped = with_real_paths(state.path(), args);
        assert_eq!(mapped[2], state.path().join("overlay/0.go").into_os_string());
        assert_eq!(mapped[3..], ["/src/user.go", "/src/main.go"], "the user's overlay as the go command gives it");
        assert_eq!(with_real_paths(tree.path(), vec!["a.go".into()]), ["a.go"], "no overlay, nothing mapped");
    }

    #[test]
    fn a_test_main_of_a_package_without_test_files_is_not_carried() {
        let tree = tempfile::tempdir().unwrap();
        let with_tests = tested("example.com/lib", tree.path(), true, &["lib_test.go"]);
        let test_main = |of: &str| Package { import_path: format!("{of}.test"), name: "main".into(), ..Package::default() };
        assert!(carries_every_program(&[with_tests.clone(), test_main("example.com/lib")]));
        let without = tested("example.com/lib", tree.path(), true, &[]);
        assert!(!carries_every_program(&[without, test_main("example.com/lib")]));
    }

    #[test]
    fn no_test_files_no_overlay() {
        let tree = tempfile::tempdir().unwrap();
        let graph = [tested("example.com/lib", tree.path(), true, &[])];
        let imports = BTreeMap::from([("example.com/lib.test".to_string(), vec!["autotel.dev/go/sdk".to_string()])]);
        assert_eq!(nothing_built(|built| plan(&graph, &imports, built, true, None)).unwrap(), None);
    }
}
