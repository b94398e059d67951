//! The Go hook runtime's own tests (`go/` and every library module under it), run by
//! `cargo test` so the one test command covers both languages: `go vet` and `go test` with the
//! machine's Go, and `go test` with every release in `AUTOTEL_GO_VERSIONS` (through GOTOOLCHAIN;
//! scripts/go-matrix sets it), by default the oldest supported release.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The directories of every Go module of the runtime.
fn modules() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        if dir.join("go.mod").exists() {
            out.push(dir.to_path_buf());
        }
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            let name = entry.file_name();
            if path.is_dir() && name != "testdata" && !name.to_string_lossy().starts_with('.') {
                walk(&path, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../go"), &mut out);
    assert!(!out.is_empty(), "the runtime has modules");
    out
}

fn go_in_every_module(args: &[&str], toolchain: Option<&str>) {
    let mut failures = Vec::new();
    for module in modules() {
        let mut command = Command::new("go");
        command.args(args).current_dir(&module);
        if let Some(t) = toolchain {
            command.env("GOTOOLCHAIN", t);
        }
        let output = command.output().expect("go is on PATH");
        if !output.status.success() {
            failures.push(format!(
                "go {args:?} in {} (GOTOOLCHAIN={toolchain:?}):\n{}\n{}",
                module.display(),
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn go_vet_passes() {
    go_in_every_module(&["vet", "./..."], None);
}

#[test]
fn go_tests_pass() {
    go_in_every_module(&["test", "-count=1", "./..."], None);
}

/// The releases `AUTOTEL_GO_VERSIONS` lists (separated by spaces or commas), or the oldest
/// supported one.
fn listed_toolchains() -> Vec<String> {
    let listed = std::env::var("AUTOTEL_GO_VERSIONS").unwrap_or_else(|_| "go1.23.12".into());
    let toolchains: Vec<String> = listed.split([' ', ',']).filter(|t| !t.is_empty()).map(str::to_string).collect();
    assert!(!toolchains.is_empty(), "AUTOTEL_GO_VERSIONS is set but lists no release: {listed:?}");
    toolchains
}

#[test]
fn go_tests_pass_with_the_listed_gos() {
    for toolchain in listed_toolchains() {
        go_in_every_module(&["test", "-count=1", "./..."], Some(&toolchain));
    }
}
