//! `autotel go build|install|run|test`: plan the instrumented build, then run it.
//!
//! [`go`] reads the user's go command line (`goflags.rs`), looks the plan up in the plan cache
//! (`plan_cache.rs`) and plans only when it is not there or its inputs changed:
//!
//! 1. `go env`, and the alternate module files in a fresh state directory, with the hook runtime
//!    extracted beside them (`runtime.rs`, `modfile.rs`); the user's tree is only read.
//! 2. `go list -deps` the user's packages plus the hook runtime, match rules (`matching.rs`) and
//!    say which of the user's dependencies the runtime moves (`otelalign.rs`).
//! 3. `go list -export -deps` the hook packages through the toolexec proxy, with the user's
//!    compile flags, so their archives (and the instrumented standard library under them) are
//!    the very ones the user's build will use; coverage only where the user's build has it
//!    (`coverage.rs`).
//! 4. Decide which hook packages each program links (`programs.rs`); under `go test`, the
//!    overlay that imports them into the main module's programs (`hook_overlay.rs`).
//!
//! Either way the plan is written into the state directory (`state.rs`), and the user's command
//! runs with `-modfile`/`GOWORK` and `-toolexec` (`child.rs`); go's exit status is returned.
//! The state directory is removed afterwards, also after Ctrl-C.

use crate::constraint;
use crate::coverage;
use crate::error::BuildError;
use crate::fingerprint::{executable_identity, fingerprint};
use crate::goflags::{goflags_words, GoArgs, GoCommand};
use crate::golist::{Go, GoEnv, Package};
use crate::hook_overlay;
use crate::language::{MainLanguage, MAIN_MODULE_ENV};
use crate::link_cache;
use manifest::Instrumented;
use crate::matching::{match_rules, Matched};
use crate::modfile;
use crate::otelalign;
use crate::plan_cache::{self, Input, Key, KeyParts, Plan};
use crate::progress::Progress;
use crate::programs;
use crate::runtime::{self, RuntimeModule, CORE_MODULE, SDK_PACKAGE};
use crate::state::{self, BuildState, HookImports, PackageRules};
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

/// Plans (or finds the plan of) an instrumented go command and runs it; returns go's exit code.
pub fn go(options: &GoOptions) -> Result<i32, BuildError> {
    let args = GoArgs::parse(&options.argv)?;
    let cwd = std::env::current_dir().map_err(BuildError::io("read", "the current directory"))?;
    let dir = args.chdir.as_ref().map_or(cwd.clone(), |d| cwd.join(d));
    let catalogue = Catalogue::with_user_files(&options.rule_files)?;
    let cache = cache_dir()?;
    let runtime_root = runtime::extract(&cache).map_err(BuildError::io("extract the hook runtime into", &cache))?;
    let state = StateDir::create(&cache)?;
    let verbose = args.bool_flag("v") || args.bool_flag("x") || std::env::var_os(state::VERBOSE_ENV).is_some();
    let executable = executable_identity().map_err(BuildError::io("read", "the autotel executable"))?;
    let key = Key::of_process(&KeyParts { executable: &executable, rules: &catalogue.fingerprint(), command: &args.plan_words(), dir: &dir });
    let plan = match plan_cache::load(&cache, &key) {
        Some(plan) => {
            if verbose {
                eprintln!("autotel: plan reused: nothing it depends on changed");
            }
            plan.notes.iter().for_each(|note| eprintln!("{note}"));
            plan
        }
        None => {
            if verbose {
                eprintln!("autotel: planning the build");
            }
            let planned_at = std::time::SystemTime::now();
            let planner = Planner { args: &args, dir: &dir, catalogue: &catalogue, state: &state.path, runtime_root: &runtime_root, executable: &executable };
            let (plan, inputs) = planner.plan()?;
            if let Some(inputs) = inputs {
                match plan_cache::store(&cache, &key, inputs, &plan, planned_at) {
                    Ok(true) => {}
                    Ok(false) if verbose => eprintln!("autotel: the plan is not cached: a file it read changed while planning"),
                    Ok(false) => {}
                    Err(e) => eprintln!("autotel: warning: the plan is not cached, the next build plans again: {e}"),
                }
            }
            plan
        }
    };
    if verbose {
        plan.summary.iter().for_each(|line| eprintln!("{line}"));
    }
    let overlay = state.write_plan(&plan)?;
    run_user_command(&args, &dir, &plan, &state.path, overlay.as_deref(), verbose)
}

