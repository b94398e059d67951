use crate::support::*;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

fn warnings(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|l| l.starts_with("autotel: warning:")).collect()
}

/// A module with a library, a hooks package and a user rule that hooks `lib.Greet` with the
/// signature it was written for.
fn greeting_module(greet: &str, call: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let write = |rel: &str, text: &str| {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("go.mod", "module example.com/drift\n\ngo 1.23\n");
    write("lib/lib.go", &format!("package lib\n\n{greet}\n"));
    write(
        "hooks/hooks.go",
        "package hooks\n\nimport \"unsafe\"\n\nfunc greetEnter(name *string) (unsafe.Pointer, bool) {\n\t*name = \"hooked \" + *name\n\treturn nil, false\n}\n",
    );
    write("main.go", &format!("package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/drift/lib\"\n)\n\nfunc main() {{ fmt.Println({call}) }}\n"));
    let rules = dir.path().join("rules/drift.yaml");
    write(
        "rules/drift.yaml",
        "instrumentation: drift\nhooks: example.com/drift/hooks\nrules:\n  - target: example.com/drift/lib\n    \
         requires: {functions: [\"Greet(name string) string\"]}\n    function: {name: Greet, enter: greetEnter}\n",
    );
    (dir, rules)
}

fn build_and_run(dir: &Path, rules: &Path) -> (String, String) {
    let output = autotel().args(["go", "--rules"]).arg(rules).args(["build", "-o", "bin/drift", "."]).current_dir(dir).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert!(output.status.success(), "the build succeeds:\n{stderr}");
    let run = Command::new(dir.join("bin/drift")).env("OTEL_SDK_DISABLED", "true").output().unwrap();
    assert!(run.status.success(), "{run:?}");
    (String::from_utf8_lossy(&run.stdout).trim().to_string(), stderr)
}

#[test]
fn a_library_whose_hooked_function_changed_is_built_without_the_rule() {
    let (dir, rules) = greeting_module("func Greet(name string) string { return \"hello \" + name }", "lib.Greet(\"x\")");
    let (out, stderr) = build_and_run(dir.path(), &rules);
    assert_eq!(out, "hello hooked x", "the rule applies to the signature it declares:\n{stderr}");
    assert_eq!(warnings(&stderr), Vec::<&str>::new());

    // The next release of the library changed Greet: its hook would read the wrong arguments.
    let (dir, rules) = greeting_module(
        "func Greet(name string, loud bool) string { return \"hello \" + name }",
        "lib.Greet(\"x\", false)",
    );
    let (out, stderr) = build_and_run(dir.path(), &rules);
    assert_eq!(out, "hello x", "the program runs uninstrumented for that library");
    assert_eq!(
        warnings(&stderr),
        ["autotel: warning: example.com/drift/lib is built without `drift`: it lacks Greet(name string) string \
          (it is Greet(name string, loud bool) string); the program runs without that instrumentation"],
        "{stderr}"
    );
}

/// `testdata/apps/changed-gin` against a copy of the real gin v1.7.0 (from the module cache) in
/// which `Engine.handleHTTPRequest` takes the response writer first, as a future gin might: the
/// rule's `requires` no longer holds (without it, the pulled trampoline would hand the hook a
/// `*http.ResponseWriter` as its `**gin.Context`: the linker does not compare linknamed types).
#[test]
fn a_gin_whose_hooked_function_changed_builds_with_one_warning_and_serves() {
    let app = App::copy("changed-gin");
    let download = app.go(&["mod", "download", "-json", "github.com/gin-gonic/gin@v1.7.0"]);
    assert!(download.status.success(), "go mod download:\n{}", String::from_utf8_lossy(&download.stderr));
    let module: serde_json::Value = serde_json::from_slice(&download.stdout).unwrap();
    let gin = app.path().join("gin");
    copy_dir(Path::new(module["Dir"].as_str().expect("the module's Dir")), &gin);
    let gin_go = gin.join("gin.go");
    let original = std::fs::read_to_string(&gin_go).unwrap();
    let changed = original
        .replace("func (engine *Engine) handleHTTPRequest(c *Context) {", "func (engine *Engine) handleHTTPRequest(w http.ResponseWriter, c *Context) {")
        .replace("engine.handleHTTPRequest(c)", "engine.handleHTTPRequest(c.Writer, c)");
    assert_eq!(changed.matches("handleHTTPRequest(w http.ResponseWriter, c *Context)").count(), 1, "gin v1.7.0's gin.go declares handleHTTPRequest once");
    assert_eq!(changed.matches("handleHTTPRequest(c.Writer, c)").count(), 2, "and calls it twice");
    let mut permissions = std::fs::metadata(&gin_go).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)] // the module cache's copy is read-only
    permissions.set_readonly(false);
    std::fs::set_permissions(&gin_go, permissions).unwrap();
    std::fs::write(&gin_go, changed).unwrap();
    let go_mod = app.path().join("go.mod");
    let text = std::fs::read_to_string(&go_mod).unwrap();
    std::fs::write(&go_mod, format!("{text}\nreplace github.com/gin-gonic/gin => ./gin\n")).unwrap();

    let output = app.autotel_go(&["build", "-o", "bin/app", "."]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        warnings(&stderr),
        ["autotel: warning: github.com/gin-gonic/gin is built without 1 of its 2 `gin` rules: it lacks \
          (Engine).handleHTTPRequest(*Context) (it is (Engine).handleHTTPRequest(w http.ResponseWriter, c *Context)); \
          the program runs without that instrumentation"],
        "{stderr}"
    );

    // The program serves as it would without autotel; net/http's server span is still there,
    // named without gin's route template.
    let receiver = receiver();
    let mut command = Command::new(app.binary("app"));
    otel_env(&mut command, &receiver, "changed-gin");
    let service = Service::start(command);
    assert_eq!(http_get(&service.url("/users/7"), &[]), (200, "user 7".to_string()));
    let store = receiver.store();
    let arrived = store.wait_until(Duration::from_secs(30), |s| !s.spans().is_empty());
    assert!(arrived, "net/http's server span arrives");
    let spans = store.spans();
    assert_eq!(spans.iter().map(|s| (s.name.as_str(), s.kind)).collect::<Vec<_>>(), [("GET", otlp::model::SpanKind::Server)], "{spans:#?}");
    drop(service);
}

