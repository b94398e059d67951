//! The hook runtime joins a build without moving the user's dependencies (design.md §1.7): a
//! module on the newest OpenTelemetry Go builds and exports through it, a module pinned at the
//! runtime's floors links exactly its pins, and one pinned below them hears exactly what moved.

use crate::support::*;
use otlp::model::SpanKind;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// Module path → version of every module linked into `binary` (`go version -m`).
fn linked(binary: &Path) -> BTreeMap<String, String> {
    let output = Command::new("go").args(["version", "-m"]).arg(binary).output().unwrap();
    assert!(output.status.success(), "go version -m {}: {}", binary.display(), String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            (words.len() >= 3 && words[0] == "dep").then(|| (words[1].to_string(), words[2].to_string()))
        })
        .collect()
}

/// Builds the app's package plain and with autotel (`go build` or `go test -c`) into `out/plain`
/// and `out/instrumented`: the two binaries' linked modules and autotel's stderr.
fn plain_and_instrumented(app: &App, args: &[&str], out: &Path) -> (BTreeMap<String, String>, BTreeMap<String, String>, String) {
    let (plain, instrumented) = (out.join("plain"), out.join("instrumented"));
    let with_output = |binary: &Path| -> Vec<String> {
        let mut a: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        a.extend(["-o".to_string(), binary.display().to_string(), ".".into()]);
        a
    };
    let plain_args = with_output(&plain);
    let output = app.go(&plain_args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(output.status.success(), "plain go {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    let instrumented_args = with_output(&instrumented);
    let output = app.autotel_go(&instrumented_args.iter().map(String::as_str).collect::<Vec<_>>());
    (linked(&plain), linked(&instrumented), String::from_utf8_lossy(&output.stderr).to_string())
}

const NOTE: &str = "the hook runtime needs newer versions of some of your dependencies";

#[test]
fn a_module_on_the_newest_opentelemetry_builds_and_exports_through_the_runtime() {
    builds_and_exports_on(App::copy("otel-newest"), NEWEST_OTEL_GO);
}

/// otel v1.45.0 is the first release whose Logs API (otel/log v0.21.0) takes `attribute.Value`s.
#[test]
fn a_module_on_the_first_attribute_valued_logs_api_builds_and_exports_through_the_runtime() {
    let app = App::copy("otel-newest");
    let moved = app.go(&["get", "go.opentelemetry.io/otel@v1.45.0", "go.opentelemetry.io/otel/log@v0.21.0", "go.opentelemetry.io/otel/sdk/log@v0.21.0"]);
    assert!(moved.status.success(), "{}", String::from_utf8_lossy(&moved.stderr));
    builds_and_exports_on(app, "v0.21.0");
}

/// Builds `app` (otel-newest's program, on the Logs API version `logs_api`) plain and with
/// autotel: nothing moves, and the instrumented program exports its own span under autotel's.
fn builds_and_exports_on(app: App, logs_api: &str) {
    let out = tempfile::tempdir().unwrap();
    let (plain, instrumented, stderr) = plain_and_instrumented(&app, &["build"], out.path());
    assert!(!stderr.contains(NOTE), "nothing of the module moves:\n{stderr}");
    assert_eq!(instrumented["go.opentelemetry.io/otel/log"], logs_api);
    assert_eq!(instrumented["go.opentelemetry.io/otel/sdk/log"], logs_api);
    for (path, version) in &plain {
        assert_eq!(instrumented.get(path), Some(version), "{path} links at the module's own version");
    }

    let receiver = receiver();
    let mut command = Command::new(out.path().join("instrumented"));
    otel_env(&mut command, &receiver, "otel-newest");
    let service = Service::start(command);
    assert_eq!(http_get(&service.url("/work"), &[]).0, 200);
    let store = receiver.store();
    assert!(store.wait_until(Duration::from_secs(20), |s| s.spans().iter().any(|s| s.name == "work")), "{:#?}", store.spans());
    let spans = store.spans();
    let server = spans.iter().find(|s| s.kind == SpanKind::Server && s.name == "GET /work").expect("the server span");
    let work = spans.iter().find(|s| s.name == "work").expect("the program's own span");
    assert_eq!(work.parent_span_id, Some(server.span_id), "the program's span is a child of the instrumented server's");
    drop(service);
}

#[test]
fn a_module_pinned_at_the_runtime_floors_links_its_own_versions() {
    let app = App::copy("pinned-deps");
    // The app pins the runtime's floors (x/sys, x/net, x/text) and an old protobuf (main.go).
    let gomod = std::fs::read_to_string(app.path().join("go.mod")).unwrap();
    let pins: Vec<(&str, &str)> = gomod
        .lines()
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            Some((words.next()?, words.next()?))
        })
        .filter(|(path, _)| path.starts_with("golang.org/x/") || path.starts_with("google.golang.org/"))
        .collect();
    assert_eq!(pins.len(), 4, "the app pins x/net, x/sys, x/text and protobuf: {pins:?}");
    for command in [&["build"][..], &["test", "-c"]] {
        let out = tempfile::tempdir().unwrap();
        let (plain, instrumented, stderr) = plain_and_instrumented(&app, command, out.path());
        assert!(!stderr.contains(NOTE), "go {command:?}: nothing moves:\n{stderr}");
        for &(path, version) in &pins {
            assert_eq!(plain.get(path).map(String::as_str), Some(version), "go {command:?}: plain {path}");
            assert_eq!(instrumented.get(path).map(String::as_str), Some(version), "go {command:?}: instrumented {path}");
        }
    }
}