/// Runs the user's go command on a written plan.
fn run_user_command(args: &GoArgs, dir: &Path, plan: &Plan, state: &Path, overlay: Option<&Path>, verbose: bool) -> Result<i32, BuildError> {
    let toolexec = toolexec_flag()?;
    let go = plan_go(dir, args, plan.workspace, state, plan.main_language.as_deref(), Some(&plan.fingerprint));
    let mut argv = vec![args.command.name().to_string(), toolexec];
    argv.extend(module_flags(plan.workspace, state));
    argv.extend(plan.go_flags.iter().cloned());
    let mut replaced = vec!["modfile", "mod", "toolexec"];
    if let Some(overlay) = overlay {
        argv.push(format!("-overlay={}", overlay.display()));
        replaced.push("overlay");
    }
    argv.extend(args.args_without(&replaced));
    let mut command = go.command(&argv);
    if discards_executables(args, &plan.build) {
        command.env(link_cache::DISCARDED_ENV, "1");
    }
    if verbose {
        command.env(state::VERBOSE_ENV, "1");
    }
    let what = format!("go {}", args.command.name());
    let show_progress = std::io::stderr().is_terminal() && args.command != GoCommand::Run && !verbose;
    crate::child::run(&mut command, &state::progress_file(state), &what, show_progress)
}

/// Whether the go command links the programs of `build` only to throw the executables away:
/// `go build -o /dev/null`, or `go build` without `-o` of anything but one main package.
fn discards_executables(args: &GoArgs, build: &BuildState) -> bool {
    args.command == GoCommand::Build
        && match args.flag("o") {
            Some(output) => output == "/dev/null",
            None => build.programs.len() != 1,
        }
}

/// The go command as the plan and the build run it: in the user's directory, with the state
/// directory, the user's own -toolexec, the alternate go.work, the main module's language and
/// (once known) the fingerprint in its environment.
fn plan_go<'a>(dir: &'a Path, args: &GoArgs, workspace: bool, state: &Path, main_language: Option<&str>, fingerprint: Option<&str>) -> Go<'a> {
    let mut env: Vec<(String, OsString)> = vec![
        (state::STATE_ENV.to_string(), state.as_os_str().to_owned()),
        ("AUTOTEL_USER_TOOLEXEC".to_string(), args.flag("toolexec").unwrap_or_default().into()),
    ];
    if workspace {
        env.push(("GOWORK".into(), state.join("go.work").into_os_string()));
    }
    if let Some(main) = main_language {
        env.push((MAIN_MODULE_ENV.into(), main.into()));
    }
    if let Some(fingerprint) = fingerprint {
        env.push((state::FINGERPRINT_ENV.into(), fingerprint.into()));
    }
    Go { dir, env }
}

/// The go flags that select the alternate module files (none in workspace mode: `GOWORK` does).
fn module_flags(workspace: bool, state: &Path) -> Vec<String> {
    if workspace {
        return Vec::new();
    }
    vec![format!("-modfile={}", state.join("go.mod").display()), "-mod=mod".into()]
}

/// Warnings and notes for the user: printed as they come, and kept in the plan so that a build
/// that reuses it prints them too.
#[derive(Default)]
struct Notes(Vec<String>);

impl Notes {
    fn say(&mut self, text: String) {
        eprintln!("{text}");
        self.0.push(text);
    }
}

/// One planning run: everything it reads and where it writes.
struct Planner<'a> {
    args: &'a GoArgs,
    dir: &'a Path,
    catalogue: &'a Catalogue,
    state: &'a Path,
    runtime_root: &'a Path,
    executable: &'a str,
}

