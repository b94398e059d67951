//! `autotel attach`: eBPF instrumentation of an unmodified Go binary.

use std::path::PathBuf;

/// Instrument a running Go program (or every process of an executable) with eBPF uprobes.
///
/// Needs root. Spans go over OTLP as configured by the OTEL_* variables.
#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("target").required(true).args(["exe", "pid", "check"])))]
pub struct Args {
    /// Attach to every process of this executable, now and started later.
    #[arg(long, value_name = "PATH")]
    exe: Option<PathBuf>,
    /// Attach to this process.
    #[arg(long)]
    pid: Option<u32>,
    /// Print what would be instrumented in this binary, and why anything would not (no root needed).
    #[arg(long, value_name = "PATH")]
    check: Option<PathBuf>,
    /// Also print how long each step of the start took, and libbpf's log on a BPF failure.
    #[arg(short, long)]
    verbose: bool,
}

pub fn exec(args: Args) -> Result<u8, Box<dyn std::error::Error>> {
    if let Some(path) = args.check {
        print!("{}", attach::check(&path)?);
        return Ok(0);
    }
    let target = match (args.exe, args.pid) {
        (Some(exe), _) => attach::Target::Exe(exe),
        (None, Some(pid)) => attach::Target::Pid(pid),
        (None, None) => unreachable!("clap requires one target"),
    };
    let mut opts = attach::AttachOptions::new(target);
    opts.verbose = args.verbose;
    attach::run(opts)?;
    Ok(0)
}
