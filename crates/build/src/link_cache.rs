//! Links whose executable the go command throws away are not redone when nothing they link changed.
//!
//! `go build -o /dev/null`, and `go build` of several packages without `-o`, link every main
//! package each time and discard the executables (the go command caches linked executables
//! only for `go run` and `go tool`). Under autotel such a link costs more than plain's (the
//! program carries the SDK), so the toolexec proxy keeps the last few of these links'
//! executables in `<cache>/links/`, by a key of everything the link reads, and answers a link
//! with the same key by copying the kept executable to its `-o`, with the go command none the
//! wiser: the linker is deterministic, and the go command then stamps the copy's build ID as it
//! would the linker's output.
//!
//! The key is the linker's identity (`tool_version::tool_identity`: its executable and the
//! `GO*` environment), the link's flags, and the importcfg's text with every archive, and the
//! main package's, named by its content: an entry of Go's build cache by its path (the hash of
//! its content), an archive this build compiled by its hash. A link whose flags name the go
//! command's work directory, whose name changes every build, is not kept. `-buildid` carries
//! the go command's own action ID of the link (the linker's version, flags and every package's
//! build ID). What an external linker reads from the system (its C libraries) is not in the
//! key: a discarded link of a cgo program is not redone when only those change. A link that
//! printed anything or failed is never kept, so a reused link prints what the linker would
//! have: nothing. The driver (`plan.rs`) turns this on only for builds whose executables are
//! discarded, so the cache never holds what a user keeps.

use crate::tool_argv::LinkArgv;
use crate::tool_version::tool_identity;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Set (to anything) by the driver when the go command discards the executables it links.
pub const DISCARDED_ENV: &str = "AUTOTEL_LINKS_DISCARDED";

/// How many bytes of executables are kept at most; the least recently used go first (the
/// most recent one stays whatever its size).
const KEPT_BYTES: u64 = 1 << 30;

/// One link's place in the cache.
pub struct KeptLink {
    entry: PathBuf,
    output: PathBuf,
}

impl KeptLink {
    /// The place of the link `tool argv` (with the importcfg `importcfg` as it will be run)
    /// under `dir`; `None` when the link reads something this key cannot name.
    pub fn new(dir: &Path, tool: &Path, argv: &LinkArgv, importcfg: &str) -> Option<KeptLink> {
        let output = argv.output()?.to_owned();
        // The go command links into $WORK/bNNN/exe/a.out.
        let work = output.parent()?.parent()?.parent()?.to_str()?.to_owned();
        let mut hash = Sha256::new();
        hash.update(tool_identity(tool)?);
        for flag in argv.flags() {
            let flag = flag.to_str()?;
            if flag.contains(&work) {
                return None;
            }
            hash.update(flag);
            hash.update("\0");
        }
        hash.update(archive_identity(argv.main_archive()?.to_str()?)?);
        for line in importcfg.lines() {
            match line.strip_prefix("packagefile ").and_then(|l| l.split_once('=')) {
                Some((package, archive)) => {
                    hash.update(package);
                    hash.update(archive_identity(archive)?);
                }
                // -linkshared: a shared library named by its path alone.
                None if line.contains(&work) || line.starts_with("packageshlib ") => return None,
                None => hash.update(line),
            }
            hash.update("\n");
        }
        Some(KeptLink { entry: dir.join(crate::plan_cache::hex(&hash.finalize())), output })
    }

    /// Copies the kept executable to the link's output; `false` when there is none (or it
    /// cannot be copied, and then the link runs).
    pub fn reuse(&self) -> bool {
        if std::fs::copy(&self.entry, &self.output).is_err() {
            let _ = std::fs::remove_file(&self.output);
            return false;
        }
        // Most recently used: kept longest.
        let _ = std::fs::File::options().append(true).open(&self.entry).and_then(|f| f.set_modified(SystemTime::now()));
        true
    }

