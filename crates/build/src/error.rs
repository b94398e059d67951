//! Errors of build mode, each saying what went wrong and what to do about it.

use crate::goflags::ArgsError;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Args(#[from] ArgsError),
    /// The go command is not installed or not on PATH.
    #[error("go was not found on PATH: install Go (go.dev/dl) or add its bin directory to PATH")]
    GoNotFound,
    /// Build mode needs module mode: it adds the hook runtime as a module.
    #[error("{dir} is not inside a Go module (no go.mod found): autotel builds modules; run `go mod init <module path>` first")]
    NoModule { dir: PathBuf },
    /// A go command that the plan runs failed; `stderr` is what it said.
    #[error("`{command}` failed:\n{stderr}")]
    Go { command: String, stderr: String },
    #[error("invalid rule file {0}")]
    Rules(#[from] rules::RuleError),
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The user's `-overlay` file, which `autotel go test` merges with its own, is not valid.
    #[error("the -overlay file {} is not an overlay (JSON with a \"Replace\" object): {error}; fix it or drop -overlay", path.display())]
    Overlay { path: PathBuf, error: String },
    /// The build imports from a module whose `replace` directory has no go.mod: plain `go
    /// build` stops there too.
    #[error("{module} is replaced by {dir} in go.mod, and that directory has no go.mod, but the build imports from it (`go build` fails there too): check the directory out, or drop the replace directive")]
    AbsentReplacement { module: String, dir: String },
    /// The embedded hook runtime failed to compile for this program: a bug, or a Go release too
    /// new or too old for it.
    #[error("the autotel hook runtime does not build here:\n{0}\nthis is a bug in autotel: please report it with the output of `go version` and `autotel version`")]
    HookBuild(String),
}

impl BuildError {
    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> BuildError {
        let path = path.into();
        move |source| BuildError::Io { action, path, source }
    }
}