/// What `go env` says about the build's modules.
struct Modules {
    go_env: GoEnv,
    go_version: Version,
    setup: ModuleSetup,
    /// The main module's directory (module mode), or the go.work's.
    root: PathBuf,
    /// The user's GOFLAGS, split.
    goflags: Vec<String>,
}

impl Modules {
    /// The value of flag `name` in GOFLAGS.
    fn goflag(&self, name: &str) -> Option<&str> {
        self.goflags.iter().rev().find_map(|w| match split_goflag(w) {
            (n, Some(value)) if n == name => Some(value),
            _ => None,
        })
    }

    /// Whether bool flag `name` is set in GOFLAGS (`-name` or `-name=true`).
    fn goflag_set(&self, name: &str) -> bool {
        self.goflags.iter().rev().map(|w| split_goflag(w)).find(|(n, _)| *n == name).is_some_and(|(_, value)| value != Some("false"))
    }

    /// GOFLAGS less the flags `names`.
    fn goflags_except(&self, names: &[&str]) -> String {
        let kept = self.goflags.iter().filter(|w| !names.contains(&split_goflag(w).0));
        kept.cloned().collect::<Vec<_>>().join(" ")
    }
}

/// A GOFLAGS word split into its flag's name and value (`-name=value`, `-name`).
fn split_goflag(word: &str) -> (&str, Option<&str>) {
    let body = word.trim_start_matches('-');
    match body.split_once('=') {
        Some((name, value)) => (name, Some(value)),
        None => (body, None),
    }
}