    /// Keeps the executable the linker just wrote, then forgets the least recently used beyond
    /// [`KEPT_BYTES`]; best effort (a link that cannot be kept is linked again next time).
    pub fn keep(&self) {
        let Some(dir) = self.entry.parent() else { return };
        if std::fs::create_dir_all(dir).is_err() {
            return;
        }
        let aside = self.entry.with_extension(format!("{}.tmp", std::process::id()));
        if std::fs::copy(&self.output, &aside).is_err() || std::fs::rename(&aside, &self.entry).is_err() {
            let _ = std::fs::remove_file(&aside);
            return;
        }
        forget_all_but_recent(dir, KEPT_BYTES);
    }
}

/// The SHA-256 of an archive, in hex: the name of an output in Go's build cache
/// (`<dir>/<2 hex>/<64 hex>-d`, named so by the hash of its content), else computed (an
/// archive this build compiled, in the work directory).
fn archive_identity(path: &str) -> Option<String> {
    match cache_entry_hash(path) {
        Some(hash) => Some(hash.to_string()),
        None => Some(crate::plan_cache::hex(&Sha256::digest(std::fs::read(path).ok()?))),
    }
}

fn cache_entry_hash(path: &str) -> Option<&str> {
    let mut parts = Path::new(path).iter().rev();
    let (name, shard) = (parts.next()?.to_str()?, parts.next()?.to_str()?);
    let hash = name.strip_suffix("-d")?;
    let hex = |s: &str| s.bytes().all(|b| b.is_ascii_hexdigit());
    (hash.len() == 64 && hex(hash) && shard.len() == 2 && hash.starts_with(shard)).then_some(hash)
}

