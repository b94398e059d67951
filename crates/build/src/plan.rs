//! `autotel go build|install|run|test`: plan the instrumented build, then run it.
//!
//! 1. Read the user's go command line (`goflags.rs`) and `go env`.
//! 2. Extract the hook runtime (`runtime.rs`) and write alternate module files into a fresh state
//!    directory (`modfile.rs`); the user's tree is only read.
//! 3. `go list -deps` the user's packages plus the hook runtime, match rules (`matching.rs`) and
//!    write what each package gets into the state directory (`state.rs`).
//! 4. `go list -export -deps` the hook packages through the toolexec proxy, with the user's
//!    compile flags, so their archives (and the instrumented standard library under them) are
//!    the very ones the user's build will use; record them.
//! 5. Decide which hook packages each program links (`programs.rs`); under `go test`, write the
//!    overlay that imports them into the main module's test binaries (`test_overlay.rs`).
//! 6. Run the user's command with `-modfile`/`GOWORK` and `-toolexec`, show progress, and return
//!    go's exit status. The state directory is removed afterwards, also after Ctrl-C.

use crate::constraint;
use crate::error::BuildError;
use crate::fingerprint::{executable_identity, fingerprint};
use crate::goflags::{goflags_words, GoArgs, GoCommand};
use crate::golist::{Go, Package};
use crate::language::{MainLanguage, MAIN_MODULE_ENV};
use crate::matching::{match_rules, Matched};
use crate::modfile;
use crate::otelalign;
use crate::progress::Progress;
use crate::runtime::{self, RuntimeModule, CORE_MODULE, SDK_PACKAGE};
use crate::programs;
use crate::state::{self, BuildState, HookImports, PackageRules};
use crate::test_overlay::{self, TestOverlay};
use rules::{Catalogue, Version};
use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// What `autotel go …` was asked to do.
pub struct GoOptions {
    /// The arguments after `go`: the subcommand and everything the user gave go.
    pub argv: Vec<OsString>,
    /// The user's own rule files.
    pub rule_files: Vec<PathBuf>,
}

