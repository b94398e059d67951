//! `autotel toolexec TOOL ARGS…`: the proxy the go command runs in front of every tool.
//!
//! The protocol (the go command's side is `-toolexec`; ours is the state directory, `state.rs`;
//! the tool's argv is read and edited through `tool_argv.rs`):
//!
//! - `TOOL -V=full`: run it (or read its line as a build before kept it, `tool_version.rs`), add
//!   the fingerprint from `AUTOTEL_FINGERPRINT` (`fingerprint.rs`).
//! - `compile`: the import path is `TOOLEXEC_IMPORTPATH` (its `[pkg.test]` suffix dropped). A
//!   package with no `pkg/<key>.json` and not `-p main` is compiled as is: one `stat`, then
//!   `exec` of the real tool, nothing parsed. Otherwise its targeted files are rewritten into
//!   `<objdir>/autotel/`, their paths swapped in argv, added files appended, `-complete` dropped,
//!   and a main package gets `autotel_main.go` importing its program's hook packages, with their
//!   archives added to a copy of its `-importcfg`.
//! - `link`: the hook packages' closure is added to a copy of `importcfg.link`, and the
//!   program's manifest (what it was instrumented with, crates/manifest) to its string data.
//!   When the go command discards the executable, a link kept from an earlier such build with
//!   the same inputs is copied instead, or the linker runs as a child and its output is kept
//!   (`link_cache.rs`).
//! - `cover` (`-cover`): the files autotel's overlay adds are named by their real paths, which
//!   the go command does not do for it (`hook_overlay.rs`), and a package only autotel brings is
//!   registered, not instrumented (`coverage.rs`).
//! - A program whose hook packages an overlay file imports ([`HookImports::OverlayFile`]) gets
//!   no `autotel_main.go` and no archives added (the go command compiled and listed them
//!   itself); its link gets the manifest all the same.
//! - anything else: `exec` of the real tool.
//!
//! The real tool's stdout, stderr and exit status pass through untouched (it replaces this
//! process). A rule that cannot be applied is reported on stderr and the package is compiled
//! without it: an unsupported library version never fails a build.

use crate::constraint;
use crate::coverage;
use crate::fingerprint::version_answer;
use crate::hook_overlay;
use crate::language::{self, MainLanguage};
use crate::link_cache::{self, KeptLink};
use crate::state::{self, BuildState, HookImports, PackageRules, RuleRef};
use crate::tool_argv::{CompileArgv, Invocation, LinkArgv};
use crate::tool_version;
use manifest::Manifest;
use rewrite::{Applied, Hook, Weave};
use rules::{Action, Catalogue, FileId};
use std::collections::{BTreeMap, HashSet};
use std::ffi::OsString;
use std::io::Write as _;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs the proxy for `args` (`TOOL ARGS…`) and never returns.
pub fn main(args: Vec<OsString>) -> ! {
    let mut args = args.into_iter();
    let Some(tool) = args.next() else {
        fail("autotel toolexec must be run by the go command (-toolexec), with a tool to run");
    };
    let state = std::env::var_os(state::STATE_ENV).map(PathBuf::from);
    let args = match (Invocation::parse(Path::new(&tool), args.collect()), &state) {
        (Invocation::Version, _) => answer_version(&tool),
        (Invocation::Compile(argv), Some(state)) => compile(state, argv).map(CompileArgv::into_args),
        (Invocation::Link(argv), Some(state)) => link(state, argv).map(|argv| reuse_or_link(state, &tool, argv)),
        (Invocation::Compile(argv), None) => Ok(argv.into_args()),
        (Invocation::Link(argv), None) => Ok(argv.into_args()),
        (Invocation::Cover(args), Some(state)) => Ok(cover(state, args)),
        (Invocation::Cover(args), None) => Ok(args),
        (Invocation::Other(args), _) => Ok(args),
    };
    match args {
        Ok(args) => exec(&tool, &args),
        Err(message) => fail(&message),
    }
}

/// `cover`'s arguments for the build in `state`.
fn cover(state: &Path, args: Vec<OsString>) -> Vec<OsString> {
    let args = hook_overlay::with_real_paths(state, args);
    match read_json::<BuildState>(&state::build_file(state)) {
        Ok(build) if !build.registration_only.is_empty() => coverage::registration_only(args, &build.registration_only),
        _ => args,
    }
}

fn fail(message: &str) -> ! {
    eprintln!("autotel: {message}");
    std::process::exit(2);
}

/// Replaces this process with the real tool (behind the user's own -toolexec, if any).
fn exec(tool: &OsString, args: &[OsString]) -> ! {
    let mut command = match user_toolexec() {
        Some(user) => {
            let words: Vec<&str> = user.split_whitespace().collect();
            let mut c = Command::new(words[0]);
            c.args(&words[1..]).arg(tool).args(args);
            c
        }
        None => {
            let mut c = Command::new(tool);
            c.args(args);
            c
        }
    };
    let error = command.exec();
    fail(&format!("cannot run {}: {error}", tool.to_string_lossy()));
}