impl Planner<'_> {
    /// Plans the build in the state directory; returns the plan and the inputs it depends on
    /// (`None`: it depends on something the plan cache cannot check, so it is not cached).
    fn plan(&self) -> Result<(Plan, Option<BTreeSet<Input>>), BuildError> {
        let mut notes = Notes::default();
        let modules = self.modules()?;
        if !modules.setup.workspace
            && modules.root.join("vendor/modules.txt").exists()
            && self.args.flag("mod").or_else(|| modules.goflag("mod")).is_none_or(|m| m == "vendor")
        {
            notes.say(
                "autotel: note: vendor/ is not used by the instrumented build: the hook runtime is not vendored, \
                 so modules come from the module cache (your vendor/ is unchanged)"
                    .into(),
            );
        }
        let all_modules = runtime::modules();
        let core = runtime::module_of(&all_modules, CORE_MODULE).expect("the core runtime module is embedded");
        modules.setup.write(&[core])?;
        // The user's go line, which the alternate go.mod may raise (language.rs). Workspace mode
        // keeps each module's own go.mod, so the go command's -lang is already the module's.
        let main_language = if modules.setup.workspace {
            None
        } else {
            std::fs::read_to_string(&modules.setup.base).ok().as_deref().and_then(MainLanguage::from_gomod).map(|m| m.to_env())
        };
        let go = plan_go(self.dir, self.args, modules.setup.workspace, self.state, main_language.as_deref(), None);

        let graph = self.list_graph(&go, &modules, &all_modules)?;
        if let Some((module, dir)) = graph.iter().filter(|p| p.error.is_some()).find_map(|p| modfile::absent_replacement_of(&p.import_path, self.state)) {
            return Err(BuildError::AbsentReplacement { module, dir });
        }
        if graph.iter().any(|p| p.import_path == "plugin") {
            notes.say(
                "autotel: note: this program imports package plugin: Go opens only plugins built from the same \
                 packages as the program, so build its plugins with `autotel go build -buildmode=plugin` (the same \
                 autotel, the same module versions); one built by `go build` fails to open (\"plugin was built with a \
                 different version of package …\")"
                    .into(),
            );
        }
        let matched = match_rules(self.catalogue, &graph, &modules.go_version);
        matched.unsupported.iter().for_each(|line| notes.say(format!("autotel: warning: {line}")));
        let mut needed_modules = vec![core];
        for hooks in &matched.hook_packages {
            if let Some(m) = runtime::module_of(&all_modules, hooks) {
                if !needed_modules.iter().any(|n| n.path == m.path) {
                    needed_modules.push(m);
                }
            }
        }
        if needed_modules.len() > 1 {
            modules.setup.write(&needed_modules)?;
        }
        if let Some(report) = report_raised_dependencies(&modules.setup, &graph, &all_modules) {
            notes.say(report);
        }

        let main_imports: Vec<String> = std::iter::once(SDK_PACKAGE.to_string())
            .chain(matched.hook_packages.iter().filter(|p| p.as_str() != SDK_PACKAGE).cloned())
            .collect();
        // The user's language only where the go command raises it, and then through -gcflags
        // where it can (language.rs): the fingerprint is one for every package of the build, and
        // a module-specific part rebuilds the whole instrumented standard library for the module.
        let go_lines = graph.iter().filter_map(|p| p.module.as_ref()).filter_map(|m| m.go_version.as_deref());
        let go_lines = go_lines.chain(needed_modules.iter().filter_map(|m| m.go_version.as_deref()));
        let user_gcflags = self.args.flag("gcflags").or_else(|| modules.goflag("gcflags")).is_some();
        let packages = graph.iter().map(|p| (p.import_path.as_str(), p.module.as_ref().map_or("", |m| m.path.as_str())));
        let (language, go_flags, proxy_language) = match main_language.as_deref().and_then(MainLanguage::from_env) {
            Some(main) if main.is_raised_by(go_lines) => {
                if user_gcflags || main.has_nested_module(packages) {
                    (main.to_env(), Vec::new(), main_language.clone())
                } else {
                    (String::new(), vec![main.gcflags()], None)
                }
            }
            _ => (String::new(), Vec::new(), main_language.clone()),
        };
        // The runtime's directory too: its path is in the hook archives' export data (positions),
        // and a main package compiled against one directory's archives must not be reused with
        // another's (two AUTOTEL_CACHE_DIRs sharing one GOCACHE failed to link). The hook
        // closure only when the toolexec proxy imports hook packages that no overlay file pins
        // (hook_overlay.rs): otherwise modules using different libraries share everything.
        let closure = if hook_overlay::carries_every_program(&graph) { Vec::new() } else { closure_modules(&graph, &main_imports) };
        // A coverage build's packages that only autotel brings are compiled without counters
        // (coverage.rs), so the set is part of the fingerprint: such an archive must not serve a
        // build where the package is the user's and counts.
        let coverage = match self.coverage(&modules) {
            None => None,
            Some(request) => {
                let hook_closure = self.hook_closure(&go, &modules, &main_imports)?;
                let selection = request.select(self.args.command, self.dir, &graph, &format!("{CORE_MODULE}/"), &hook_closure);
                Some((request, selection))
            }
        };
        let registration_only = coverage.as_ref().map(|(_, s)| s.registration_only.clone()).unwrap_or_default();
        let registration_only_line = registration_only.iter().map(|p| format!("\ncover regonly {p}")).collect::<String>();
        let fingerprint = fingerprint(
            self.executable,
            &format!("{}\n{}", runtime::hash(), self.runtime_root.display()),
            &format!("{}\n{language}{registration_only_line}", self.catalogue.fingerprint()),
            &closure,
        );
        let mut build = BuildState {
            user_rule_files: self.catalogue.user_paths().to_vec(),
            programs: BTreeMap::new(),
            all_hook_packages: main_imports.clone(),
            archives: BTreeMap::new(),
            main_rules: matched.main_rules.clone(),
            build_tags: constraint::context_tags(
                &modules.go_env.goos,
                &modules.go_env.goarch,
                modules.go_env.cgo_enabled == "1",
                self.args.flag("tags").or_else(|| modules.goflag("tags")).unwrap_or_default(),
                modules.go_version.minor,
            ),
            go_version: modules.go_env.goversion.clone(),
            instrumented: instrumented(self.catalogue, &matched, &graph),
            hook_instrumented: BTreeMap::new(),
            registration_only,
        };
        let package_rules: Vec<PackageRules> =
            matched.packages.iter().map(|(import_path, rules)| PackageRules { import_path: import_path.clone(), rules: rules.clone() }).collect();
        write_rules(self.state, &package_rules, &build)?;
        let mut hook_go = plan_go(self.dir, self.args, modules.setup.workspace, self.state, main_language.as_deref(), Some(&fingerprint));
        let hook_flags = match &coverage {
            None => self.args.compile_flags(),
            Some((request, selection)) => {
                hook_go.env.push(("GOFLAGS".into(), modules.goflags_except(coverage::FLAGS).into()));
                [self.args.compile_flags_except(coverage::FLAGS), selection.closure_flags(request)].concat()
            }
        };
        let hook_deps = self.build_hook_archives(&hook_go, &modules, &main_imports, &hook_flags, &mut build)?;

        let imports = programs::hook_imports(&graph, &matched.hooks_by_target, &hook_deps);
        let user_overlay = self.args.flag("overlay").or_else(|| modules.goflag("overlay")).map(|o| self.dir.join(o));
        let pgo_auto = self.args.flag("pgo").or_else(|| modules.goflag("pgo")).is_none_or(|p| p == "auto");
        let built = hook_overlay::HookArchives { deps: &hook_deps, archives: &build.archives };
        let overlay = hook_overlay::plan(&graph, &imports, &built, pgo_auto, user_overlay.as_deref())?;
        let instrumented: BTreeSet<&str> = build.instrumented.iter().map(|i| i.package.as_str()).collect();
        let hook_instrumented = main_imports
            .iter()
            .map(|hook| (hook.clone(), built.closure(hook).filter(|p| instrumented.contains(p)).map(str::to_string).collect()))
            .collect();
        build.hook_instrumented = hook_instrumented;
        let by_overlay = |program: &String| overlay.as_ref().is_some_and(|o| o.programs.contains(program));
        build.programs = imports
            .into_iter()
            .map(|(program, hooks)| {
                let how = if by_overlay(&program) { HookImports::OverlayFile } else { HookImports::Generated(hooks) };
                (program, how)
            })
            .collect();

        let inputs = self.inputs(&modules, user_overlay.as_deref());
        let plan = Plan {
            workspace: modules.setup.workspace,
            module_files: modules.setup.read_back()?,
            main_language: proxy_language,
            go_flags,
            fingerprint,
            package_rules,
            build,
            overlay,
            notes: notes.0,
            summary: summary(&matched),
        };
        Ok((plan, inputs))
    }

    /// `go env`: where the modules are, the Go version, GOFLAGS.
    fn modules(&self) -> Result<Modules, BuildError> {
        let go_env = Go { dir: self.dir, env: Vec::new() }.env()?;
        let workspace = !go_env.gowork.is_empty() && go_env.gowork != "off";
        if !workspace && (go_env.gomod.is_empty() || go_env.gomod == "/dev/null") {
            return Err(BuildError::NoModule { dir: self.dir.to_path_buf() });
        }
        let go_version = Version::parse(&go_env.goversion)
            .map_err(|e| BuildError::Go { command: "go env GOVERSION".into(), stderr: e })?;
        let goflags = goflags_words(&go_env.goflags);
        let mut modules = Modules {
            root: PathBuf::new(),
            setup: ModuleSetup {
                workspace,
                base: PathBuf::new(),
                state: self.state.to_path_buf(),
                runtime: self.runtime_root.to_path_buf(),
                absent_modules: cache_dir()?.join("absent-modules"),
            },
            go_version,
            goflags,
            go_env,
        };
        modules.setup.base = if workspace {
            PathBuf::from(&modules.go_env.gowork)
        } else {
            let modfile = self.args.flag("modfile").or_else(|| modules.goflag("modfile")).map(|m| self.dir.join(m));
            modfile.unwrap_or_else(|| PathBuf::from(&modules.go_env.gomod))
        };
        let located = if workspace { &modules.go_env.gowork } else { &modules.go_env.gomod };
        modules.root = Path::new(located).parent().unwrap_or(self.dir).to_path_buf();
        Ok(modules)
    }

    /// `go list -deps` of the user's packages plus the SDK bootstrap and the core runtime's hook
    /// packages.
    fn list_graph(&self, go: &Go, modules: &Modules, all_modules: &[RuntimeModule]) -> Result<Vec<Package>, BuildError> {
        let core_hooks: BTreeSet<String> = self
            .catalogue
            .all_files()
            .map(|id| self.catalogue.file(id).hooks.clone())
            .filter(|hooks| hooks != SDK_PACKAGE && runtime::module_of(all_modules, hooks).is_some_and(|m| m.path == CORE_MODULE))
            .collect();
        let mut list = vec!["list".to_string(), "-e".into(), "-deps".into(), "-json=ImportPath,Name,Dir,Standard,Module,Deps,DepOnly,TestGoFiles,XTestGoFiles,Error".into()];
        if self.args.command == GoCommand::Test {
            list.push("-test".into());
        }
        list.extend(module_flags(modules.setup.workspace, self.state));
        list.extend(self.args.compile_flags());
        list.push("--".into());
        let user = if self.args.packages.is_empty() { vec![".".to_string()] } else { self.args.packages.clone() };
        let runtime = std::iter::once(SDK_PACKAGE.to_string()).chain(core_hooks);
        // Go files named on the command line (`go run main.go`) cannot be listed with packages.
        if !user.iter().any(|p| p.ends_with(".go")) {
            return go.list(&[list, user, runtime.collect()].concat());
        }
        let mut graph = go.list(&[list.clone(), user].concat())?;
        let mut listed: BTreeSet<String> = graph.iter().map(|p| p.import_path.clone()).collect();
        let runtime_graph = go.list(&[list, runtime.collect()].concat())?;
        graph.extend(runtime_graph.into_iter().filter(|p| listed.insert(p.import_path.clone())));
        Ok(graph)
    }

    /// The coverage the user's build asks for (command line, else GOFLAGS).
    fn coverage(&self, modules: &Modules) -> Option<coverage::Request> {
        let cover = if self.args.has_flag("cover") { self.args.bool_flag("cover") } else { modules.goflag_set("cover") };
        let flag = |name| self.args.flag(name).or_else(|| modules.goflag(name));
        coverage::Request::new(cover, flag("covermode"), flag("coverpkg"))
    }

    /// The packages the hook packages `main_imports` import, themselves included.
    fn hook_closure(&self, go: &Go, modules: &Modules, main_imports: &[String]) -> Result<BTreeSet<String>, BuildError> {
        let mut list = vec!["list".to_string(), "-deps".into(), "-json=ImportPath".into()];
        list.extend(module_flags(modules.setup.workspace, self.state));
        list.extend(self.args.compile_flags_except(coverage::FLAGS));
        list.push("--".into());
        list.extend(main_imports.iter().cloned());
        Ok(go.list(&list)?.into_iter().map(|p| p.import_path).collect())
    }

    /// The hook packages' archives, compiled as the user's build will compile them (through the
    /// toolexec proxy, with the user's compile flags, `compile_flags`, where coverage is
    /// narrowed to what the user's build covers); recorded in `build.archives`. Returns the
    /// dependencies of each hook package.
    fn build_hook_archives(&self, go: &Go, modules: &Modules, main_imports: &[String], compile_flags: &[String], build: &mut BuildState) -> Result<BTreeMap<String, Vec<String>>, BuildError> {
        let mut export = vec!["list".to_string(), "-deps".into(), "-export".into(), "-json=ImportPath,Export,Deps,Error".into(), toolexec_flag()?];
        export.extend(module_flags(modules.setup.workspace, self.state));
        export.extend(compile_flags.iter().cloned());
        export.push("--".into());
        export.extend(main_imports.iter().cloned());
        let progress = Progress::start(&state::progress_file(self.state), "preparing the hook runtime", std::io::stderr().is_terminal());
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
                build.archives.insert(package.import_path.clone(), PathBuf::from(package.export));
            }
            hook_deps.insert(package.import_path, package.deps);
        }
        write_build(self.state, build)?;
        Ok(hook_deps)
    }

    /// What the plan read from the user's machine, for the plan cache (see `plan_cache.rs`).
    fn inputs(&self, modules: &Modules, user_overlay: Option<&Path>) -> Option<BTreeSet<Input>> {
        let mut inputs = BTreeSet::new();
        let module = |dir: &Path, inputs: &mut BTreeSet<Input>| {
            inputs.insert(Input::Sources(dir.to_path_buf()));
            inputs.insert(Input::File(dir.join("go.mod")));
            inputs.insert(Input::File(dir.join("go.sum")));
        };
        let base_text = std::fs::read_to_string(&modules.setup.base).unwrap_or_default();
        inputs.insert(Input::File(modules.setup.base.clone()));
        if modules.setup.workspace {
            inputs.insert(Input::File(modules.setup.base.with_file_name("go.work.sum")));
            for used in modfile::used_dirs(&base_text, &modules.root) {
                let gomod = std::fs::read_to_string(used.join("go.mod")).unwrap_or_default();
                for replacement in modfile::replacement_dirs(&gomod, &used) {
                    module(&replacement, &mut inputs);
                }
                module(&used, &mut inputs);
            }
        } else {
            inputs.insert(Input::File(modfile::sum_path(&modules.setup.base)));
            inputs.insert(Input::File(modules.root.join("go.mod")));
            inputs.insert(Input::File(modules.root.join("vendor/modules.txt")));
            inputs.insert(Input::Sources(modules.root.clone()));
        }
        for replacement in modfile::replacement_dirs(&base_text, &modules.root) {
            module(&replacement, &mut inputs);
        }
        // A go.mod or go.work that appears where the go command looks changes the build.
        let gowork_from_env = std::env::var_os("GOWORK").is_some_and(|w| !w.is_empty() && w != "auto");
        for ancestor in self.dir.ancestors() {
            if !gowork_from_env {
                inputs.insert(Input::File(ancestor.join("go.work")));
            }
            if ancestor.starts_with(&modules.root) && ancestor != modules.root {
                inputs.insert(Input::File(ancestor.join("go.mod")));
            }
        }
        if let Some(overlay) = user_overlay {
            inputs.insert(Input::File(overlay.to_path_buf()));
            let replaced = hook_overlay::read_user_overlay(overlay).ok()?;
            inputs.extend(replaced.into_values().filter(|file| !file.is_empty()).map(|file| Input::File(self.dir.join(file))));
        }
        Some(inputs)
    }
}

