//! The Go hook runtime's own tests (`go/` and every library module under it), run by
//! `cargo test` so the one test command covers both languages: `go vet` and `go test` in every
//! module with the machine's Go; `go test` of the root module (goroutine-local context, the SDK,
//! the exporters: the code whose behaviour follows the Go release) with the oldest supported
//! release; builds of every module against the oldest and the newest OpenTelemetry Go release
//! autotel supports. `go test` in every module with every release of `AUTOTEL_GO_VERSIONS`
//! (through GOTOOLCHAIN) is ignored by default: scripts/go-matrix runs it.
//!
//! A hook module's code stays within its `go` line (go 1.23.0) by the compiler's -lang check and
//! `go vet`'s stdversion analyzer with the machine's Go; CI's Go matrix builds the sample's
//! libraries' hooks with the oldest release too (scripts/go-matrix --ci).

use std::path::{Path, PathBuf};
use std::process::Command;

/// The runtime's root module, `go/`.
fn root_module() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../go")
}

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
    walk(&root_module(), &mut out);
    assert!(!out.is_empty(), "the runtime has modules");
    out
}

/// A module's `go` line.
fn go_line(module: &Path) -> String {
    let text = std::fs::read_to_string(module.join("go.mod")).unwrap();
    text.lines().find_map(|l| l.strip_prefix("go ")).expect("a go line").trim().to_string()
}


fn go_in_every_module(args: &[&str], toolchain: Option<&str>) {
    go_in_modules(modules(), args, toolchain);
}

/// Runs go with `args` in each of `modules` whose `go` line `toolchain` can build (the logvalue
/// directory for otel/log v1.x needs the Go that OpenTelemetry v1.47 needs).
fn go_in_modules(modules: Vec<PathBuf>, args: &[&str], toolchain: Option<&str>) {
    let mut failures = Vec::new();
    let version = |v: &str| rules::Version::parse(v).expect("a Go version");
    let builds_with = |module: &Path| toolchain.is_none_or(|t| version(&go_line(module)) <= version(t));
    for module in modules.into_iter().filter(|m| builds_with(m)) {
        let mut command = Command::new("go");
        command.args(args).current_dir(&module);
        if module == root_module() {
            // The root module's tests import what its go.mod leaves to internal/devdeps.
            command.env("GOWORK", module.join("dev.work"));
        }
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

/// One test, not two side by side: go vet and go test would compile the same dependencies at
/// the same moment (the build cache does not share a compile in progress).
#[test]
fn go_vet_and_go_test_pass() {
    go_in_every_module(&["vet", "./..."], None);
    go_in_every_module(&["test", "-count=1", "./..."], None);
}

#[test]
fn the_root_module_passes_its_tests_with_the_oldest_go() {
    let oldest = build::go_releases::oldest();
    go_in_modules(vec![root_module()], &["test", "-count=1", "./..."], Some(oldest));
    // The tests' workspace selects the x/net its test-only module requires; a user's build that
    // has no x/net gets the root go.mod's own, which Go 1.23's h2c transport must compile against.
    go(&root_module(), &["build", "./..."], Some(oldest));
}

/// `go test` in every module with each release `AUTOTEL_GO_VERSIONS` lists (separated by spaces
/// or commas).
#[test]
#[ignore = "every module with every release of AUTOTEL_GO_VERSIONS: scripts/go-matrix runs it"]
fn go_tests_pass_with_the_listed_gos() {
    let listed = std::env::var("AUTOTEL_GO_VERSIONS")
        .expect("AUTOTEL_GO_VERSIONS lists the Go releases to test with, e.g. `go1.23.12 go1.27.4` (scripts/go-matrix sets it)");
    let toolchains: Vec<&str> = listed.split([' ', ',']).filter(|t| !t.is_empty()).collect();
    assert!(!toolchains.is_empty(), "AUTOTEL_GO_VERSIONS is set but lists no release: {listed:?}");
    for toolchain in toolchains {
        go_in_every_module(&["test", "-count=1", "./..."], Some(toolchain));
    }
}

/// Runs go in `dir` with its go.mod alone (no workspace), with `toolchain` when given.
fn go(dir: &Path, args: &[&str], toolchain: Option<&str>) {
    let mut command = Command::new("go");
    command.args(args).current_dir(dir).env("GOWORK", "off");
    if let Some(t) = toolchain {
        command.env("GOTOOLCHAIN", t);
    }
    let output = command.output().expect("go is on PATH");
    assert!(
        output.status.success(),
        "go {args:?} in {}:\n{}\n{}",
        dir.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The OpenTelemetry requirements of a module's go.mod.
fn otel_requirements(module: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(module.join("go.mod")).unwrap();
    text.lines()
        .map(|l| l.trim().trim_start_matches("require").trim())
        .filter(|l| l.starts_with("go.opentelemetry.io/otel"))
        .map(|l| {
            let mut words = l.split_whitespace();
            (words.next().unwrap().to_string(), words.next().unwrap().to_string())
        })
        .collect()
}

#[test]
fn the_runtime_requires_the_oldest_opentelemetry_release_of_the_table() {
    let oldest = build::otelalign::TRAINS[0].modules();
    for module in modules().into_iter().filter(|m| !m.ends_with("otellog-v1")) {
        for (path, version) in otel_requirements(&module) {
            assert_eq!(oldest.get(&path), Some(&version), "{path} in {}", module.display());
        }
    }
}

#[test]
fn the_runtime_compiles_against_the_newest_opentelemetry_release() {
    compiles_against(build::otelalign::TRAINS.last().unwrap());
}

/// otel v1.45.0's train, whose Logs API is the first to take `attribute.Value`s (so the build
/// uses `logvalue/otellog-v1` from there on, not only from v1.47.0).
#[test]
fn the_runtime_compiles_against_the_first_attribute_valued_logs_api() {
    use build::otelalign::{FIRST_ATTRIBUTE_VALUED_LOGS_API, TRAINS};
    compiles_against(TRAINS.iter().find(|t| t.logs_api == FIRST_ATTRIBUTE_VALUED_LOGS_API).expect("that train is in the table"));
}

/// Every module of the runtime, its otel requirements raised to `train`, with the Logs API
/// shape of v0.21.0 and later, builds: the hooks' and the SDK's code as users' programs compile
/// it (the modules' tests are vetted with the oldest train, the one go.mod requires).
fn compiles_against(train: &build::otelalign::Train) {
    let newest = train.modules();
    let copy = tempfile::tempdir().unwrap();
    let root = root_module();
    copy_dir(&root, copy.path());
    for module in modules() {
        let dir = copy.path().join(module.strip_prefix(&root).unwrap());
        if module.ends_with("otellog-v0") || module.ends_with("otellog-v1") {
            continue;
        }
        let mut edit = vec!["mod".to_string(), "edit".into()];
        for (path, _) in otel_requirements(&dir) {
            edit.push(format!("-require={path}@{}", newest[&path]));
        }
        edit.push(format!("-replace=autotel.dev/go/logvalue={}", copy.path().join("logvalue/otellog-v1").display()));
        go(&dir, &edit.iter().map(String::as_str).collect::<Vec<_>>(), None);
        // Not `go mod tidy`: the root module's go.mod leaves its tests' imports to
        // internal/devdeps, and tidy would add their newest versions.
        go(&dir, &["build", "-mod=mod", "./..."], None);
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
