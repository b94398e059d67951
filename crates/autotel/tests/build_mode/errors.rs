use crate::support::*;
use std::process::Command;

fn stderr_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).to_string()
}

#[test]
fn a_broken_rule_file_names_the_file_and_line() {
    let app = App::copy("nethttp-pair");
    let rules = tempfile::tempdir().unwrap();
    let file = rules.path().join("mine.yaml");
    std::fs::write(&file, "instrumentation: mine\nhooks: example.com/hooks\nrules:\n  - target: net/http\n    function: {name: Get, entr: x}\n").unwrap();
    let before = app.snapshot();
    let output = autotel().args(["go", "--rules"]).arg(&file).args(["build", "./cmd/a"]).current_dir(app.path()).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = stderr_of(&output);
    assert!(
        stderr.starts_with(&format!("autotel: invalid rule file {}:5:", file.display())) && stderr.contains("unknown field `entr`"),
        "{stderr}"
    );
    assert_eq!(app.snapshot(), before);
}

#[test]
fn an_unknown_subcommand_is_refused() {
    let output = autotel().args(["go", "vet", "./..."]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr_of(&output),
        "autotel: `go vet` is not wrapped by autotel; it wraps build, install, run and test (run `go vet` directly)\n"
    );
    let output = autotel().args(["frobnicate"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_of(&output).contains("unrecognized subcommand 'frobnicate'"), "{}", stderr_of(&output));
}

#[test]
fn a_package_at_a_version_is_refused_with_what_to_do_instead() {
    let dir = tempfile::tempdir().unwrap();
    let output = autotel().args(["go", "install", "github.com/rakyll/hey@v0.1.4"]).current_dir(dir.path()).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = stderr_of(&output);
    assert!(
        stderr.starts_with("autotel: `go install github.com/rakyll/hey@v0.1.4` builds a module at a version outside any main module")
            && stderr.contains("go mod download -json MODULE@VERSION"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "nothing written");
}

#[test]
fn a_directory_without_go_mod_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.go"), "package main\n\nfunc main() {}\n").unwrap();
    let output = autotel().args(["go", "build", "."]).current_dir(dir.path()).env("GOFLAGS", "").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr_of(&output),
        format!(
            "autotel: {} is not inside a Go module (no go.mod found): autotel builds modules; run `go mod init <module path>` first\n",
            dir.path().display()
        )
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "nothing was written");
}

#[test]
fn a_program_whose_collector_is_down_serves_and_exits_normally() {
    let app = App::copy("nethttp-pair");
    app.autotel_go(&["build", "-o", "bin/b", "./cmd/b"]);
    let mut command = Command::new(app.binary("b"));
    // Nothing listens on this port.
    command.env("OTEL_EXPORTER_OTLP_ENDPOINT", format!("http://127.0.0.1:{}", free_port())).env("OTEL_BSP_SCHEDULE_DELAY", "50");
    let b = Service::start(command);
    for i in 0..20 {
        let (status, body) = http_get(&b.url(&format!("/items/{i}")), &[]);
        assert_eq!(status, 200);
        assert!(body.starts_with(&format!(r#"{{"id":"{i}""#)), "{body}");
    }
    let started = std::time::Instant::now();
    let (status, _, stderr) = b.stop();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(status.signal(), Some(libc::SIGTERM), "it dies of SIGTERM as the plain build would: {stderr}");
    // Bounded by the flush timeout, not by the collector.
    assert!(started.elapsed() < std::time::Duration::from_secs(15), "{stderr}");
}
