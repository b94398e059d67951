use crate::support::*;
use std::process::Command;
use std::time::Duration;

/// Builds with many go flags at once, runs the result and checks it still reports spans.
fn build_run_and_trace(app: &App, build_args: &[&str], binary: &std::path::Path) {
    app.autotel_go(build_args);
    let receiver = receiver();
    let mut command = Command::new(binary);
    otel_env(&mut command, &receiver, "flags");
    let service = Service::start(command);
    assert_eq!(http_get(&service.url("/items/1"), &[]).0, 200);
    let store = receiver.store();
    assert!(
        store.wait_until(Duration::from_secs(20), |s| s.spans().iter().any(|s| s.name == "GET /items/{id}")),
        "{build_args:?}: {:#?}",
        store.spans()
    );
}

#[test]
fn go_flags_pass_through() {
    let app = App::copy("nethttp-pair");
    let out = tempfile::tempdir().unwrap();
    let bin = out.path().join("b");
    let bin_str = bin.to_str().unwrap();
    // -C first, then a mix of value and bool flags in both spellings.
    let parent = app.path().parent().unwrap().to_path_buf();
    let name = app.path().file_name().unwrap().to_str().unwrap().to_string();
    let output = autotel()
        .args(["go", "build", "-C", &name, "-o", bin_str, "-trimpath", "-tags=autotel_test", "-ldflags", "-s -w", "./cmd/b"])
        .current_dir(&parent)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let info = Command::new("go").args(["version", "-m"]).arg(&bin).output().unwrap();
    let info = String::from_utf8_lossy(&info.stdout).to_string();
    assert!(info.contains("-trimpath=true") && info.contains("-tags=autotel_test"), "{info}");
    // go leaves -ldflags out of the build info under -trimpath; -s shows as a missing symbol table.
    let nm = Command::new("go").args(["tool", "nm"]).arg(&bin).output().unwrap();
    assert!(String::from_utf8_lossy(&nm.stderr).contains("no symbols"), "{nm:?}");
    let receiver = receiver();
    let mut command = Command::new(&bin);
    otel_env(&mut command, &receiver, "flags");
    let service = Service::start(command);
    assert_eq!(http_get(&service.url("/items/1"), &[]).0, 200);
    assert!(receiver.store().wait_until(Duration::from_secs(20), |s| s.spans().len() == 1));
    drop(service);

    build_run_and_trace(&app, &["build", "-race", "-o", bin_str, "./cmd/b"], &bin);
    build_run_and_trace(&app, &["build", "-cover", "-o", bin_str, "./cmd/b"], &bin);
}

#[test]
fn goflags_and_cross_compilation_pass_through() {
    let app = App::copy("nethttp-pair");
    let out = tempfile::tempdir().unwrap();
    let bin = out.path().join("b-arm64");
    let output = autotel()
        .args(["go", "build", "-o", bin.to_str().unwrap(), "./cmd/b"])
        .current_dir(app.path())
        .env("GOOS", "linux")
        .env("GOARCH", "arm64")
        .env("GOFLAGS", "-tags=from_goflags")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let info = Command::new("go").args(["version", "-m"]).arg(&bin).output().unwrap();
    let info = String::from_utf8_lossy(&info.stdout).to_string();
    assert!(info.contains("GOARCH=arm64") && info.contains("-tags=from_goflags"), "{info}");
    let nm = Command::new("go").args(["tool", "nm"]).arg(&bin).output().unwrap();
    assert!(String::from_utf8_lossy(&nm.stdout).contains("autotel.dev/go/hooks/nethttp.serverEnter"), "the arm64 binary is instrumented");
}

#[test]
fn workspace_mode_uses_an_alternate_go_work() {
    let app = App::copy("nethttp-pair");
    // A workspace around the app: go.work one directory up, `use ./app`.
    let workspace = tempfile::tempdir().unwrap();
    let member = workspace.path().join("app");
    std::fs::rename(app.path(), &member).unwrap();
    std::fs::create_dir(app.path()).unwrap(); // the TempDir removes it later
    let go_work = "go 1.23\n\nuse ./app\n";
    std::fs::write(workspace.path().join("go.work"), go_work).unwrap();
    let bin = workspace.path().join("b");
    let output = autotel()
        .args(["go", "build", "-o", bin.to_str().unwrap(), "./app/cmd/b"])
        .current_dir(workspace.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(std::fs::read_to_string(workspace.path().join("go.work")).unwrap(), go_work, "go.work is unchanged");
    assert!(!workspace.path().join("go.work.sum").exists(), "no go.work.sum was written in the workspace");
    let receiver = receiver();
    let mut command = Command::new(&bin);
    otel_env(&mut command, &receiver, "ws");
    let service = Service::start(command);
    assert_eq!(http_get(&service.url("/items/3"), &[]).0, 200);
    assert!(receiver.store().wait_until(Duration::from_secs(20), |s| s.spans().iter().any(|s| s.name == "GET /items/{id}")));
}