#[test]
fn a_module_pinned_below_the_floors_hears_exactly_what_moved_and_why() {
    let app = App::copy("pinned-old-xsys");
    let out = tempfile::tempdir().unwrap();
    let (plain, instrumented, stderr) = plain_and_instrumented(&app, &["build"], out.path());
    let old = "v0.0.0-20220715151400-c0bba94af5f8";
    assert_eq!(plain["golang.org/x/sys"], old);
    let floor = &instrumented["golang.org/x/sys"];
    let notes: Vec<&str> = stderr.lines().filter(|l| l.contains(NOTE)).collect();
    assert_eq!(notes.len(), 1, "one note:\n{stderr}");
    let moved: Vec<&str> = stderr.lines().skip_while(|l| !l.contains(NOTE)).skip(1).take_while(|l| l.starts_with("  ")).collect();
    assert_eq!(moved.len(), 1, "only x/sys moved:\n{stderr}");
    let prefix = format!("  golang.org/x/sys {old} → {floor} (autotel.dev/go → ");
    assert!(moved[0].starts_with(&prefix) && moved[0].ends_with(&format!(" → golang.org/x/sys@{floor})")), "{stderr}");
}

/// A module whose go.mod replaces a dependency with a directory that is not there (a sibling
/// of a repository that is not checked out, a module fetched alone from the proxy).
const ABSENT_REPLACEMENT: &str = "//- go.mod\nmodule example.com/absent\n\ngo 1.23\n\nrequire example.com/gone v1.0.0\n\n\
replace example.com/gone => ../gone\n//- main.go\npackage main\n\nimport (\n\t\"fmt\"\n\t\"net/http\"\n)\n\n\
func main() {\n\t_, err := http.Get(\"http://127.0.0.1:1/\")\n\tfmt.Println(\"failed as expected:\", err != nil)\n}\n";

/// `go build` reads a replacement's go.mod only when the build imports from it, so such a module
/// builds; so does it under autotel (whose alternate go.mod loads the whole module graph), with
/// its hooks. When the build does import from it, autotel says which replacement is missing, as
/// `go build` fails there too.
#[test]
fn a_replacement_directory_that_is_not_there_builds_until_the_build_imports_from_it() {
    let app = App::fixture(ABSENT_REPLACEMENT);
    let out = tempfile::tempdir().unwrap();
    let binary = out.path().join("absent");
    let binary_arg = binary.to_str().unwrap();
    let plain = app.go(&["build", "-o", binary_arg, "."]);
    assert!(plain.status.success(), "plain go build: {}", String::from_utf8_lossy(&plain.stderr));
    app.autotel_go(&["build", "-o", binary_arg, "."]);
    assert!(defines(&binary, "autotel.dev/go/hooks/nethttp.clientEnter"), "the client hook is linked");
    let run = Command::new(&binary).env("OTEL_SDK_DISABLED", "true").output().unwrap();
    assert_eq!(String::from_utf8_lossy(&run.stdout), "failed as expected: true\n");

    app.edit("main.go", "\"net/http\"\n", "\"net/http\"\n\n\t\"example.com/gone/x\"\n");
    app.edit("main.go", "fmt.Println(", "x.Use()\n\tfmt.Println(");
    assert!(!app.go(&["build", "-o", binary_arg, "."]).status.success(), "plain go build imports from the absent directory");
    let output = app.autotel_go_unchecked(&["build", "-o", binary_arg, "."]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("autotel: example.com/gone is replaced by ../gone in go.mod, and that directory has no go.mod, but the build imports from it"),
        "{stderr}"
    );
    let gomod = std::fs::read_to_string(app.path().join("go.mod")).unwrap();
    assert!(ABSENT_REPLACEMENT.contains(&format!("//- go.mod\n{gomod}//- main.go")), "the user's go.mod is unchanged: {gomod}");
}