/// The user's own `-toolexec` command, which runs the real tools.
fn user_toolexec() -> Option<String> {
    std::env::var("AUTOTEL_USER_TOOLEXEC").ok().filter(|user| !user.trim().is_empty())
}

fn answer_version(tool: &OsString) -> ! {
    let remembered = std::env::var_os(state::STATE_ENV)
        .and_then(|state| state::tool_versions_dir(Path::new(&state)))
        .and_then(|dir| tool_version::Remembered::new(&dir, Path::new(tool)));
    let (stdout, code) = match remembered.as_ref().and_then(tool_version::Remembered::read) {
        Some(line) => (line, 0),
        None => {
            let output = match Command::new(tool).arg("-V=full").output() {
                Ok(output) => output,
                Err(e) => fail(&format!("cannot run {}: {e}", tool.to_string_lossy())),
            };
            std::io::stderr().write_all(&output.stderr).ok();
            let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
            if let Some(remembered) = remembered.filter(|_| output.status.success() && output.stderr.is_empty()) {
                remembered.write(&stdout);
            }
            (stdout, output.status.code().unwrap_or(1))
        }
    };
    let fingerprint = std::env::var(state::FINGERPRINT_ENV).unwrap_or_default();
    match (code == 0, fingerprint.is_empty()) {
        (true, false) => match version_answer(&stdout, &fingerprint) {
            Some(answer) => print!("{answer}"),
            None => fail(&format!("unexpected answer from {} -V=full: {stdout}", tool.to_string_lossy())),
        },
        _ => print!("{stdout}"),
    }
    std::io::stdout().flush().ok();
    std::process::exit(code);
}

fn read_text(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, String> {
    serde_json::from_str(&read_text(path)?).map_err(|e| format!("corrupt state file {}: {e}", path.display()))
}

fn note_progress(state: &Path, instrumented: bool) {
    if let Ok(mut f) = std::fs::OpenOptions::new().append(true).create(true).open(state::progress_file(state)) {
        let _ = f.write_all(if instrumented { b"i" } else { b"." });
    }
}

fn compile(state: &Path, mut argv: CompileArgv) -> Result<CompileArgv, String> {
    let program = std::env::var("TOOLEXEC_IMPORTPATH").ok().or_else(|| argv.package().map(str::to_owned)).unwrap_or_default();
    // `pkg [pkg.test]` is pkg compiled with its tests: the same target.
    let import_path = program.split(" [").next().unwrap_or_default().to_string();
    // The main module's packages keep the user's go line (language.rs).
    if let Some(main) = std::env::var(language::MAIN_MODULE_ENV).ok().and_then(|v| MainLanguage::from_env(&v)) {
        main.restore(&import_path, &mut argv);
    }
    let is_main = argv.is_main();
    let package_file = state::package_file(state, &import_path);
    let has_rules = package_file.exists();
    note_progress(state, has_rules || is_main);
    if !has_rules && !is_main {
        return Ok(argv);
    }
    let build: BuildState = read_json(&state::build_file(state))?;
    let mut rule_refs: Vec<RuleRef> = if has_rules { read_json::<PackageRules>(&package_file)?.rules } else { Vec::new() };
    if argv.runs_main() {
        rule_refs.extend(build.main_rules.iter().copied());
    }
    let catalogue = Catalogue::with_user_files(&build.user_rule_files).map_err(|e| e.to_string())?;
    let objdir = argv.output_dir().ok_or("compile has no -o")?.join("autotel");
    std::fs::create_dir_all(&objdir).map_err(|e| format!("cannot create {}: {e}", objdir.display()))?;
    let mut instrumented = Instrumented { import_path: &import_path, argv, objdir: &objdir };
    instrumented.weave(&catalogue, &rule_refs, &build.build_tags)?;
    if is_main {
        if let HookImports::Generated(hooks) = build.hook_imports(&program) {
            instrumented.import_hooks(&hooks, &build.archives)?;
        }
    }
    Ok(instrumented.argv)
}

/// A compile's argv while it is being instrumented.
struct Instrumented<'a> {
    import_path: &'a str,
    argv: CompileArgv,
    objdir: &'a Path,
}

