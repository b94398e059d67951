//! The `autotel` binary: argument parsing and dispatch, nothing else.
//!
//! The go command runs this same binary as `autotel toolexec TOOL ARGS…` once per compile and
//! link; that mode is detected before anything else so the idle path stays a few syscalls
//! (see `build::toolexec`). Every other mode is a clap subcommand with one file in `commands/`.
//! Exit codes: go's own for `autotel go …`; 2 for autotel's errors, printed as `autotel: …`.

mod commands;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args_os();
    if args.nth(1).is_some_and(|a| a == "toolexec") {
        build::toolexec::main(args.collect());
    }
    let cli = commands::Cli::parse();
    match commands::exec(cli) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("autotel: {error:#}");
            ExitCode::from(2)
        }
    }
}
