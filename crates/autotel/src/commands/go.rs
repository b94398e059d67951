//! `autotel go build|install|run|test [go flags] [packages]`: the go command, instrumented.

use std::ffi::OsString;
use std::path::PathBuf;

/// Build, install, run or test a Go program with OpenTelemetry instrumentation woven in.
///
/// Everything after `go` is passed to the go command unchanged; its exit status is autotel's.
/// Example: autotel go build -o bin/api ./cmd/api
#[derive(clap::Args)]
pub struct Args {
    /// A rule file of your own (YAML, the catalogue's format); may be repeated.
    /// Also read from AUTOTEL_RULES (paths separated by ':').
    #[arg(long = "rules", value_name = "FILE")]
    rules: Vec<PathBuf>,
    /// The go subcommand and its arguments.
    #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true, value_name = "build|install|run|test ARGS")]
    go_args: Vec<OsString>,
}

pub fn exec(args: Args) -> Result<u8, Box<dyn std::error::Error>> {
    let mut rule_files = args.rules;
    if let Some(paths) = std::env::var_os("AUTOTEL_RULES") {
        rule_files.extend(std::env::split_paths(&paths).filter(|p| !p.as_os_str().is_empty()));
    }
    let code = build::go(&build::GoOptions { argv: args.go_args, rule_files })?;
    Ok(u8::try_from(code).unwrap_or(1))
}
