//! Running the user's go command: its exit status becomes ours, Ctrl-C and SIGTERM reach it (and
//! not us first, so the state directory is still cleaned up), and a progress line is shown.

use crate::error::BuildError;
use crate::progress::Progress;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicI32, Ordering};

static CHILD: AtomicI32 = AtomicI32::new(0);

extern "C" fn forward(signal: libc::c_int) {
    let pid = CHILD.load(Ordering::Relaxed);
    if pid > 0 {
        // SAFETY: kill is async-signal-safe.
        unsafe { libc::kill(pid, signal) };
    }
}

/// Runs `command` to completion and returns its exit code (128 + signal when it was killed).
pub fn run(command: &mut Command, progress_file: &Path, what: &str, show_progress: bool) -> Result<i32, BuildError> {
    let mut child = command.spawn().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => BuildError::GoNotFound,
        _ => BuildError::Io { action: "run", path: "go".into(), source: e },
    })?;
    CHILD.store(child.id() as i32, Ordering::Relaxed);
    // SAFETY: installs a handler that only calls kill(2); children get default handlers back on exec.
    unsafe {
        libc::signal(libc::SIGINT, forward as *const () as libc::sighandler_t);
        libc::signal(libc::SIGTERM, forward as *const () as libc::sighandler_t);
    }
    let progress = Progress::start(progress_file, what, show_progress);
    let status = child.wait();
    progress.finish();
    CHILD.store(0, Ordering::Relaxed);
    let status = status.map_err(|e| BuildError::Io { action: "wait for", path: "go".into(), source: e })?;
    use std::os::unix::process::ExitStatusExt;
    Ok(status.code().unwrap_or_else(|| 128 + status.signal().unwrap_or(0)))
}