/// Plans and runs an instrumented go command; returns go's exit code.
pub fn go(options: &GoOptions) -> Result<i32, BuildError> {
    let args = GoArgs::parse(&options.argv)?;
    let cwd = std::env::current_dir().map_err(BuildError::io("read", "the current directory"))?;
    let dir = args.chdir.as_ref().map_or(cwd.clone(), |d| cwd.join(d));
    let catalogue = Catalogue::with_user_files(&options.rule_files)?;
    let cache = cache_dir()?;
    let go_env = Go { dir: &dir, env: Vec::new() }.env()?;
    let workspace = !go_env.gowork.is_empty() && go_env.gowork != "off";
    if !workspace && (go_env.gomod.is_empty() || go_env.gomod == "/dev/null") {
        return Err(BuildError::NoModule { dir });
    }
    let go_version = Version::parse(&go_env.goversion)
        .map_err(|e| BuildError::Go { command: "go env GOVERSION".into(), stderr: e })?;
    let runtime_root = runtime::extract(&cache).map_err(BuildError::io("extract the hook runtime into", &cache))?;
    let state = StateDir::create(&cache)?;
    let modules = runtime::modules();
    let core = runtime::module_of(&modules, CORE_MODULE).expect("the core runtime module is embedded");
    let verbose = args.bool_flag("v") || args.bool_flag("x") || std::env::var_os("AUTOTEL_VERBOSE").is_some();

    let goflags = goflags_words(&go_env.goflags);
    let goflag = |name: &str| {
        goflags.iter().rev().find_map(|w| w.trim_start_matches('-').strip_prefix(name).and_then(|r| r.strip_prefix('=')))
    };
    let modules_setup = ModuleSetup {
        workspace,
        base: if workspace {
            PathBuf::from(&go_env.gowork)
        } else {
            args.flag("modfile").or_else(|| goflag("modfile")).map_or(PathBuf::from(&go_env.gomod), |m| dir.join(m))
        },
        state: state.path.clone(),
        runtime: runtime_root,
    };
    let module_root = Path::new(&go_env.gomod).parent().unwrap_or(&dir).to_path_buf();
    if !modules_setup.workspace
        && module_root.join("vendor/modules.txt").exists()
        && args.flag("mod").or_else(|| goflag("mod")).is_none_or(|m| m == "vendor")
    {
        eprintln!(
            "autotel: note: vendor/ is not used by the instrumented build: the hook runtime is not vendored, \
             so modules come from the module cache (your vendor/ is unchanged)"
        );
    }
    let mut needed_modules = vec![core];
    let mut module_flags = modules_setup.write(&needed_modules)?;

    let mut go = Go {
        dir: &dir,
        env: vec![
            (state::STATE_ENV.to_string(), state.path.clone().into_os_string()),
            ("AUTOTEL_USER_TOOLEXEC".to_string(), args.flag("toolexec").unwrap_or_default().into()),
        ],
    };
    if modules_setup.workspace {
        go.env.push(("GOWORK".into(), state.path.join("go.work").into_os_string()));
    }
    // The user's go line, which the alternate go.mod may raise (language.rs). Workspace mode
    // keeps each module's own go.mod, so the go command's -lang is already the module's.
    let main_language = if modules_setup.workspace {
        None
    } else {
        std::fs::read_to_string(&modules_setup.base).ok().as_deref().and_then(MainLanguage::from_gomod)
    };
    if let Some(main) = &main_language {
        go.env.push((MAIN_MODULE_ENV.into(), main.to_env().into()));
    }

    // 3. The build graph, with the hook runtime in it.
    let core_hooks: BTreeSet<String> = catalogue
        .all_files()
        .map(|id| catalogue.file(id).hooks.clone())
        .filter(|hooks| hooks != SDK_PACKAGE && runtime::module_of(&modules, hooks).is_some_and(|m| m.path == CORE_MODULE))
        .collect();
    let mut list = vec!["list".to_string(), "-e".into(), "-deps".into(), "-json=ImportPath,Name,Dir,Standard,Module,Deps,TestGoFiles,XTestGoFiles,Error".into()];
    if args.command == GoCommand::Test {
        list.push("-test".into());
    }
    list.extend(module_flags.iter().cloned());
    list.extend(args.compile_flags());
    list.push("--".into());
    list.extend(if args.packages.is_empty() { vec![".".to_string()] } else { args.packages.clone() });
    list.push(SDK_PACKAGE.into());
    list.extend(core_hooks.iter().cloned());
    let graph = go.list(&list)?;
    let matched = match_rules(&catalogue, &graph, &go_version);
    for line in &matched.unsupported {
        eprintln!("autotel: warning: {line}");
    }
    let main_imports: Vec<String> = std::iter::once(SDK_PACKAGE.to_string())
        .chain(matched.hook_packages.iter().filter(|p| p.as_str() != SDK_PACKAGE).cloned())
        .collect();
    for hooks in &matched.hook_packages {
        if let Some(m) = runtime::module_of(&modules, hooks) {
            if !needed_modules.iter().any(|n| n.path == m.path) {
                needed_modules.push(m);
            }
        }
    }
    if needed_modules.len() > 1 {
        module_flags = modules_setup.write(&needed_modules)?;
    }
    report_raised_dependencies(&modules_setup, &graph, &modules);
    if verbose {
        print_summary(&matched);
    }

    // 4. The hook packages' archives, compiled as the user's build will compile them.
    let hook_modules = closure_modules(&graph, &main_imports);
    let executable = executable_identity().map_err(BuildError::io("read", "the autotel executable"))?;
    let language = main_language.as_ref().map(MainLanguage::to_env).unwrap_or_default();
    let fingerprint = fingerprint(&executable, runtime::hash(), &format!("{}\n{language}", catalogue.fingerprint()), &hook_modules);
    go.env.push((state::FINGERPRINT_ENV.into(), fingerprint.into()));
    let toolexec = toolexec_flag()?;
    let mut build_state = BuildState {
        user_rule_files: catalogue.user_paths().to_vec(),
        programs: BTreeMap::new(),
        all_hook_packages: main_imports.clone(),
        archives: BTreeMap::new(),
        main_rules: matched.main_rules.clone(),
        build_tags: constraint::context_tags(
            &go_env.goos,
            &go_env.goarch,
            go_env.cgo_enabled == "1",
            args.flag("tags").or_else(|| goflag("tags")).unwrap_or_default(),
            go_version.minor,
        ),
    };
    state.write_rules(&matched, &build_state)?;
    let mut export = vec!["list".to_string(), "-deps".into(), "-export".into(), "-json=ImportPath,Export,Deps,Error".into(), toolexec.clone()];
    export.extend(module_flags.iter().cloned());
    export.extend(args.compile_flags());
    export.push("--".into());
    export.extend(main_imports.iter().cloned());
    let progress = Progress::start(&state::progress_file(&state.path), "preparing the hook runtime", std::io::stderr().is_terminal());
    let listed = go.list(&export).map_err(|e| match e {
        BuildError::Go { stderr, .. } => BuildError::HookBuild(stderr),
        other => other,
    });
    progress.finish();
    let mut hook_deps = BTreeMap::new();
    for package in listed? {
        if let Some(error) = package.error {
            return Err(BuildError::HookBuild(format!("{}: {}", package.import_path, error.err)));
        }
        if !package.export.is_empty() {
            build_state.archives.insert(package.import_path.clone(), PathBuf::from(package.export));
        }
        hook_deps.insert(package.import_path, package.deps);
    }

    // Which hook packages each program links, and how they get in.
    let imports = programs::hook_imports(&graph, &matched.hooks_by_target, &hook_deps);
    let user_overlay = args.flag("overlay").or_else(|| goflag("overlay")).map(|o| dir.join(o));
    let overlay = match args.command {
        GoCommand::Test => test_overlay::write(&graph, &imports, &state.path, user_overlay.as_deref())?,
        _ => None,
    };
    let by_test_file = |program: &String| overlay.as_ref().is_some_and(|o: &TestOverlay| o.programs.contains(program));
    build_state.programs = imports
        .into_iter()
        .map(|(program, hooks)| {
            let how = if by_test_file(&program) { HookImports::TestFile } else { HookImports::Generated(hooks) };
            (program, how)
        })
        .collect();
    state.write_build(&build_state)?;

    // 5. The user's command.
    let mut argv = vec![args.command.name().to_string(), toolexec];
    argv.extend(module_flags);
    let mut replaced = vec!["modfile", "mod", "toolexec"];
    if let Some(overlay) = &overlay {
        argv.push(format!("-overlay={}", overlay.file.display()));
        replaced.push("overlay");
    }
    argv.extend(args.args_without(&replaced));
    let mut command = go.command(&argv);
    let what = format!("go {}", args.command.name());
    let show_progress = std::io::stderr().is_terminal() && args.command != GoCommand::Run && !verbose;
    crate::child::run(&mut command, &state::progress_file(&state.path), &what, show_progress)
}

