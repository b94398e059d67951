use crate::support::*;
use std::process::Command;
use std::time::{Duration, Instant};

#[test]
fn a_successful_build_writes_nothing_in_the_tree() {
    let app = App::copy("nethttp-pair");
    let before = app.snapshot();
    let out = tempfile::tempdir().unwrap();
    app.autotel_go(&["build", "-o", out.path().join("a").to_str().unwrap(), "./cmd/a"]);
    assert_eq!(app.snapshot(), before, "go.mod, go.sum and sources are byte-identical");
    assert!(app.go(&["build", "-o", out.path().join("plain").to_str().unwrap(), "./cmd/a"]).status.success());
}

#[test]
fn a_failed_build_writes_nothing_and_reports_the_users_error() {
    let app = App::copy("nethttp-pair");
    std::fs::write(app.path().join("cmd/a/broken.go"), "package main\n\nfunc broken() int { return \"not an int\" }\n").unwrap();
    let before = app.snapshot();
    let output = app.autotel_go_unchecked(&["build", "-o", "/dev/null", "./cmd/a"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "go's own exit status:\n{stderr}");
    assert!(stderr.contains("cmd/a/broken.go:3:"), "the compiler error names the user's file and line:\n{stderr}");
    assert_eq!(app.snapshot(), before);
}

#[test]
fn an_interrupted_build_writes_nothing_and_plain_go_still_works() {
    let app = App::copy("nethttp-pair");
    let before = app.snapshot();
    // A cache of its own, so the build is long enough to interrupt.
    let cache = tempfile::tempdir().unwrap();
    let mut child = autotel()
        .args(["go", "build", "-o", "/dev/null", "./cmd/a"])
        .current_dir(app.path())
        .env("GOCACHE", cache.path())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(3));
    // SAFETY: plain kill(2) on our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let deadline = Instant::now() + Duration::from_secs(240); // a hang guard, generous for loaded machines
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "autotel did not stop after SIGINT");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(!status.success(), "the interrupted build reports failure");
    assert_eq!(app.snapshot(), before);
    let plain = app.go(&["build", "-o", "/dev/null", "./cmd/a"]);
    assert!(plain.status.success(), "{}", String::from_utf8_lossy(&plain.stderr));
    // SIGKILL halfway: nothing of autotel's is in the tree either.
    let mut child = autotel()
        .args(["go", "build", "-o", "/dev/null", "./cmd/b"])
        .current_dir(app.path())
        .env("GOCACHE", tempfile::tempdir().unwrap().path())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(2));
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(app.snapshot(), before);
}

#[test]
fn a_vendored_module_builds_and_its_vendor_directory_is_untouched() {
    let app = App::copy("nethttp-pair");
    // Give the app a dependency and vendor it, as a vendoring user would have.
    std::fs::write(
        app.path().join("cmd/b/id.go"),
        "package main\n\nimport \"github.com/google/uuid\"\n\nvar _ = uuid.NewString\n",
    )
    .unwrap();
    for args in [&["get", "github.com/google/uuid@v1.6.0"][..], &["mod", "tidy"], &["mod", "vendor"]] {
        let output = app.go(args);
        assert!(output.status.success(), "go {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    }
    let before = app.snapshot();
    let out = tempfile::tempdir().unwrap();
    let output = app.autotel_go(&["build", "-o", out.path().join("b").to_str().unwrap(), "./cmd/b"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("autotel: note: vendor/ is not used by the instrumented build"), "{stderr}");
    assert_eq!(app.snapshot(), before, "vendor/, go.mod and go.sum are untouched");
    assert!(app.go(&["build", "-o", "/dev/null", "./cmd/b"]).status.success(), "the plain vendored build still works");
}

#[test]
fn dependencies_the_runtime_raises_are_reported_others_stay_and_go_mod_is_unchanged() {
    let app = App::copy("nethttp-pair");
    // An old x/sys, older than the OpenTelemetry SDK's, and an old protobuf, which only the
    // runtime's own tests use (gotify's x/net, x/crypto, x/text and protobuf moved before).
    std::fs::write(
        app.path().join("cmd/b/deps.go"),
        "package main\n\nimport (\n\t\"golang.org/x/sys/unix\"\n\t\"google.golang.org/protobuf/proto\"\n)\n\nvar _, _ = proto.Size, unix.Getpid\n",
    )
    .unwrap();
    for args in [&["get", "google.golang.org/protobuf@v1.30.0", "golang.org/x/sys@v0.20.0"][..], &["mod", "tidy"]] {
        let output = app.go(args);
        assert!(output.status.success(), "go {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    }
    let before = app.snapshot();
    let out = tempfile::tempdir().unwrap();
    let binary = out.path().join("b");
    let output = app.autotel_go(&["build", "-o", binary.to_str().unwrap(), "./cmd/b"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("autotel: note: the hook runtime needs newer versions of some of your dependencies"), "{stderr}");
    assert!(stderr.contains("golang.org/x/sys v0.20.0 → v0."), "{stderr}");
    assert!(!stderr.contains("protobuf"), "{stderr}");
    let info = Command::new("go").args(["version", "-m"]).arg(&binary).output().unwrap();
    let info = String::from_utf8_lossy(&info.stdout);
    let linked = |module: &str, version: &str| {
        info.lines().any(|l| l.split_whitespace().take(3).eq(["dep", module, version]))
    };
    assert!(linked("google.golang.org/protobuf", "v1.30.0"), "protobuf links at the module's own version:\n{info}");
    assert_eq!(app.snapshot(), before);
}
