//! The build cache key of an instrumented build, and the `-V=full` answer that carries it.
//!
//! The go command computes every action ID *before* it runs a tool, from the tool's `-V=full`
//! line (its "tool ID") and the package's inputs. Rewriting happens behind its back, so the only
//! way to keep instrumented and plain archives apart, and to invalidate instrumented ones when
//! the instrumentation changes, is to make the tool ID say what is woven in. The fingerprint
//! hashes:
//!
//! - the autotel version and the identity of the autotel executable (its size and modification
//!   time: two builds of one version with different rewriters must not share archives);
//! - the rule catalogue, embedded and user files (what any package may get);
//! - the Go hook runtime's contents (what the hooks do) and the directory it is extracted to
//!   (source positions in the hook archives' export data name it);
//! - the module versions of the hook packages' closure (what the hook archives were built from),
//!   only when some program gets its hook imports from the toolexec proxy, without the go
//!   command knowing (`hook_overlay.rs`; otherwise the go command hashes them itself);
//! - the main module and its language, only when the go command raises its go line and the proxy
//!   restores the user's (`language.rs`).
//!
//! It leaves out which packages matched: whether a package is instrumented follows from its
//! import path, its version (already part of its action ID) and the catalogue, so `go test` and
//! `go build` of one module share every archive, and modules using different libraries share
//! the instrumented standard library (every test module, every peer suite: one, not one each).
//!
//! The go command reads a release tool's whole line as its ID, but for a development toolchain
//! only the content part of the trailing `buildID=…` field, so there the fingerprint goes inside
//! that field, after its last `/`.

/// Hashes the parts listed in the module doc into a short hex string.
pub fn fingerprint(executable: &str, runtime_hash: &str, catalogue: &str, hook_modules: &[(String, String)]) -> String {
    let mut text = format!("{}\n{executable}\n{runtime_hash}\n{catalogue}\n", env!("CARGO_PKG_VERSION"));
    for (path, version) in hook_modules {
        text.push_str(&format!("{path}@{version}\n"));
    }
    format!("{:016x}", rules::fnv1a(text.as_bytes()))
}

/// The identity of the running autotel executable: its size and modification time, cheap to
/// read and different for every rebuild.
pub fn executable_identity() -> std::io::Result<String> {
    let metadata = std::fs::metadata(std::env::current_exe()?)?;
    let modified = metadata.modified()?.duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    Ok(format!("{}:{modified}", metadata.len()))
}

/// The `-V=full` answer: the real tool's line with the fingerprint added where the go command
/// will read it. Returns `None` for output the go command itself would reject.
pub fn version_answer(real: &str, fingerprint: &str) -> Option<String> {
    let line = real.trim_end_matches('\n');
    let fields: Vec<&str> = line.split_whitespace().collect();
    if fields.len() < 3 || fields[1] != "version" {
        return None;
    }
    let ours = format!("autotel@{}/{fingerprint}", env!("CARGO_PKG_VERSION"));
    if fields[2].contains("devel") {
        let last = fields.last()?;
        if !last.starts_with("buildID=") {
            return None;
        }
        // No `/` may follow the original content ID: the go command keeps what is after the last one.
        let (head, _) = line.rsplit_once(last)?;
        return Some(format!("{head}{last}+{}\n", ours.replace('/', "-")));
    }
    Some(format!("{line} {ours}\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the go command does with the answer (cmd/go/internal/work/buildid.go, toolID).
    fn tool_id(line: &str) -> String {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f[2].contains("devel") {
            let last = f[f.len() - 1];
            last[last.rfind('/').map_or(0, |i| i + 1)..].to_string()
        } else {
            line.trim().to_string()
        }
    }

    #[test]
    fn release_lines_get_a_trailing_field() {
        let real = "compile version go1.26.8\n";
        let answer = version_answer(real, "abc").unwrap();
        assert_eq!(answer, format!("compile version go1.26.8 autotel@{}/abc\n", env!("CARGO_PKG_VERSION")));
        assert_ne!(tool_id(&answer), tool_id(real));
        assert_ne!(tool_id(&answer), tool_id(&version_answer(real, "abd").unwrap()));
    }

    #[test]
    fn devel_lines_keep_build_id_last_and_change_its_content_part() {
        let real = "compile version devel go1.27-abcdef Tue Nov 24 2026 +0000 buildID=AAAA/BBBB\n";
        let answer = version_answer(real, "abc").unwrap();
        let last = answer.split_whitespace().last().unwrap();
        assert!(last.starts_with("buildID=AAAA/BBBB+autotel@"), "{answer}");
        assert!(tool_id(&answer).starts_with("BBBB+"), "the original content ID survives: {answer}");
        assert_ne!(tool_id(&answer), tool_id(&version_answer(real, "abd").unwrap()));
    }

    #[test]
    fn unexpected_output_is_not_answered() {
        assert_eq!(version_answer("garbage\n", "x"), None);
        assert_eq!(version_answer("compile version devel go1.27 nobuildid\n", "x"), None);
    }

    #[test]
    fn fingerprint_follows_every_input() {
        let m = |v: &str| vec![("m".to_string(), v.to_string())];
        let base = fingerprint("e1", "r1", "c1", &m("v1"));
        assert_eq!(base, fingerprint("e1", "r1", "c1", &m("v1")));
        assert_ne!(base, fingerprint("e2", "r1", "c1", &m("v1")));
        assert_ne!(base, fingerprint("e1", "r2", "c1", &m("v1")));
        assert_ne!(base, fingerprint("e1", "r1", "c2", &m("v1")));
        assert_ne!(base, fingerprint("e1", "r1", "c1", &m("v2")));
    }
}
