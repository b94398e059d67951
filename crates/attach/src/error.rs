//! The one error type of attach mode. Every variant names what failed and on which file or
//! process, so the CLI can print it as is.

use std::path::PathBuf;

/// Everything that can go wrong while analysing a binary or attaching to it.
#[derive(Debug, thiserror::Error)]
pub enum AttachError {
    #[error("cannot read `{path}`")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{path}` is not an ELF executable that attach can read")]
    NotElf {
        path: PathBuf,
        #[source]
        source: object::Error,
    },
    #[error("`{path}` is not a Go program: {reason}")]
    NotGo { path: PathBuf, reason: String },
    #[error("`{path}`: unsupported architecture {arch} (attach supports x86_64 and aarch64)")]
    UnsupportedArch { path: PathBuf, arch: String },
    #[error("`{path}`: malformed {what}: {detail}")]
    Malformed {
        path: PathBuf,
        what: &'static str,
        detail: String,
    },
    #[error("`{path}`: cannot read DWARF")]
    Dwarf {
        path: PathBuf,
        #[source]
        source: gimli::Error,
    },
    #[error("process {pid} does not exist or is not readable")]
    NoSuchProcess {
        pid: u32,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "this autotel was built without BPF support (clang was not found when it was compiled); \
         install clang and rebuild to use `autotel attach`"
    )]
    BpfNotBuilt,
    #[error("attach needs root (or CAP_BPF + CAP_PERFMON + CAP_SYS_ADMIN); run it with sudo")]
    NotRoot,
    #[error("{target} was built by `autotel go build` (autotel {autotel}, {go}) and {}", crate::plan::ALREADY_INSTRUMENTED)]
    BuiltByAutotel {
        /// "process PID (`PATH`)" or "`PATH`".
        target: String,
        autotel: String,
        go: String,
    },
    #[error("nothing to instrument in `{path}`: {reason}")]
    NothingToInstrument { path: PathBuf, reason: String },
    #[error(
        "process {pid} exited while attach was starting, so nothing was attached; start attach again while the \
         program runs, or use `--exe PATH` to trace every start of it"
    )]
    TargetExited { pid: u32 },
    #[error("BPF: {what} failed: {source}")]
    Bpf {
        what: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("cannot install the signal handler")]
    Signal(#[source] std::io::Error),
    #[error("invalid configuration {var}={value:?}: {reason}")]
    Config {
        var: &'static str,
        value: String,
        reason: String,
    },
}
