//! Runs one suite end to end: copy the pinned release, start its servers, hash the tree, run
//! `go test -json` plain then under autotel (hashing the tree after each), compare, run the
//! packages with differences again on both sides (`recheck`), build the probe binaries, and stop
//! the servers. Every step prints one progress line on stderr. A step
//! that cannot run (download, server, probe build) ends the suite with an error in its result;
//! the other suites still run.

use crate::compare::{compare, Difference};
use crate::events::{self, Counts, Run};
use crate::gocmd::{GoCommand, Side};
use crate::linkcheck::{self, LinkCheck};
use crate::module;
use crate::recheck::{self, NotReproduced, Rerun};
use crate::servers;
use crate::suites::{expand, Suite};
use crate::tree;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

/// Seconds each step took.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Timings {
    pub plain: f64,
    pub autotel: f64,
    /// The re-runs of packages with differences, both sides (0 when there was none).
    #[serde(default)]
    pub recheck: f64,
    pub link_check: f64,
}

/// Everything the report says about one suite.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SuiteResult {
    pub name: String,
    pub group: String,
    pub module: String,
    pub notes: String,
    pub flags: Vec<String>,
    pub packages: Vec<String>,
    pub plain: Option<Counts>,
    pub autotel: Option<Counts>,
    /// The differences that every re-run reproduced (see `recheck`).
    pub differences: Vec<Difference>,
    /// First-run differences that a re-run did not reproduce: reported, not failures.
    #[serde(default)]
    pub not_reproduced: Vec<NotReproduced>,
    /// How many times the packages with differences were run again on each side.
    #[serde(default)]
    pub reruns: usize,
    pub link: Option<LinkCheck>,
    /// Files of the copied module that the plain / the autotel run changed (`+`, `-`, `~`).
    pub tree_changed_by_plain: Vec<String>,
    pub tree_changed_by_autotel: Vec<String>,
    pub timings: Timings,
    /// Why the suite could not be run to the end.
    pub error: Option<String>,
}

impl SuiteResult {
    /// Whether autotel changed nothing the suite can see: same outcomes, hooks linked, tree
    /// untouched, and the suite ran to the end. Dependency versions that moved are listed in
    /// the report but do not fail a suite: the runtime keeps them where it can, and
    /// `autotel go` names each one that must move and the requirement that moves it.
    pub fn passed(&self) -> bool {
        self.error.is_none()
            && self.differences.is_empty()
            && self.tree_changed_by_autotel.is_empty()
            && self.link.as_ref().is_some_and(|l| l.hooks_linked() && l.compared_binaries > 0)
    }
}

/// Runs `suite` with its scratch files under `work/<name>` (removed at the end).
pub fn run(suite: &Suite, autotel: &Path, work: &Path) -> SuiteResult {
    let mut result = SuiteResult {
        name: suite.name.clone(),
        group: suite.group.clone(),
        module: suite.module_version(),
        notes: suite.notes.clone(),
        flags: suite.flags.clone(),
        packages: suite.packages.clone(),
        ..SuiteResult::default()
    };
    let dir = work.join(&suite.name);
    if let Err(error) = run_steps(suite, autotel, &dir, &mut result) {
        progress(&suite.name, &format!("error: {}", error.lines().next().unwrap_or_default()));
        result.error = Some(error);
    }
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn progress(suite: &str, message: &str) {
    eprintln!("[{suite}] {message}");
}

fn run_steps(suite: &Suite, autotel: &Path, dir: &Path, result: &mut SuiteResult) -> Result<(), String> {
    let _ = std::fs::remove_dir_all(dir);
    let source = dir.join("src");
    progress(&suite.name, &format!("copy {} from the module cache", suite.module_version()));
    module::copy_release(&suite.module_version(), &source).map_err(|e| e.to_string())?;

    let mut values = BTreeMap::new();
    let mut running = Vec::new();
    for spec in &suite.servers {
        let state = dir.join(format!("server-{}", running.len()));
        std::fs::create_dir_all(&state).map_err(|e| format!("{}: {e}", state.display()))?;
        let server = servers::start(spec, &state).map_err(|e| e.to_string())?;
        progress(&suite.name, &format!("started {:?} ({})", spec.kind, server.values.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" ")));
        values.extend(server.values.clone());
        running.push(server);
    }
    let env = suite.env.iter().map(|(k, v)| Ok((k.clone(), expand(v, &values)?))).collect::<Result<_, crate::suites::SuitesError>>().map_err(|e| e.to_string())?;
    let test_args = suite.args.iter().map(|a| expand(a, &values)).collect::<Result<Vec<_>, _>>().map_err(|e| e.to_string())?;
    let go = GoCommand { autotel: autotel.to_path_buf(), env };

    let before = snapshot(&source)?;
    let (plain, seconds) = go_test(&go, Side::Plain, suite, &source, &test_args)?;
    result.timings.plain = seconds;
    let after_plain = snapshot(&source)?;
    result.tree_changed_by_plain = tree::changes(&before, &after_plain);
    let (autotel_run, seconds) = go_test(&go, Side::Autotel, suite, &source, &test_args)?;
    result.timings.autotel = seconds;
    result.tree_changed_by_autotel = tree::changes(&after_plain, &snapshot(&source)?);
    result.plain = Some(plain.counts());
    result.autotel = Some(autotel_run.counts());
    let differences = compare(&plain, &autotel_run);
    progress(&suite.name, &format!("{} differences", differences.len()));
    let started = Instant::now();
    let (mut plain_runs, mut autotel_runs) = (vec![plain], vec![autotel_run]);
    let mut decided = recheck::decide(differences.clone(), &plain_runs, &autotel_runs);
    while !decided.0.is_empty() && result.reruns < recheck::RERUNS {
        result.reruns += 1;
        let reruns = recheck::plan(&decided.0);
        progress(&suite.name, &format!("re-run {} of {}: {} packages, both sides", result.reruns, recheck::RERUNS, reruns.len()));
        plain_runs.push(rerun(&go, Side::Plain, suite, &source, &test_args, &reruns)?);
        autotel_runs.push(rerun(&go, Side::Autotel, suite, &source, &test_args, &reruns)?);
        decided = recheck::decide(differences.clone(), &plain_runs, &autotel_runs);
    }
    if result.reruns > 0 {
        result.timings.recheck = started.elapsed().as_secs_f64();
        progress(&suite.name, &format!("{} differences stand, {} not reproduced ({:.0} s)", decided.0.len(), decided.1.len(), result.timings.recheck));
    }
    (result.differences, result.not_reproduced) = decided;

    progress(&suite.name, "link check: go test -c of the probe packages, both sides");
    let started = Instant::now();
    let binaries = dir.join("bin");
    std::fs::create_dir_all(&binaries).map_err(|e| format!("{}: {e}", binaries.display()))?;
    let link: LinkCheck = linkcheck::check(&go, &source, &suite.flags, &suite.hooks, &binaries).map_err(|e| e.to_string())?;
    result.timings.link_check = started.elapsed().as_secs_f64();
    progress(&suite.name, &format!("hooks linked: {}, {} modules moved ({:.0} s)", yes_no(link.hooks_linked()), link.moved.len(), result.timings.link_check));
    result.link = Some(link);
    drop(running);
    Ok(())
}

