//! Embeds the Go hook runtime (`go/` at the repository root: one or more Go modules) into the
//! crate, with a hash of its contents that names its extraction directory and enters the build
//! cache key. Tests, test data, the test-only module (`go/internal/devdeps`) and editor files are
//! left out: only what a build of the hooks reads.

use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).expect("read go/").map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if path.is_dir() {
            // internal/devdeps: the root module's test-only requirements (go/dev.work), never
            // part of a user's build.
            if name != "testdata" && name != "devdeps" && !name.starts_with('.') {
                collect(&path, out);
            }
        } else if (name.ends_with(".go") && !name.ends_with("_test.go"))
            || name.ends_with(".s")
            || name == "go.mod"
            || name == "go.sum"
        {
            println!("cargo:rerun-if-changed={}", path.display());
            out.push(path);
        }
    }
}

fn main() {
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let root = Path::new(&manifest_dir).join("../../go").canonicalize().expect("go/ directory");
    let mut files = Vec::new();
    collect(&root, &mut files);
    let mut hasher = Sha256::new();
    let mut rs = String::from("pub(crate) static RUNTIME_FILES: &[(&str, &[u8])] = &[\n");
    for path in &files {
        let rel = path.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/");
        hasher.update(rel.as_bytes());
        hasher.update([0]);
        hasher.update(std::fs::read(path).unwrap());
        writeln!(rs, "    ({rel:?}, include_bytes!({:?})),", path.display().to_string()).unwrap();
    }
    rs.push_str("];\n");
    let hex: String = hasher.finalize().iter().take(8).map(|b| format!("{b:02x}")).collect();
    writeln!(rs, "pub(crate) const RUNTIME_HASH: &str = {hex:?};").unwrap();
    std::fs::write(PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("runtime_files.rs"), rs).unwrap();
}
