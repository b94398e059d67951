//! `autotel inspect`: the manifest `autotel go build` links into each program (autotel and Go
//! versions, the instrumented packages it links with their module versions), read back from
//! the executable, stripped or not; for a plain build, what attach would trace.

use crate::support::*;
use serde_json::Value;
use std::path::Path;

fn inspect_json(binary: &Path) -> Value {
    let output = autotel().arg("inspect").arg("--json").arg(binary).output().unwrap();
    assert!(output.status.success(), "autotel inspect --json {}: {}", binary.display(), String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("inspect --json prints JSON")
}

fn inspect_text(binary: &Path) -> String {
    let output = autotel().arg("inspect").arg(binary).output().unwrap();
    assert!(output.status.success(), "autotel inspect {}: {}", binary.display(), String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

/// The manifest's instrumented packages: import path → (module version or "std", instrumentations).
fn instrumented(manifest: &Value) -> std::collections::BTreeMap<String, (String, Vec<String>)> {
    manifest["instrumented"]
        .as_array()
        .expect("instrumented is a list")
        .iter()
        .map(|i| {
            let version = i["version"].as_str().unwrap_or("std").to_string();
            let names = i["instrumentations"].as_array().unwrap().iter().map(|n| n.as_str().unwrap().to_string()).collect();
            (i["package"].as_str().unwrap().to_string(), (version, names))
        })
        .collect()
}

#[test]
fn inspect_names_what_each_program_was_instrumented_with_stripped_or_not() {
    let app = App::copy("routers");
    // A second program of the module that links none of the routers.
    app.write("cmd/plainhttp/main.go", "package main\n\nimport \"net/http\"\n\nfunc main() { _ = http.ListenAndServe(\"127.0.0.1:0\", nil) }\n");
    app.autotel_go(&["build", "-o", "bin/", "./..."]);
    app.autotel_go(&["build", "-ldflags=-s -w", "-o", "bin/routers-stripped", "."]);
    let go_version = String::from_utf8(app.go(&["env", "GOVERSION"]).stdout).unwrap().trim().to_string();

    for binary in ["routers", "routers-stripped"] {
        let json = inspect_json(&app.binary(binary));
        assert_eq!(json["attach"], Value::Null, "{binary}");
        let manifest = &json["manifest"];
        assert_eq!(manifest["autotel"], env!("CARGO_PKG_VERSION"), "{binary}");
        assert_eq!(manifest["go"], go_version.as_str(), "{binary}");
        let packages = instrumented(manifest);
        for (package, version, instrumentation) in [
            ("net/http", "std", "nethttp"),
            ("github.com/gorilla/mux", "v1.8.1", "gorillamux"),
            ("github.com/go-chi/chi/v5", "v5.5.0", "chi"),
            ("github.com/labstack/echo/v5", "v5.4.6", "echo"),
        ] {
            let (v, names) = packages.get(package).unwrap_or_else(|| panic!("{binary}: {package} missing from {packages:?}"));
            assert_eq!((v.as_str(), names.iter().any(|n| n == instrumentation)), (version, true), "{binary}: {package}");
        }
        let text = inspect_text(&app.binary(binary));
        assert!(text.contains(&format!("instrumented by autotel {} ({go_version})", env!("CARGO_PKG_VERSION"))), "{text}");
        assert!(text.lines().any(|l| l.contains("github.com/gorilla/mux") && l.contains("v1.8.1") && l.contains("gorillamux")), "{text}");
    }

    // Each program lists what it links, not everything the build instrumented.
    let packages = instrumented(&inspect_json(&app.binary("plainhttp"))["manifest"]);
    assert!(packages.contains_key("net/http"), "{packages:?}");
    for router in ["github.com/gorilla/mux", "github.com/go-chi/chi/v5", "github.com/labstack/echo/v5"] {
        assert!(!packages.contains_key(router), "plainhttp does not link {router}: {packages:?}");
    }
}

#[test]
fn inspect_of_a_plain_build_says_what_attach_would_trace() {
    let app = App::copy("nethttp-pair");
    let output = app.go(&["build", "-ldflags=-s -w", "-o", "bin/b", "./cmd/b"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let json = inspect_json(&app.binary("b"));
    assert_eq!(json["manifest"], Value::Null);
    let attach = &json["attach"];
    assert_eq!(attach["stripped"], true);
    let traced: Vec<&str> = attach["traced"].as_array().unwrap().iter().map(|t| t["what"].as_str().unwrap()).collect();
    assert!(traced.contains(&"net/http server spans"), "{attach:#}");
    let text = inspect_text(&app.binary("b"));
    assert!(text.contains("not built by `autotel go build`") && text.contains("Would instrument:"), "{text}");

    let missing = autotel().args(["inspect", "bin/none"]).current_dir(app.path()).output().unwrap();
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("cannot read bin/none"), "{}", String::from_utf8_lossy(&missing.stderr));
}