/// Where alternate module files go and how the go command is told about them.
struct ModuleSetup {
    workspace: bool,
    /// The user's go.mod (or -modfile), or go.work in workspace mode.
    base: PathBuf,
    state: PathBuf,
    runtime: PathBuf,
}

impl ModuleSetup {
    /// Writes the alternate files for `modules`; returns the go flags that select them.
    fn write(&self, modules: &[&RuntimeModule]) -> Result<Vec<String>, BuildError> {
        if self.workspace {
            modfile::write_workfile(&self.base, &self.state, &self.runtime, modules)
                .map_err(BuildError::io("write an alternate go.work from", &self.base))?;
            return Ok(Vec::new());
        }
        let alternate = modfile::write_modfile(&self.base, &self.state, &self.runtime, modules)
            .map_err(BuildError::io("write an alternate go.mod from", &self.base))?;
        Ok(vec![format!("-modfile={}", alternate.display()), "-mod=mod".into()])
    }
}

/// Tells the user which of their dependencies the hook runtime moves in the instrumented build,
/// from what to what and why (`otelalign.rs`).
fn report_raised_dependencies(setup: &ModuleSetup, graph: &[Package], runtime_modules: &[RuntimeModule]) {
    if setup.workspace {
        return;
    }
    let linked = graph.iter().filter(|p| !p.standard).filter_map(|p| p.module.as_ref()).map(|m| m.path.clone()).collect();
    match otelalign::moves_of_build(&setup.base, &setup.state, &setup.state.join("go.mod"), &linked, runtime_modules) {
        Ok(moves) => otelalign::report_text(&moves).into_iter().for_each(|text| eprintln!("{text}")),
        Err(e) => eprintln!("autotel: warning: cannot tell whether the hook runtime moves your dependencies: {e}"),
    }
}

