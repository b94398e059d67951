//! Running the go command for the plan: `go env` and `go list -json`, decoded.
//!
//! The JSON structs mirror the go command's output (an IPC boundary), with only the fields the
//! plan reads.

use crate::error::BuildError;
use serde::Deserialize;
use std::ffi::OsString;
use std::path::Path;
use std::process::Command;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Module {
    pub path: String,
    #[serde(default)]
    pub version: String,
    pub replace: Option<Box<Module>>,
    /// The main module (the one whose go.mod the build uses; in workspace mode, each used one).
    #[serde(default)]
    pub main: bool,
    /// The module's go line.
    pub go_version: Option<String>,
}

impl Module {
    /// The version whose code is built: the replacement's, if it has one.
    pub fn effective_version(&self) -> Option<&str> {
        let v = match &self.replace {
            Some(r) => r.version.as_str(),
            None => self.version.as_str(),
        };
        (!v.is_empty()).then_some(v)
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PackageError {
    pub err: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Package {
    /// The import path; `pkg [pkg.test]` for a test variant, `pkg.test` for a test main.
    pub import_path: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub dir: String,
    #[serde(default)]
    pub standard: bool,
    pub module: Option<Module>,
    #[serde(default)]
    pub export: String,
    #[serde(default)]
    pub deps: Vec<String>,
    /// Listed only as a dependency of the packages named (`go list -deps`).
    #[serde(default)]
    pub dep_only: bool,
    #[serde(default)]
    pub test_go_files: Vec<String>,
    #[serde(default)]
    pub x_test_go_files: Vec<String>,
    pub error: Option<PackageError>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub struct GoEnv {
    pub goversion: String,
    pub gomod: String,
    pub gowork: String,
    pub goflags: String,
    pub goos: String,
    pub goarch: String,
    pub cgo_enabled: String,
}

/// A go command about to run in `dir` with extra environment.
pub struct Go<'a> {
    pub dir: &'a Path,
    pub env: Vec<(String, OsString)>,
}

impl Go<'_> {
    pub fn command(&self, args: &[String]) -> Command {
        let mut command = Command::new("go");
        command.args(args).current_dir(self.dir);
        for (k, v) in &self.env {
            command.env(k, v);
        }
        command
    }

    /// Runs go with `args` and returns its stdout, or its stderr as the error.
    pub fn output(&self, args: &[String]) -> Result<Vec<u8>, BuildError> {
        let output = self.command(args).output().map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => BuildError::GoNotFound,
            _ => BuildError::Io { action: "run", path: "go".into(), source: e },
        })?;
        if !output.status.success() {
            return Err(BuildError::Go {
                command: format!("go {}", args.join(" ")),
                stderr: String::from_utf8_lossy(&output.stderr).trim_end().to_string(),
            });
        }
        Ok(output.stdout)
    }

    pub fn env(&self) -> Result<GoEnv, BuildError> {
        let args = ["env", "-json", "GOVERSION", "GOMOD", "GOWORK", "GOFLAGS", "GOOS", "GOARCH", "CGO_ENABLED"].map(String::from);
        let out = self.output(&args)?;
        serde_json::from_slice(&out).map_err(|e| BuildError::Go { command: "go env -json".into(), stderr: e.to_string() })
    }

    /// `go list ARGS` with `-json=FIELDS` output, decoded.
    pub fn list(&self, args: &[String]) -> Result<Vec<Package>, BuildError> {
        let out = self.output(args)?;
        serde_json::Deserializer::from_slice(&out)
            .into_iter::<Package>()
            .collect::<Result<_, _>>()
            .map_err(|e| BuildError::Go { command: format!("go {}", args.join(" ")), stderr: format!("unreadable output: {e}") })
    }
}