impl Instrumented<'_> {
    fn write(&self, name: &str, text: &str) -> Result<OsString, String> {
        let path = self.objdir.join(name);
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        Ok(path.into_os_string())
    }

    fn weave(&mut self, catalogue: &Catalogue, refs: &[RuleRef], build_tags: &[String]) -> Result<(), String> {
        // Each source is read once: for the rules' facts and for the rewrite below.
        let sources = self
            .argv
            .sources()
            .map(|i| std::fs::read_to_string(self.argv.source(i)).map_err(|e| format!("cannot read {}: {e}", self.argv.source(i).display())))
            .collect::<Result<Vec<_>, _>>()?;
        let selection = crate::rule_facts::select(catalogue, refs, self.import_path, sources.iter().map(String::as_str), build_tags)?;
        selection.warnings.iter().for_each(|w| eprintln!("autotel: warning: {w}"));
        let refs = &selection.applied;
        let mut weave = Weave::default();
        let mut added = Vec::new();
        for r in refs {
            let file = catalogue.file(FileId::from(r.file));
            let rule = file.rules.get(r.rule).ok_or("the build state names a rule that does not exist")?;
            match &rule.action {
                Action::Function(f) => weave.hooks.push(Hook {
                    function: f.function.clone(),
                    enter_symbol: format!("{}.{}", file.hooks, f.enter),
                    exit_symbol: f.exit.as_ref().map(|e| format!("{}.{e}", file.hooks)),
                    noescape: file.noescape,
                }),
                Action::Raw(raw) => weave.raw.push(raw.clone()),
                Action::Call(call) => weave.calls.push(call.clone()),
                Action::StructField(field) => weave.fields.push(field.clone()),
                Action::AddFile(add) => added.push(add.clone()),
            }
        }
        let mut applied = Applied::new(&weave);
        let mut rewritten = Vec::new();
        let mut next_id = 0;
        for (i, source) in self.argv.sources().zip(&sources) {
            let path = self.argv.source(i).to_string_lossy().to_string();
            match rewrite::rewrite_file(&path, source, &weave, &mut next_id, &mut applied) {
                Ok(Some(r)) => rewritten.push((i, path, r)),
                Ok(None) => {}
                Err(e) => {
                    eprintln!("autotel: warning: {e}; {} is compiled without instrumentation", self.import_path);
                    return Ok(());
                }
            }
        }
        for (hook, _) in weave.hooks.iter().zip(&applied.hooks).filter(|(_, a)| !**a) {
            eprintln!(
                "autotel: warning: {} has no function {}; hook {} skipped (unsupported version?)",
                self.import_path, hook.function, hook.enter_symbol
            );
        }
        for (field, _) in weave.fields.iter().zip(&applied.fields).filter(|(_, a)| !**a) {
            eprintln!("autotel: warning: {} has no struct type {}; field {} skipped", self.import_path, field.type_name, field.field);
        }
        for (raw, _) in weave.raw.iter().zip(&applied.raw).filter(|(_, a)| !**a) {
            eprintln!("autotel: warning: {} has no function {}; code skipped", self.import_path, raw.function);
        }
        for (call, _) in weave.calls.iter().zip(&applied.calls).filter(|(_, a)| !**a) {
            eprintln!(
                "autotel: warning: {} has no call of {} in {}; call site left as it is",
                self.import_path, call.callee, call.function
            );
        }
        for (i, path, r) in rewritten {
            let base = Path::new(&path).file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
            // Named by the file's place among the sources, not in the argv: the name is in the
            // package's export data, whose hash a plugin must share with the program that opens
            // it, and a plugin's compiles carry more flags (-dynlink) before the same sources.
            let n = i - self.argv.sources().start;
            let rewritten = self.write(&format!("rewritten_{n}_{base}"), &r.text)?;
            self.argv.replace_source(i, rewritten);
            if r.has_bodyless_functions {
                self.argv.drop_complete();
            }
        }
        for (n, add) in added.iter().enumerate() {
            match constraint::file_matches(&add.contents, build_tags) {
                Ok(true) => {}
                Ok(false) => continue,
                Err(e) => {
                    eprintln!("autotel: warning: {}: {e}; the file is not added to {}", add.path, self.import_path);
                    continue;
                }
            }
            let base = Path::new(&add.path).file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
            let path = self.write(&format!("added_{n}_{base}"), &add.contents)?;
            self.argv.add_source(path);
            // Added files may declare functions without bodies (pulled by linkname).
            self.argv.drop_complete();
        }
        Ok(())
    }

    /// Makes a main package import the hook packages: a generated file, and their archives in a
    /// copy of the compile's importcfg.
    fn import_hooks(&mut self, hooks: &[String], archives: &BTreeMap<String, PathBuf>) -> Result<(), String> {
        if hooks.is_empty() {
            return Ok(());
        }
        let generated = self.write("autotel_main.go", &hook_overlay::hooks_file("main", hooks))?;
        self.argv.add_source(generated);
        let importcfg = self.argv.importcfg().ok_or("compile of a main package has no -importcfg")?.to_owned();
        let mut imports = Vec::with_capacity(hooks.len());
        for path in hooks {
            let archive = archives.get(path).ok_or_else(|| format!("no archive was built for hook package {path}"))?;
            imports.push((path, archive));
        }
        let cfg = with_packagefiles(&read_text(&importcfg)?, imports);
        let patched = self.write("importcfg", &cfg)?;
        self.argv.set_importcfg(patched);
        Ok(())
    }
}

