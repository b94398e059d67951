//! The subcommands: each file holds its clap definition and an `exec` that maps the arguments
//! onto one library call.

mod attach;
mod go;
mod inspect;
mod version;
mod view;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "autotel", version, about = "OpenTelemetry for Go services, with zero code changes")]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Go(go::Args),
    View(view::Args),
    Attach(attach::Args),
    Inspect(inspect::Args),
    Version(version::Args),
}

/// Runs the chosen subcommand; returns the process exit code.
pub fn exec(cli: Cli) -> Result<u8, Box<dyn std::error::Error>> {
    match cli.command {
        Command::Go(args) => go::exec(args),
        Command::View(args) => view::exec(args),
        Command::Attach(args) => attach::exec(args),
        Command::Inspect(args) => inspect::exec(args),
        Command::Version(args) => version::exec(args),
    }
}