/// A Go release autotel does not know, made by scripts/fake-go-release from go1.27.4: it calls
/// itself go1.28.0, renames newproc1's `callergp` and net/http's `http2ResponseWriter`.
fn future_go() -> std::path::PathBuf {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("go1.28.0-fake");
    let output = Command::new(repo_root().join("scripts/fake-go-release"))
        .args(["go1.27.4", "go1.28.0"])
        .arg(&root)
        .output()
        .unwrap();
    assert!(output.status.success(), "scripts/fake-go-release failed:\n{}", String::from_utf8_lossy(&output.stderr));
    root
}

#[test]
fn a_future_go_builds_with_one_warning_per_changed_library_and_runs() {
    let goroot = future_go();
    let path = format!("{}:{}", goroot.join("bin").display(), std::env::var("PATH").unwrap());
    let app = App::copy("nethttp-pair");
    let output = autotel()
        .args(["go", "build", "-o", "bin/b", "./cmd/b"])
        .current_dir(app.path())
        .env("GOROOT", &goroot)
        .env("PATH", &path)
        .env("GOTOOLCHAIN", "local")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert!(output.status.success(), "the build succeeds:\n{stderr}");
    // The compiles of runtime and net/http print them (the go command replays them from its
    // cache when the hook runtime's preparation compiled those packages first).
    let mut warnings = warnings(&stderr);
    warnings.sort();
    assert_eq!(warnings.len(), 2, "one warning per changed library:\n{stderr}");
    assert!(
        warnings[0].starts_with("autotel: warning: net/http is built without 2 of its 9 `nethttp` rules: it lacks")
            && warnings[0].contains("field http2ResponseWriter.ResponseWriter"),
        "{stderr}"
    );
    assert!(
        warnings[1].starts_with("autotel: warning: runtime is built without `gls`: it lacks newproc1(fn *funcval, callergp *g,")
            && warnings[1].contains("(it is newproc1(fn *funcval, parent *g,"),
        "{stderr}"
    );
    assert!(!stderr.contains("bug"), "{stderr}");
    let version = Command::new(goroot.join("bin/go")).args(["version"]).arg(app.binary("b")).env("GOROOT", &goroot).output().unwrap();
    assert!(String::from_utf8_lossy(&version.stdout).contains("go1.28.0"), "{version:?}");

    // The program runs; net/http's other rules still apply (server span with its status code).
    let receiver = receiver();
    let mut command = Command::new(app.binary("b"));
    otel_env(&mut command, &receiver, "future-b");
    let b = Service::start(command);
    let (status, body) = http_get(&b.url("/items/7"), &[]);
    assert_eq!((status, body.starts_with(r#"{"id":"7""#)), (200, true), "{body}");
    let store = receiver.store();
    let arrived = store.wait_until(Duration::from_secs(30), |s| s.spans().iter().any(|sp| sp.name == "GET /items/{id}"));
    assert!(arrived, "{:#?}", store.spans());
    let spans = store.spans();
    let server = spans.iter().find(|s| s.name == "GET /items/{id}").unwrap();
    assert_eq!(server.attributes.get("http.response.status_code"), Some(&otlp::model::Value::Int(200)), "{server:#?}");
}
