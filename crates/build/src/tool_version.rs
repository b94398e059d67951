//! The real tools' `-V=full` lines, remembered between builds.
//!
//! The go command asks every tool it uses for `-V=full` once per build (compile, asm, cgo, link:
//! 2–4 ms each on the benchmark machine) and reads the answer as the tool's ID; the proxy adds the
//! fingerprint to it (`fingerprint.rs`). The line depends only on the tool's executable and on
//! the environment the toolchain reads (`GOEXPERIMENT`, the target's `GOOS`/`GOARCH` and its
//! sub-architecture variable), so a line is kept in `<cache>/tool-versions/<key>`, keyed by the
//! executable's identity (path, device, inode, size, modification and change times) and every
//! `GO*` variable of the environment, and a warm build runs no tool to answer.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Where the line of one tool, run in this environment, is kept.
pub struct Remembered {
    file: PathBuf,
}

impl Remembered {
    /// The place for `tool`'s line under `dir`; `None` when the tool cannot be examined (then
    /// nothing is remembered and the tool answers each time).
    pub fn new(dir: &Path, tool: &Path) -> Option<Remembered> {
        let text = tool_identity(tool)?;
        Some(Remembered { file: dir.join(format!("{:016x}", rules::fnv1a(text.as_bytes()))) })
    }

    /// The line, if it was kept.
    pub fn read(&self) -> Option<String> {
        std::fs::read_to_string(&self.file).ok().filter(|line| line.ends_with('\n'))
    }

    /// Keeps `line` (written aside and renamed, so a reader never sees part of it); best effort.
    pub fn write(&self, line: &str) {
        let Some(dir) = self.file.parent() else { return };
        if std::fs::create_dir_all(dir).is_err() {
            return;
        }
        let aside = self.file.with_extension(format!("{}.tmp", std::process::id()));
        if std::fs::write(&aside, line).is_ok() && std::fs::rename(&aside, &self.file).is_err() {
            let _ = std::fs::remove_file(&aside);
        }
    }
}

/// What a tool's output can depend on besides its arguments: the executable's identity (path,
/// device, inode, size, modification and change times) and every `GO*` variable of the
/// environment; `None` when the tool cannot be examined.
pub fn tool_identity(tool: &Path) -> Option<String> {
    let metadata = std::fs::metadata(tool).ok()?;
    let mut text = format!(
        "{}\n{}:{}:{}:{}.{}:{}.{}\n",
        tool.display(),
        metadata.dev(),
        metadata.ino(),
        metadata.size(),
        metadata.mtime(),
        metadata.mtime_nsec(),
        metadata.ctime(),
        metadata.ctime_nsec()
    );
    let mut go_env: Vec<(String, String)> =
        std::env::vars_os().filter_map(|(k, v)| Some((k.into_string().ok()?, v.to_string_lossy().into_owned()))).filter(|(k, _)| k.starts_with("GO")).collect();
    go_env.sort();
    for (name, value) in go_env {
        text.push_str(&format!("{name}={value}\n"));
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_is_kept_per_executable() {
        let dir = tempfile::tempdir().unwrap();
        let tool = dir.path().join("compile");
        std::fs::write(&tool, "one").unwrap();
        let kept = dir.path().join("kept");
        let first = Remembered::new(&kept, &tool).unwrap();
        assert_eq!(first.read(), None);
        first.write("compile version go1.26.8\n");
        assert_eq!(Remembered::new(&kept, &tool).unwrap().read().as_deref(), Some("compile version go1.26.8\n"));
        std::fs::write(&tool, "another build").unwrap();
        assert_eq!(Remembered::new(&kept, &tool).unwrap().read(), None, "a replaced executable is asked again");
        assert!(Remembered::new(&kept, &dir.path().join("absent")).is_none());
    }

    #[test]
    fn a_line_without_its_end_is_not_an_answer() {
        let dir = tempfile::tempdir().unwrap();
        let tool = dir.path().join("link");
        std::fs::write(&tool, "x").unwrap();
        let remembered = Remembered::new(dir.path(), &tool).unwrap();
        remembered.write("link version go1.26.8");
        assert_eq!(remembered.read(), None);
    }
}
