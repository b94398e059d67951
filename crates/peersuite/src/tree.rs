//! Snapshots of a directory tree (a SHA-256 per file, by relative path) and their difference,
//! to prove that a run wrote nothing into the module's tree (design invariant 1).

use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;

/// Relative path → content hash of every regular file (symlinks by their target).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot(BTreeMap<String, [u8; 32]>);

/// Hashes every file under `root`.
pub fn snapshot(root: &Path) -> std::io::Result<Snapshot> {
    let mut files = BTreeMap::new();
    walk(root, root, &mut files)?;
    Ok(Snapshot(files))
}

fn walk(root: &Path, dir: &Path, files: &mut BTreeMap<String, [u8; 32]>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let kind = entry.file_type()?;
        let relative = path.strip_prefix(root).unwrap_or(&path).to_string_lossy().into_owned();
        if kind.is_dir() {
            walk(root, &path, files)?;
        } else if kind.is_symlink() {
            files.insert(relative, Sha256::digest(std::fs::read_link(&path)?.as_os_str().as_encoded_bytes()).into());
        } else {
            files.insert(relative, Sha256::digest(std::fs::read(&path)?).into());
        }
    }
    Ok(())
}

/// The files that differ between two snapshots, each as `+path`, `-path` or `~path`.
pub fn changes(before: &Snapshot, after: &Snapshot) -> Vec<String> {
    let mut changes = Vec::new();
    for (path, hash) in &before.0 {
        match after.0.get(path) {
            None => changes.push(format!("-{path}")),
            Some(h) if h != hash => changes.push(format!("~{path}")),
            Some(_) => {}
        }
    }
    changes.extend(after.0.keys().filter(|p| !before.0.contains_key(*p)).map(|p| format!("+{p}")));
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_name_added_removed_and_modified_files() {
        let dir = std::env::temp_dir().join(format!("peersuite-tree-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(dir.join("go.mod"), "module m\n").unwrap();
        std::fs::write(dir.join("sub/a.go"), "package sub\n").unwrap();
        std::fs::write(dir.join("gone.go"), "package m\n").unwrap();
        let before = snapshot(&dir).unwrap();
        assert_eq!(changes(&before, &snapshot(&dir).unwrap()), Vec::<String>::new());
        std::fs::write(dir.join("go.mod"), "module m\n\nrequire x v1\n").unwrap();
        std::fs::remove_file(dir.join("gone.go")).unwrap();
        std::fs::write(dir.join("sub/new.go"), "package sub\n").unwrap();
        let after = snapshot(&dir).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(changes(&before, &after), ["~go.mod", "-gone.go", "+sub/new.go"]);
    }
}
