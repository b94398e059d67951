//! `peersuite`: the command line of the peer-suite harness (argument mapping, the files it
//! writes, the exit status). Exit 0: every suite ran the same under autotel; 1: some suite
//! differs (the report says how); 2: the harness itself could not start.

use clap::Parser;
use peersuite::{report::Report, runner, suites};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Instant;

/// Runs the instrumented libraries' own test suites with `go test` and `autotel go test` and
/// compares every outcome.
#[derive(Parser)]
struct Args {
    /// The catalogue of pinned suites.
    #[arg(long, default_value = "testdata/peer-suites.yaml")]
    suites: PathBuf,
    /// The autotel binary under test.
    #[arg(long, default_value = "target/debug/autotel")]
    autotel: PathBuf,
    /// Run only this suite (repeatable).
    #[arg(long = "suite")]
    names: Vec<String>,
    /// Run only the suites of this group (`fast`, `slow`).
    #[arg(long)]
    group: Option<String>,
    /// List the suites and exit.
    #[arg(long)]
    list: bool,
    /// The report, written as PATH.md and PATH.json.
    #[arg(long, default_value = "bench/peer-suites")]
    report: PathBuf,
    /// Suites run at the same time (each one's go commands are parallel already; a second job
    /// overlaps one suite's test run, which waits on servers and timers, with another's build).
    #[arg(long, default_value_t = 1)]
    jobs: usize,
    /// Instead of running suites, merge these JSON reports (e.g. CI's fast and slow steps) into
    /// one report, in catalogue order (repeatable).
    #[arg(long)]
    merge: Vec<PathBuf>,
    /// Scratch directory for the copied modules, the servers and the test binaries.
    #[arg(long, default_value = "target/peersuite")]
    work: PathBuf,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(error) => {
            eprintln!("peersuite: {error}");
            ExitCode::from(2)
        }
    }
}

fn run(args: Args) -> Result<bool, String> {
    let all = suites::load(&args.suites).map_err(|e| e.to_string())?;
    let selected = suites::select(all, &args.names, args.group.as_deref()).map_err(|e| e.to_string())?;
    if args.list {
        for s in &selected {
            println!("{:<10} {:<5} {} {} {}", s.name, s.group, s.module_version(), s.flags.join(" "), s.packages.join(" "));
        }
        return Ok(true);
    }
    if !args.merge.is_empty() {
        return merge(&args.merge, &selected, &args.report);
    }
    let autotel = std::fs::canonicalize(&args.autotel).map_err(|e| format!("autotel binary {}: {e} (build it: cargo build -p autotel)", args.autotel.display()))?;
    let work = std::path::absolute(&args.work).map_err(|e| format!("{}: {e}", args.work.display()))?;
    let command = std::env::args().map(|a| a.rsplit('/').next().unwrap_or_default().to_string()).take(1).chain(std::env::args().skip(1)).collect::<Vec<_>>().join(" ");
    let go_version = go_version();
    let started = Instant::now();
    // The slow group starts first so that it overlaps the fast one when --jobs > 1.
    let mut queue: Vec<usize> = (0..selected.len()).collect();
    queue.sort_by_key(|&i| selected[i].group != "slow");
    let queue = Mutex::new(queue);
    // Fixed server ports (go-redis and redigo's redisx both need :6379) held by running suites.
    let ports_in_use = Mutex::new(Vec::<u16>::new());
    let fixed_ports = |i: usize| selected[i].servers.iter().filter_map(|s| s.port).collect::<Vec<_>>();
    let finished: Mutex<Vec<Option<runner::SuiteResult>>> = Mutex::new(vec![None; selected.len()]);
    let write_error = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..args.jobs.max(1) {
            scope.spawn(|| loop {
                let next = {
                    let mut queue = queue.lock().expect("queue");
                    let mut in_use = ports_in_use.lock().expect("ports");
                    if queue.is_empty() {
                        break;
                    }
                    let free = queue.iter().position(|&i| fixed_ports(i).iter().all(|p| !in_use.contains(p)));
                    free.map(|at| {
                        let index = queue.remove(at);
                        in_use.extend(fixed_ports(index));
                        index
                    })
                };
                let Some(index) = next else {
                    std::thread::sleep(std::time::Duration::from_secs(1));
                    continue;
                };
                let result = runner::run(&selected[index], &autotel, &work);
                ports_in_use.lock().expect("ports").retain(|p| !fixed_ports(index).contains(p));
                let mut finished = finished.lock().expect("results");
                finished[index] = Some(result);
                // Rewritten after every suite, so an interrupted run keeps the suites it finished.
                let report = Report::new(go_version.clone(), command.clone(), started.elapsed().as_secs_f64(), finished.iter().flatten().cloned().collect());
                if let Err(error) = write_report(&report, &args.report) {
                    *write_error.lock().expect("error") = Some(error);
                }
            });
        }
    });
    if let Some(error) = write_error.into_inner().expect("error") {
        return Err(error);
    }
    let report = Report::new(go_version, command, started.elapsed().as_secs_f64(), finished.into_inner().expect("results").into_iter().flatten().collect());
    write_report(&report, &args.report)?;
    eprintln!("peersuite: wrote {}.md and .json", args.report.display());
    for s in &report.suites {
        eprintln!("{:<10} {}", s.name, if s.passed() { "same" } else { "DIFFERS" });
    }
    Ok(report.passed)
}

/// Reads JSON reports and writes their suites as one report; Ok(false) when any suite differs.
fn merge(inputs: &[PathBuf], catalogue: &[suites::Suite], out: &std::path::Path) -> Result<bool, String> {
    let mut reports = Vec::new();
    for path in inputs {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        reports.push(serde_json::from_str::<Report>(&text).map_err(|e| format!("{}: not a peersuite JSON report: {e}", path.display()))?);
    }
    let total = reports.iter().map(|r| r.total_seconds).sum();
    let go_version = reports.first().map(|r| r.go_version.clone()).unwrap_or_default();
    let commands = reports.iter().map(|r| r.command.clone()).collect::<Vec<_>>().join("` + `");
    let mut results: Vec<_> = reports.into_iter().flat_map(|r| r.suites).collect();
    results.sort_by_key(|r| catalogue.iter().position(|s| s.name == r.name).unwrap_or(usize::MAX));
    let report = Report::new(go_version, commands, total, results);
    write_report(&report, out)?;
    eprintln!("peersuite: merged {} reports into {}.md and .json", inputs.len(), out.display());
    Ok(report.passed)
}

fn write_report(report: &Report, path: &std::path::Path) -> Result<(), String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
    }
    for (extension, text) in [("md", report.markdown()), ("json", report.json())] {
        let path = path.with_extension(extension);
        std::fs::write(&path, text).map_err(|e| format!("write {}: {e}", path.display()))?;
    }
    Ok(())
}

fn go_version() -> String {
    std::process::Command::new("go")
        .args(["env", "GOVERSION"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "an unknown go".into())
}