/// Where alternate module files go.
struct ModuleSetup {
    workspace: bool,
    /// The user's go.mod (or -modfile), or go.work in workspace mode.
    base: PathBuf,
    state: PathBuf,
    runtime: PathBuf,
    /// Where empty modules stand in for replacement directories that are not there.
    absent_modules: PathBuf,
}

impl ModuleSetup {
    /// Writes the alternate files for `modules` into the state directory.
    fn write(&self, modules: &[&RuntimeModule]) -> Result<(), BuildError> {
        if self.workspace {
            modfile::write_workfile(&self.base, &self.state, &self.runtime, modules)
                .map_err(BuildError::io("write an alternate go.work from", &self.base))?;
        } else {
            modfile::write_modfile(&self.base, &self.state, &self.runtime, &self.absent_modules, modules)
                .map_err(BuildError::io("write an alternate go.mod from", &self.base))?;
        }
        Ok(())
    }

    /// The alternate files as the plan's go commands left them (`-mod=mod` may have added sums).
    fn read_back(&self) -> Result<BTreeMap<String, String>, BuildError> {
        let names = if self.workspace { ["go.work", "go.work.sum"] } else { ["go.mod", "go.sum"] };
        names
            .iter()
            .map(|name| {
                let file = self.state.join(name);
                let text = std::fs::read_to_string(&file).map_err(BuildError::io("read", &file))?;
                Ok((name.to_string(), text))
            })
            .collect()
    }
}