fn print_summary(matched: &Matched) {
    eprintln!("autotel: instrumentations: {}", matched.instrumentations.iter().cloned().collect::<Vec<_>>().join(", "));
    for (package, rules) in &matched.packages {
        eprintln!("autotel:   {package}: {} rule(s)", rules.len());
    }
    eprintln!("autotel:   every main package: {} rule(s)", matched.main_rules.len());
    for line in &matched.untested {
        eprintln!("autotel:   note: {line}");
    }
}

/// Module path and version of every package in the closure of `roots`.
fn closure_modules(graph: &[Package], roots: &[String]) -> Vec<(String, String)> {
    let by_path: BTreeMap<&str, &Package> = graph.iter().map(|p| (p.import_path.as_str(), p)).collect();
    let mut modules = BTreeSet::new();
    for root in roots {
        let Some(package) = by_path.get(root.as_str()) else { continue };
        for dep in package.deps.iter().map(String::as_str).chain([root.as_str()]) {
            if let Some(module) = by_path.get(dep).and_then(|p| p.module.as_ref()) {
                modules.insert((module.path.clone(), module.effective_version().unwrap_or("").to_string()));
            }
        }
    }
    modules.into_iter().collect()
}

fn toolexec_flag() -> Result<String, BuildError> {
    let exe = std::env::current_exe().map_err(BuildError::io("locate", "the autotel executable"))?;
    let exe = exe.display().to_string();
    Ok(if exe.contains([' ', '\'', '"']) {
        format!("-toolexec='{}' toolexec", exe.replace('\'', "'\\''"))
    } else {
        format!("-toolexec={exe} toolexec")
    })
}

/// The cache directory: `AUTOTEL_CACHE_DIR`, else `$XDG_CACHE_HOME/autotel`, else `~/.cache/autotel`.
pub fn cache_dir() -> Result<PathBuf, BuildError> {
    if let Some(dir) = std::env::var_os("AUTOTEL_CACHE_DIR") {
        return Ok(PathBuf::from(dir));
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME") {
        return Ok(PathBuf::from(dir).join("autotel"));
    }
    match std::env::var_os("HOME") {
        Some(home) => Ok(PathBuf::from(home).join(".cache/autotel")),
        None => Err(BuildError::Io {
            action: "find",
            path: "a cache directory".into(),
            source: std::io::Error::other("set AUTOTEL_CACHE_DIR, XDG_CACHE_HOME or HOME"),
        }),
    }
}

/// A state directory for one run; removed when dropped.
struct StateDir {
    path: PathBuf,
}

impl StateDir {
    fn create(cache: &Path) -> Result<StateDir, BuildError> {
        let builds = cache.join("builds");
        remove_abandoned(&builds);
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
        let path = builds.join(format!("{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(path.join("pkg")).map_err(BuildError::io("create", &path))?;
        Ok(StateDir { path })
    }

    fn write_rules(&self, matched: &Matched, build: &BuildState) -> Result<(), BuildError> {
        for (import_path, rules) in &matched.packages {
            let file = state::package_file(&self.path, import_path);
            let json = serde_json::to_vec(&PackageRules { import_path: import_path.clone(), rules: rules.clone() })
                .expect("state serializes");
            std::fs::write(&file, json).map_err(BuildError::io("write", &file))?;
        }
        self.write_build(build)
    }

    fn write_build(&self, build: &BuildState) -> Result<(), BuildError> {
        let file = state::build_file(&self.path);
        std::fs::write(&file, serde_json::to_vec_pretty(build).expect("state serializes")).map_err(BuildError::io("write", &file))
    }
}

impl Drop for StateDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Removes state directories of runs that were killed (their process is gone).
fn remove_abandoned(builds: &Path) {
    let Ok(entries) = std::fs::read_dir(builds) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        let Some(pid) = name.split('-').next().and_then(|p| p.parse::<i32>().ok()) else { continue };
        // SAFETY: kill with signal 0 only checks whether the process exists.
        let alive = unsafe { libc::kill(pid, 0) } == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM);
        if !alive {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}
