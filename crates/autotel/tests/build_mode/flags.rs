use crate::support::*;
use otlp::model::SpanKind;
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

#[test]
fn a_plugin_built_by_autotel_opens_in_a_program_built_by_autotel() {
    // Go opens a plugin only when every package it shares with the program was built the same
    // (found on gotify, which loads plugins). The opener serves one request itself and makes it
    // through the plugin's net/http client.
    let app = App::copy("nethttp-pair");
    let write = |path: &str, text: &str| {
        std::fs::create_dir_all(app.path().join(path).parent().unwrap()).unwrap();
        std::fs::write(app.path().join(path), text).unwrap();
    };
    write(
        "cmd/plug/main.go",
        "package main\n\nimport \"net/http\"\n\nfunc Fetch(url string) string {\n\tresp, err := http.Get(url)\n\tif err != nil {\n\t\treturn err.Error()\n\t}\n\tresp.Body.Close()\n\treturn resp.Status\n}\n",
    );
    write(
        "cmd/opener/main.go",
        r#"package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"plugin"
)

func main() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	defer srv.Close()
	p, err := plugin.Open(os.Args[1])
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	fetch, err := p.Lookup("Fetch")
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	fmt.Println(fetch.(func(string) string)(srv.URL))
}
"#,
    );
    let plugin = app.autotel_go(&["build", "-buildmode=plugin", "-o", "bin/plug.so", "./cmd/plug"]);
    assert!(!String::from_utf8_lossy(&plugin.stderr).contains("warning"), "{}", String::from_utf8_lossy(&plugin.stderr));
    let opener = app.autotel_go(&["build", "-o", "bin/opener", "./cmd/opener"]);
    let note = String::from_utf8_lossy(&opener.stderr);
    assert!(note.contains("autotel: note: this program imports package plugin"), "{note}");

    let receiver = receiver();
    let mut command = Command::new(app.binary("opener"));
    command.arg(app.binary("plug.so"));
    otel_env(&mut command, &receiver, "opener");
    let ran = command.output().unwrap();
    assert_eq!(String::from_utf8_lossy(&ran.stdout), "204 No Content\n", "{}", String::from_utf8_lossy(&ran.stderr));
    let store = receiver.store();
    assert!(store.wait_until(Duration::from_secs(20), |s| s.spans().len() == 2), "{:#?}", store.spans());
    let spans = store.spans();
    let client = spans.iter().find(|s| s.kind == SpanKind::Client).expect("the plugin's client span");
    let server = spans.iter().find(|s| s.kind == SpanKind::Server).expect("the opener's server span");
    assert_eq!((server.trace_id, server.parent_span_id), (client.trace_id, Some(client.span_id)), "one trace across the plugin");

    // A plugin built by go build shares no instrumented package with the opener: Go refuses it.
    let plain = app.go(&["build", "-buildmode=plugin", "-o", "bin/plain.so", "./cmd/plug"]);
    assert!(plain.status.success(), "{}", String::from_utf8_lossy(&plain.stderr));
    let refused = Command::new(app.binary("opener")).arg(app.binary("plain.so")).env("OTEL_SDK_DISABLED", "true").output().unwrap();
    assert!(String::from_utf8_lossy(&refused.stdout).contains("plugin was built with a different version of package"), "{refused:?}");
}