/// The note on which of the user's dependencies the hook runtime moves in the instrumented
/// build, from what to what and why (`otelalign.rs`); `None` when nothing moves.
fn report_raised_dependencies(setup: &ModuleSetup, graph: &[Package], runtime_modules: &[RuntimeModule]) -> Option<String> {
    if setup.workspace {
        return None;
    }
    let linked = graph.iter().filter(|p| !p.standard).filter_map(|p| p.module.as_ref()).map(|m| m.path.clone()).collect();
    match otelalign::moves_of_build(&setup.base, &setup.state, &setup.state.join("go.mod"), &linked, runtime_modules) {
        Ok(moves) => otelalign::report_text(&moves),
        Err(e) => Some(format!("autotel: warning: cannot tell whether the hook runtime moves your dependencies: {e}")),
    }
}

/// What `-v` prints about the matched rules.
fn summary(matched: &Matched) -> Vec<String> {
    let mut lines = vec![format!("autotel: instrumentations: {}", matched.instrumentations.iter().cloned().collect::<Vec<_>>().join(", "))];
    for (package, rules) in &matched.packages {
        lines.push(format!("autotel:   {package}: {} rule(s)", rules.len()));
    }
    lines.push(format!("autotel:   every main package: {} rule(s)", matched.main_rules.len()));
    lines.extend(matched.untested.iter().map(|line| format!("autotel:   note: {line}")));
    lines
}