pub fn yes_no(value: bool) -> &'static str {
    if value {
        "yes"
    } else {
        "no"
    }
}

fn snapshot(dir: &Path) -> Result<tree::Snapshot, String> {
    tree::snapshot(dir).map_err(|e| format!("hash the tree {}: {e}", dir.display()))
}

/// `go test -json -count=1 FLAGS PACKAGES [-args ARGS]` on one side, parsed.
fn go_test(go: &GoCommand, side: Side, suite: &Suite, dir: &Path, test_args: &[String]) -> Result<(Run, f64), String> {
    progress(&suite.name, &format!("{} go {}", side.name(), test_command(suite, &[], &suite.packages, test_args).join(" ")));
    let started = Instant::now();
    let run = run_go_test(go, side, dir, &test_command(suite, &[], &suite.packages, test_args))?;
    let seconds = started.elapsed().as_secs_f64();
    let counts = run.counts();
    progress(
        &suite.name,
        &format!(
            "{}: {}/{} packages built, {} tests: {} passed, {} failed, {} skipped ({seconds:.0} s)",
            side.name(),
            counts.packages_built,
            counts.packages,
            counts.tests_run,
            counts.passed,
            counts.failed,
            counts.skipped
        ),
    );
    Ok((run, seconds))
}

/// One re-run on one side: a `go test` per package of `reruns` (each with its own `-run`), merged
/// into one `Run`.
fn rerun(go: &GoCommand, side: Side, suite: &Suite, dir: &Path, test_args: &[String], reruns: &[Rerun]) -> Result<Run, String> {
    let mut merged = Run::default();
    for r in reruns {
        let run = run_go_test(go, side, dir, &test_command(suite, r.run_flag().as_slice(), std::slice::from_ref(&r.package), test_args))?;
        merged.packages.extend(run.packages);
        merged.tests.extend(run.tests);
        merged.stray.extend(run.stray);
    }
    Ok(merged)
}

/// The arguments of `go test -json -count=1 FLAGS EXTRA PACKAGES [-args ARGS]`.
fn test_command(suite: &Suite, extra: &[String], packages: &[String], test_args: &[String]) -> Vec<String> {
    let mut args = vec!["test".to_string(), "-json".into(), "-count=1".into()];
    args.extend(suite.flags.iter().cloned());
    args.extend(extra.iter().cloned());
    args.extend(packages.iter().cloned());
    if !test_args.is_empty() {
        args.push("-args".into());
        args.extend(test_args.iter().cloned());
    }
    args
}

/// Runs `go ARGS` (a `go test -json`) on one side and parses its events; an error when it
/// reported no package at all.
fn run_go_test(go: &GoCommand, side: Side, dir: &Path, args: &[String]) -> Result<Run, String> {
    let out = go.command(side, dir, args).output().map_err(|e| format!("cannot run the {} go command: {e}", side.name()))?;
    let run = events::parse(&String::from_utf8_lossy(&out.stdout));
    if run.packages.is_empty() {
        return Err(format!("{} `go {}` reported no package:\n{}", side.name(), args.join(" "), String::from_utf8_lossy(&out.stderr)));
    }
    Ok(run)
}
