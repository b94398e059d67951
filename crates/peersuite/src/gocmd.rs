//! The two sides of every comparison: `go …` and `autotel go …`, with the same environment.
//! Every process the harness runs for a suite is built here, so the sides cannot drift apart.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Which go command runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Plain,
    Autotel,
}

impl Side {
    pub fn name(self) -> &'static str {
        match self {
            Side::Plain => "plain",
            Side::Autotel => "autotel",
        }
    }
}

/// How to run the go command for one suite.
#[derive(Debug, Clone)]
pub struct GoCommand {
    pub autotel: PathBuf,
    /// The suite's environment (servers' addresses), on top of the harness's own.
    pub env: BTreeMap<String, String>,
}

impl GoCommand {
    /// `go ARGS` or `autotel go ARGS` in `dir`. `GOWORK=off` and an empty `GOFLAGS` keep a
    /// workspace or flags of the caller's from changing what the module builds.
    pub fn command(&self, side: Side, dir: &Path, args: &[String]) -> Command {
        let mut command = match side {
            Side::Plain => Command::new("go"),
            Side::Autotel => {
                let mut c = Command::new(&self.autotel);
                c.arg("go");
                c
            }
        };
        command.args(args).current_dir(dir).env("GOWORK", "off").env("GOFLAGS", "").envs(&self.env);
        command
    }
}