/// The packages rules apply to, with their module and the instrumentations of those rules.
fn instrumented(catalogue: &Catalogue, matched: &Matched, graph: &[Package]) -> Vec<Instrumented> {
    let by_path: BTreeMap<&str, &Package> = graph.iter().map(|p| (programs::without_variant(&p.import_path), p)).collect();
    matched
        .packages
        .iter()
        .map(|(package, rules)| {
            let module = by_path.get(package.as_str()).filter(|p| !p.standard).and_then(|p| p.module.as_ref());
            let names: BTreeSet<&str> = rules.iter().map(|r| catalogue.file(r.file.into()).instrumentation.as_str()).collect();
            Instrumented {
                package: package.clone(),
                module: module.map(|m| m.path.clone()),
                version: module.and_then(|m| m.effective_version()).map(str::to_string),
                instrumentations: names.into_iter().map(str::to_string).collect(),
            }
        })
        .collect()
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

    /// Writes `plan` for the toolexec proxy and the go command: the alternate module files, the
    /// rules of each package, build.json and the test overlay (whose file it returns).
    fn write_plan(&self, plan: &Plan) -> Result<Option<PathBuf>, BuildError> {
        for (name, text) in &plan.module_files {
            let file = self.path.join(name);
            std::fs::write(&file, text).map_err(BuildError::io("write", &file))?;
        }
        write_rules(&self.path, &plan.package_rules, &plan.build)?;
        plan.overlay.as_ref().map(|overlay| overlay.write(&self.path)).transpose()
    }
}

/// Writes the rules of each matched package and build.json.
fn write_rules(state: &Path, package_rules: &[PackageRules], build: &BuildState) -> Result<(), BuildError> {
    for rules in package_rules {
        let file = state::package_file(state, &rules.import_path);
        std::fs::write(&file, serde_json::to_vec(rules).expect("state serializes")).map_err(BuildError::io("write", &file))?;
    }
    write_build(state, build)
}

fn write_build(state: &Path, build: &BuildState) -> Result<(), BuildError> {
    let file = state::build_file(state);
    std::fs::write(&file, serde_json::to_vec_pretty(build).expect("state serializes")).map_err(BuildError::io("write", &file))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn goflags_words_split_into_name_and_value() {
        assert_eq!(split_goflag("-tags=a,b"), ("tags", Some("a,b")));
        assert_eq!(split_goflag("--cover"), ("cover", None));
        assert_eq!(split_goflag("-cover=false"), ("cover", Some("false")));
        assert_eq!(split_goflag("-gcflags=all=-N"), ("gcflags", Some("all=-N")));
    }
}
