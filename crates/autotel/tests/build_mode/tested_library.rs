use crate::support::*;
use std::collections::BTreeMap;
use std::process::{Command, Output};

/// `testdata/apps/tested-library` with its own rule file (`autotel/kv.yaml`).
const APP: &str = "tested-library";
const RULES: &str = "autotel/kv.yaml";

/// The `hook calls: N` lines the tests log, by package.
fn hook_calls(json: &[u8]) -> BTreeMap<String, Vec<String>> {
    let mut calls: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in String::from_utf8_lossy(json).lines().filter(|l| l.starts_with('{')) {
        let event: serde_json::Value = serde_json::from_str(line).unwrap();
        let output = event["Output"].as_str().unwrap_or_default();
        if let Some(at) = output.find("hook calls: ") {
            let package = event["Package"].as_str().unwrap_or_default().to_string();
            calls.entry(package).or_default().push(output[at..].trim().to_string());
        }
    }
    calls
}

fn autotel_test(app: &App, args: &[&str]) -> Output {
    let rules = app.path().join(RULES);
    autotel().arg("go").arg("--rules").arg(rules).arg("test").args(args).current_dir(app.path()).output().unwrap()
}

/// A library's own module under `autotel go test`: the library is rewritten with its tests and
/// so are its importers, and the hook package (which imports the library) is built against those
/// test variants; every test passes or fails as under `go test`, with the hooks running.
#[test]
fn an_instrumented_librarys_own_tests_link_and_pass_as_with_go_test() {
    let app = App::copy(APP);
    let before = app.snapshot();
    let kv = "example.com/kvlib/kv";
    let report = "example.com/kvlib/report";
    for args in [&["./..."][..], &["./internal/bytesx"], &["-race", "./kv"], &["-cover", "./..."]] {
        let go_args: Vec<&str> = ["-json", "-count=1"].iter().chain(args).copied().collect();
        let plain = app.go(&[&["test"][..], &go_args].concat());
        let instrumented = autotel_test(&app, &go_args);
        let (plain_outcomes, instrumented_outcomes) = (outcomes(&plain.stdout), outcomes(&instrumented.stdout));
        assert!(
            instrumented.status.success(),
            "autotel go test {args:?}:\n{}\n{}",
            String::from_utf8_lossy(&instrumented.stdout),
            String::from_utf8_lossy(&instrumented.stderr)
        );
        assert!(plain.status.success() && !plain_outcomes.is_empty(), "go test {args:?}: {plain:?}");
        assert_eq!(instrumented_outcomes, plain_outcomes, "{args:?}");
        if args.contains(&"./...") || args.contains(&"./kv") {
            let (plain_calls, calls) = (hook_calls(&plain.stdout), hook_calls(&instrumented.stdout));
            assert_eq!(plain_calls[kv], ["hook calls: 0"], "{args:?}: without autotel no hook runs");
            assert_eq!(calls[kv], ["hook calls: 2"], "{args:?}: Get, rewritten in kv [kv.test], ran twice through report [kv.test]");
            if args.contains(&"./...") {
                assert_eq!(calls[report], ["hook calls: 1"], "{args:?}");
            }
        }
    }
    // Packages without tests are still reported so.
    let all = autotel_test(&app, &["-count=1", "./..."]);
    let stdout = String::from_utf8_lossy(&all.stdout);
    assert!(stdout.contains("?   \texample.com/kvlib/cmd/kvtool\t[no test files]"), "{stdout}");
    assert_eq!(app.snapshot(), before, "the module is unchanged");
}

/// Each test binary links the hooks of what it contains, and no others.
#[test]
fn each_test_binary_links_the_hooks_of_what_it_contains() {
    let app = App::copy(APP);
    let out = tempfile::tempdir().unwrap();
    let symbols = |package: &str| {
        let binary = out.path().join(package.replace('/', "_"));
        let built = autotel_test(&app, &["-c", "-o", binary.to_str().unwrap(), package]);
        assert!(built.status.success(), "{}", String::from_utf8_lossy(&built.stderr));
        let nm = Command::new("go").args(["tool", "nm"]).arg(&binary).output().unwrap();
        String::from_utf8_lossy(&nm.stdout).to_string()
    };
    let kv = symbols("./kv");
    assert!(kv.contains(" T example.com/kvlib/kv/hooks.getEnter"), "kv.test links the kv hooks");
    assert!(kv.contains(" T autotel.dev/go/sdk."), "kv.test links the SDK bootstrap");
    let bytesx = symbols("./internal/bytesx");
    assert!(!bytesx.contains("example.com/kvlib/kv"), "bytesx.test has no kv, so no kv hooks");
    assert!(bytesx.contains(" T autotel.dev/go/sdk."), "bytesx.test links the SDK bootstrap");
}

/// A user's own `-overlay` (flag or GOFLAGS) is merged with autotel's test files.
#[test]
fn a_users_overlay_is_kept() {
    let app = App::copy(APP);
    let extra = tempfile::tempdir().unwrap();
    let test = extra.path().join("overlaid_test.go");
    std::fs::write(&test, "package bytesx\n\nimport \"testing\"\n\nfunc TestFromOverlay(t *testing.T) {\n\tif string(Reverse([]byte(\"ab\"))) != \"ba\" {\n\t\tt.Fatal(\"Reverse\")\n\t}\n}\n").unwrap();
    let overlay = extra.path().join("overlay.json");
    let target = app.path().join("internal/bytesx/overlaid_test.go");
    std::fs::write(&overlay, serde_json::json!({"Replace": {target.to_str().unwrap(): test.to_str().unwrap()}}).to_string()).unwrap();
    let flag = format!("-overlay={}", overlay.display());
    let by_flag = autotel_test(&app, &[&flag, "-count=1", "-v", "-run", "TestFromOverlay", "./internal/bytesx"]);
    let mut command = autotel();
    command.arg("go").arg("--rules").arg(app.path().join(RULES)).args(["test", "-count=1", "-v", "-run", "TestFromOverlay", "./internal/bytesx"]);
    let by_goflags = command.current_dir(app.path()).env("GOFLAGS", &flag).output().unwrap();
    for output in [by_flag, by_goflags] {
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success() && stdout.contains("--- PASS: TestFromOverlay"), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    }
    assert!(!target.exists());
}
