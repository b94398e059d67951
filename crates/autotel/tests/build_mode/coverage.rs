//! Coverage builds (`-cover`, `-coverpkg`) report the user's packages and blocks, as plain go
//! does: the hook runtime, the SDK and what only they import are never covered
//! (crates/build/src/coverage.rs). Before, `go test -coverpkg=all` failed ("internal error in
//! coverage meta-data tracking") and `-cover` builds listed autotel's packages.

use crate::support::*;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// The blocks of a text coverage profile (`file:range statements`), counts left out: the hook
/// runtime's own calls into the standard library count there, the blocks must not differ.
fn blocks(profile: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(profile).unwrap();
    text.lines().skip(1).map(|line| line.rsplit_once(' ').map_or(line, |(block, _count)| block).to_string()).collect()
}

#[test]
fn go_test_with_coverpkg_all_passes_and_profiles_the_same_blocks_as_plain_go() {
    let app = App::copy("nethttp-pair");
    let profiles = tempfile::tempdir().unwrap();
    let plain = profiles.path().join("plain.out");
    let ours = profiles.path().join("autotel.out");
    let output = app.go(&["test", "-count=1", "-coverpkg=all", &format!("-coverprofile={}", plain.display()), "./cmd/a"]);
    assert!(output.status.success(), "plain go test: {}", String::from_utf8_lossy(&output.stderr));

    let receiver = receiver();
    let mut command = autotel();
    command.args(["go", "test", "-count=1", "-coverpkg=all", &format!("-coverprofile={}", ours.display()), "./cmd/a"]).current_dir(app.path());
    otel_env(&mut command, &receiver, "covered-tests");
    let output = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("of statements in all"), "{stdout}");
    let store = receiver.store();
    assert!(store.wait_until(Duration::from_secs(20), |s| !s.spans().is_empty()), "the covered test binary is instrumented");

    let (plain, ours) = (blocks(&plain), blocks(&ours));
    assert!(plain.len() > 1000, "a profile of every package: {} blocks", plain.len());
    let only_ours: Vec<&String> = ours.difference(&plain).take(10).collect();
    let only_plain: Vec<&String> = plain.difference(&ours).take(10).collect();
    assert!(only_ours.is_empty() && only_plain.is_empty(), "blocks only under autotel: {only_ours:#?}\nonly plain: {only_plain:#?}");
}

/// The packages `go tool covdata percent` lists for a program built with `args` and run once.
fn covered_packages(app: &App, mut go: Command, args: &[&str], name: &str) -> Vec<String> {
    let bin = app.path().join(name);
    let output = go.args(["build", "-o", bin.to_str().unwrap()]).args(args).arg("./cmd/b").current_dir(app.path()).output().unwrap();
    assert!(output.status.success(), "{name}: {}", String::from_utf8_lossy(&output.stderr));
    let data = tempfile::tempdir().unwrap();
    let mut command = Command::new(&bin);
    command.env("GOCOVERDIR", data.path()).env("OTEL_SDK_DISABLED", "true");
    let service = Service::start(command);
    assert_eq!(http_get(&service.url("/items/1"), &[]).0, 200);
    drop(service);
    let percent = Command::new("go").args(["tool", "covdata", "percent", "-i"]).arg(data.path()).output().unwrap();
    assert!(percent.status.success(), "{}", String::from_utf8_lossy(&percent.stderr));
    String::from_utf8_lossy(&percent.stdout).lines().filter_map(|l| l.split_whitespace().next()).map(str::to_string).collect()
}

#[test]
fn covered_programs_list_the_same_packages_as_plain_go() {
    let app = App::copy("nethttp-pair");
    for args in [&["-cover"][..], &["-coverpkg=all"]] {
        let plain = covered_packages(&app, Command::new("go"), args, "plain");
        let mut go = autotel();
        go.arg("go");
        let ours = covered_packages(&app, go, args, "autotel");
        assert!(!plain.is_empty(), "{args:?}: go tool covdata lists the program's packages");
        assert_eq!(ours, plain, "{args:?}");
    }
}
