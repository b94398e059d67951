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

/// The hook modules of third-party libraries (`go/hooks/<lib>/go.mod`, one module each): `./...`
/// of the core module does not enter them.
fn hook_modules() -> Vec<PathBuf> {
    let mut modules: Vec<PathBuf> = std::fs::read_dir(runtime_dir().join("hooks"))
        .expect("go/hooks")
        .map(|e| e.unwrap().path())
        .filter(|dir| dir.join("go.mod").is_file())
        .collect();
    modules.sort();
    modules
}

fn go_in(dir: &std::path::Path, args: &[&str], toolchain: Option<&str>) -> Result<(), String> {
    let mut command = Command::new("go");
    command.args(args).current_dir(dir);
    if let Some(t) = toolchain {
        command.env("GOTOOLCHAIN", t);
    }
    let output = command.output().expect("go is on PATH");
    if output.status.success() {
        return Ok(());
    }
    Err(format!(
        "{}: go {args:?} (GOTOOLCHAIN={toolchain:?}) failed:\n{}\n{}",
        dir.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    ))
}

#[test]
fn hook_modules_vet_and_pass_their_tests() {
    // The Redis modules' tests start a real redis-server (Debian's redis-server package).
    let modules = hook_modules();
    assert!(modules.len() >= 8, "hook modules found: {modules:?}");
    let failures: Vec<String> = modules
        .iter()
        .filter_map(|m| go_in(m, &["vet", "./..."], None).and_then(|()| go_in(m, &["test", "-count=1", "./..."], None)).err())
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn hook_modules_build_with_the_oldest_supported_go() {
    let failures: Vec<String> =
        hook_modules().iter().filter_map(|m| go_in(m, &["build", "./..."], Some("go1.23.12")).err()).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