fn forget_all_but_recent(dir: &Path, budget: u64) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut kept: Vec<(SystemTime, u64, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_none())
        .filter_map(|e| {
            let metadata = e.metadata().ok()?;
            Some((metadata.modified().ok()?, metadata.len(), e.path()))
        })
        .collect();
    kept.sort_by(|a, b| b.0.cmp(&a.0));
    let mut total = 0;
    for (i, (_, size, path)) in kept.iter().enumerate() {
        total += size;
        if i > 0 && total > budget {
            let _ = std::fs::remove_file(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tool_argv::Invocation;
    use std::ffi::OsString;

    const ARCHIVE: &str = "/root/.cache/go-build/f8/f8a47d6b73a876605fc087a82a12099ebebca5e3ec2164e093d6ebe56239dd3f-d";

    fn argv(words: &[&str]) -> LinkArgv {
        match Invocation::parse(Path::new("/r/pkg/tool/linux_amd64/link"), words.iter().map(OsString::from).collect()) {
            Invocation::Link(argv) => argv,
            other => panic!("not a link: {other:?}"),
        }
    }

    fn link(work: &str, main: &str) -> LinkArgv {
        argv(&["-o", &format!("{work}/b001/exe/a.out"), "-importcfg", &format!("{work}/b001/importcfg.link"), "-buildmode=exe", "-buildid=a/b/c/a", main])
    }

    #[test]
    fn an_archive_is_named_by_the_hash_of_its_content() {
        assert_eq!(cache_entry_hash(ARCHIVE), Some("f8a47d6b73a876605fc087a82a12099ebebca5e3ec2164e093d6ebe56239dd3f"));
        assert_eq!(cache_entry_hash("/tmp/go-build123/b002/_pkg_.a"), None);
        assert_eq!(cache_entry_hash("/root/.cache/go-build/00/f8a47d6b73a876605fc087a82a12099ebebca5e3ec2164e093d6ebe56239dd3f-d"), None, "another shard");
        assert_eq!(cache_entry_hash("/root/.cache/go-build/f8/f8a47d6b73a876605fc087a82a12099ebebca5e3ec2164e093d6ebe56239dd3f-a"), None, "an action entry");
        // An archive compiled by this build is hashed: the same name as once in the cache.
        let dir = tempfile::tempdir().unwrap();
        let archive = dir.path().join("_pkg_.a");
        std::fs::write(&archive, "!<arch>\n").unwrap();
        let hash = archive_identity(archive.to_str().unwrap()).unwrap();
        let cached = dir.path().join(&hash[..2]).join(format!("{hash}-d"));
        assert_eq!(archive_identity(cached.to_str().unwrap()), Some(hash));
    }

    #[test]
    fn the_key_ignores_the_work_directory_and_covers_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let tool = dir.path().join("link");
        std::fs::write(&tool, "linker").unwrap();
        // Archives this build compiled, in two work directories: named by their content.
        let works: Vec<String> = ["w1", "w2"].iter().map(|w| dir.path().join(w).to_str().unwrap().to_string()).collect();
        for work in &works {
            std::fs::create_dir_all(format!("{work}/b001")).unwrap();
            std::fs::write(format!("{work}/b001/_pkg_.a"), "main").unwrap();
            std::fs::write(format!("{work}/b002.a"), "p").unwrap();
        }
        let main = |w: usize| format!("{}/b001/_pkg_.a", works[w]);
        let cfg = |w: usize| format!("packagefile example.com/p={}/b002.a\npackagefile fmt={ARCHIVE}\nmodinfo \"x\"\n", works[w]);
        let key = |argv: &LinkArgv, cfg: &str| KeptLink::new(dir.path(), &tool, argv, cfg).map(|k| k.entry);
        let first = key(&link(&works[0], &main(0)), &cfg(0)).expect("a link of archives named by content is kept");
        assert_eq!(key(&link(&works[1], &main(1)), &cfg(1)), Some(first.clone()), "another build's work directory, the same contents");
        assert_ne!(key(&link(&works[0], &main(0)), &cfg(0).replace("\"x\"", "\"y\"")), Some(first.clone()), "the importcfg's text");
        assert_ne!(key(&link(&works[0], ARCHIVE), &cfg(0)), Some(first.clone()), "another main archive");
        std::fs::write(format!("{}/b002.a", works[1]), "p edited").unwrap();
        assert_ne!(key(&link(&works[1], &main(1)), &cfg(1)), Some(first.clone()), "a dependency's content");
        let mut flagged = link(&works[0], &main(0));
        flagged.define_string("main.v", "2");
        assert_ne!(key(&flagged, &cfg(0)), Some(first.clone()), "a flag");
        let mut in_work = link(&works[0], &main(0));
        in_work.define_string("main.v", &works[0]);
        assert_eq!(key(&in_work, &cfg(0)), None, "a flag naming the work directory");
        assert_eq!(key(&link(&works[0], &main(0)), &format!("packagefile fmt={}/absent.a\n", works[0])), None, "an archive that cannot be read");
        std::fs::write(&tool, "another linker").unwrap();
        assert_ne!(key(&link(&works[0], &main(0)), &cfg(0)), Some(first), "another linker");
    }

    #[test]
    fn a_kept_link_is_copied_to_the_output_and_the_least_recently_used_go() {
        let dir = tempfile::tempdir().unwrap();
        let tool = dir.path().join("link");
        std::fs::write(&tool, "linker").unwrap();
        let kept = dir.path().join("links");
        let work = dir.path().join("work");
        std::fs::create_dir_all(work.join("b001/exe")).unwrap();
        let work = work.to_str().unwrap();
        let links: Vec<KeptLink> = (0..3)
            .map(|i| KeptLink::new(&kept, &tool, &link(work, ARCHIVE), &format!("packagefile main={ARCHIVE}\nmodinfo \"{i}\"\n")).unwrap())
            .collect();
        assert!(!links[0].reuse(), "nothing kept yet");
        for (i, link) in links.iter().enumerate() {
            std::fs::write(&link.output, format!("executable {i}")).unwrap();
            link.keep();
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert!(links[0].reuse());
        assert_eq!(std::fs::read_to_string(&links[0].output).unwrap(), "executable 0");
        // Room for two executables of 12 bytes: the one used least recently goes.
        std::thread::sleep(std::time::Duration::from_millis(10));
        forget_all_but_recent(&kept, 24);
        assert!(!links[1].reuse(), "the least recently used is forgotten");
        assert!(links[2].reuse() && links[0].reuse());
        forget_all_but_recent(&kept, 1);
        assert!(links[0].reuse(), "the most recent stays, whatever its size");
        assert_eq!(std::fs::read_dir(&kept).unwrap().count(), 1);
    }
}
