//! A writable copy of a pinned module release: `go mod download -json MODULE@VERSION` gives the
//! module cache's read-only `Dir` (sources with their tests), which is copied into a scratch
//! directory and made writable, so the tests may run there as they would in the module's own
//! checkout.

use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Debug, thiserror::Error)]
pub enum ModuleError {
    #[error("`go mod download -json {module}` failed (is the module proxy reachable? GOPROXY): {detail}")]
    Download { module: String, detail: String },
    #[error("copy {from} to {to}: {source}")]
    Copy { from: PathBuf, to: PathBuf, source: std::io::Error },
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Download {
    #[serde(default)]
    dir: Option<PathBuf>,
    #[serde(default)]
    error: Option<String>,
}

/// Downloads `module_version` (if not cached) and copies its tree to `to` (which must not exist).
pub fn copy_release(module_version: &str, to: &Path) -> Result<(), ModuleError> {
    let download_error = |detail: String| ModuleError::Download { module: module_version.to_string(), detail };
    let out = Command::new("go")
        .args(["mod", "download", "-json", module_version])
        .env("GOWORK", "off")
        .env("GOFLAGS", "")
        .current_dir(std::env::temp_dir())
        .output()
        .map_err(|e| download_error(format!("cannot run go: {e}")))?;
    let download: Download = serde_json::from_slice(&out.stdout)
        .map_err(|e| download_error(format!("{e}: {}", String::from_utf8_lossy(&out.stderr).trim())))?;
    let dir = match (download.dir, download.error) {
        (_, Some(error)) => return Err(download_error(error)),
        (Some(dir), None) if out.status.success() => dir,
        _ => return Err(download_error(String::from_utf8_lossy(&out.stderr).trim().to_string())),
    };
    copy_writable(&dir, to).map_err(|source| ModuleError::Copy { from: dir.clone(), to: to.into(), source })
}

/// Copies a tree, giving the owner write permission on every file and directory.
fn copy_writable(from: &Path, to: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        let kind = entry.file_type()?;
        if kind.is_dir() {
            copy_writable(&entry.path(), &target)?;
        } else if kind.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(entry.path())?, &target)?;
            continue;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
        let mut permissions = std::fs::metadata(&target)?.permissions();
        permissions.set_mode(permissions.mode() | 0o200);
        std::fs::set_permissions(&target, permissions)?;
    }
    Ok(())
}
