//! The Go hook runtime's own tests (`go/`), run by `cargo test` so the one test command covers
//! both languages: `go vet` and `go test` with the machine's Go, and a build with the oldest
//! supported release (fetched through the module proxy via GOTOOLCHAIN).

use std::path::PathBuf;
use std::process::Command;

fn runtime_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../go")
}

fn go(args: &[&str], toolchain: Option<&str>) {
    let mut command = Command::new("go");
    command.args(args).current_dir(runtime_dir());
    if let Some(t) = toolchain {
        command.env("GOTOOLCHAIN", t);
    }
    let output = command.output().expect("go is on PATH");
    assert!(
        output.status.success(),
        "go {args:?} (GOTOOLCHAIN={toolchain:?}) failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn go_vet_passes() {
    go(&["vet", "./..."], None);
}

#[test]
fn go_tests_pass() {
    go(&["test", "-count=1", "./..."], None);
}

#[test]
fn builds_with_the_oldest_supported_go() {
    go(&["build", "./..."], Some("go1.23.12"));
}