fn link(state: &Path, mut argv: LinkArgv) -> Result<LinkArgv, String> {
    let build: BuildState = read_json(&state::build_file(state))?;
    let program = std::env::var("TOOLEXEC_IMPORTPATH").unwrap_or_default();
    let Some(original) = argv.importcfg().map(Path::to_owned) else {
        return Ok(argv);
    };
    let cfg = read_text(&original)?;
    let mut linked: HashSet<&str> = packagefiles(&cfg).collect();
    // A program whose overlay file imports its hook packages has them built into it by the go
    // command; to any other, the proxy adds the hook closure (the linker loads what main reaches).
    if let HookImports::Generated(hooks) = build.hook_imports(&program) {
        let patched_cfg = with_packagefiles(&cfg, &build.archives);
        let patched = original.with_file_name("autotel_importcfg.link");
        std::fs::write(&patched, &patched_cfg).map_err(|e| format!("cannot write {}: {e}", patched.display()))?;
        argv.set_importcfg(patched.into_os_string());
        linked.extend(hooks.iter().filter_map(|h| build.hook_instrumented.get(h)).flatten().map(String::as_str));
    }
    argv.define_string(manifest::VARIABLE, &manifest_of(&build, &linked).encode());
    Ok(argv)
}

/// The link's arguments, after answering it from the links kept (`link_cache.rs`) when its
/// executable is discarded: then this process copies a kept executable and exits, or runs the
/// linker itself and keeps what it wrote.
fn reuse_or_link(state: &Path, tool: &OsString, argv: LinkArgv) -> Vec<OsString> {
    // The user's -toolexec is there to see (or wrap) every link.
    if std::env::var_os(link_cache::DISCARDED_ENV).is_none() || user_toolexec().is_some() {
        return argv.into_args();
    }
    let kept = argv
        .importcfg()
        .and_then(|cfg| std::fs::read_to_string(cfg).ok())
        .zip(state::links_dir(state))
        .and_then(|(cfg, dir)| KeptLink::new(&dir, Path::new(tool), &argv, &cfg));
    let Some(kept) = kept else { return argv.into_args() };
    if kept.reuse() {
        if std::env::var_os(state::VERBOSE_ENV).is_some() {
            eprintln!("autotel: link reused: nothing it links changed since a build that discarded it too");
        }
        std::process::exit(0);
    }
    let output = match Command::new(tool).args(argv.into_args()).output() {
        Ok(output) => output,
        Err(error) => fail(&format!("cannot run {}: {error}", tool.to_string_lossy())),
    };
    std::io::stdout().write_all(&output.stdout).ok();
    std::io::stderr().write_all(&output.stderr).ok();
    if output.status.success() && output.stdout.is_empty() && output.stderr.is_empty() {
        kept.keep();
    }
    std::process::exit(output.status.code().unwrap_or(1));
}

/// The manifest of a program that links the packages `linked`: the instrumented ones among them.
fn manifest_of(build: &BuildState, linked: &HashSet<&str>) -> Manifest {
    Manifest {
        autotel: env!("CARGO_PKG_VERSION").to_string(),
        go: build.go_version.clone(),
        instrumented: build.instrumented.iter().filter(|i| linked.contains(i.package.as_str())).cloned().collect(),
        user_rules: build
            .user_rule_files
            .iter()
            .map(|f| f.file_name().map_or_else(|| f.display().to_string(), |n| n.to_string_lossy().into_owned()))
            .collect(),
    }
}

/// The packages an importcfg names archives for.
fn packagefiles(importcfg: &str) -> impl Iterator<Item = &str> {
    importcfg.lines().filter_map(|l| l.strip_prefix("packagefile ")).filter_map(|l| l.split_once('=').map(|(p, _)| p))
}

/// `importcfg` plus a `packagefile` line for each package it does not list yet (the
/// go command's own lines win: they name this build's archives of the user's packages).
fn with_packagefiles<'p>(importcfg: &str, packages: impl IntoIterator<Item = (&'p String, &'p PathBuf)>) -> String {
    let mut cfg = importcfg.to_string();
    let present: HashSet<&str> = packagefiles(importcfg).collect();
    for (package, archive) in packages {
        if !present.contains(package.as_str()) {
            cfg.push_str(&format!("packagefile {package}={}\n", archive.display()));
        }
    }
    cfg
}
