use crate::support::*;

/// The compile and link invocations `go … -x` printed (through the toolexec proxy or not).
fn tool_runs(stderr: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(stderr)
        .lines()
        .filter(|l| (l.contains("/compile ") || l.contains("/link ")) && !l.contains("-V=full"))
        .map(str::to_string)
        .collect()
}

#[test]
fn a_second_identical_build_compiles_nothing() {
    let app = App::copy("nethttp-pair");
    let bin = tempfile::tempdir().unwrap();
    let out = bin.path().join("a");
    app.autotel_go(&["build", "-o", out.to_str().unwrap(), "./cmd/a"]);
    std::fs::remove_file(&out).unwrap();
    let second = app.autotel_go(&["build", "-x", "-o", out.to_str().unwrap(), "./cmd/a"]);
    let runs = tool_runs(&second.stderr);
    let compiles: Vec<&String> = runs.iter().filter(|l| l.contains("/compile ")).collect();
    assert!(compiles.is_empty(), "every package is a cache hit, got:\n{compiles:#?}");
    assert!(out.exists());
}

const SERVER_HOOK: &str = "autotel.dev/go/hooks/nethttp.serverEnter";

/// Whether `binary` links net/http's server hook.
fn has_hooks(binary: &std::path::Path) -> bool {
    links(binary, SERVER_HOOK)
}

fn links(binary: &std::path::Path, symbol: &str) -> bool {
    let nm = std::process::Command::new("go").args(["tool", "nm"]).arg(binary).output().unwrap();
    assert!(nm.status.success());
    String::from_utf8_lossy(&nm.stdout).contains(symbol)
}

#[test]
fn plain_and_instrumented_builds_never_share_archives() {
    let app = App::copy("nethttp-pair");
    let bin = tempfile::tempdir().unwrap();
    let (plain, instrumented) = (bin.path().join("plain"), bin.path().join("instrumented"));
    for _ in 0..2 {
        assert!(app.go(&["build", "-o", plain.to_str().unwrap(), "./cmd/a"]).status.success());
        app.autotel_go(&["build", "-o", instrumented.to_str().unwrap(), "./cmd/a"]);
        assert!(!has_hooks(&plain), "a plain build after an instrumented one has no hooks");
        assert!(has_hooks(&instrumented), "an instrumented build after a plain one has its hooks");
        std::fs::remove_file(&plain).unwrap();
        std::fs::remove_file(&instrumented).unwrap();
    }
}

/// Two autotel caches (two `AUTOTEL_CACHE_DIR`s, so two extracted runtimes) sharing one Go build
/// cache: the hook archives' export data names the runtime's directory, so a main package
/// compiled against one must not be reused with the other's (the link said "fingerprint mismatch").
/// The first is the cache every other test uses (its archives are in the Go build cache
/// already), the second a fresh one.
#[test]
fn two_autotel_caches_share_one_go_build_cache() {
    let app = App::copy("nethttp-pair");
    let bin = tempfile::tempdir().unwrap();
    let fresh = tempfile::tempdir().unwrap();
    for cache in [None, Some(fresh.path())] {
        let out = bin.path().join("b");
        let mut command = autotel();
        command.args(["go", "build", "-o", out.to_str().unwrap(), "./cmd/b"]).current_dir(app.path());
        if let Some(cache) = cache {
            command.env("AUTOTEL_CACHE_DIR", cache);
        }
        let output = command.output().unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        assert!(has_hooks(&out));
        std::fs::remove_file(&out).unwrap();
    }
}

/// Modules using different libraries (net/http alone; gorilla/mux, chi and echo; a go 1.20
/// module) share the instrumented standard library in one fresh Go build cache: the hook
/// packages enter each program through the go command's graph, so the fingerprint leaves out
/// which ones (issue 13), and a raised go line reaches only the module's own compiles.
/// The user's own `-toolexec` (which autotel runs behind its proxy, for the plan's compiles too)
/// logs every compile.
#[test]
fn modules_with_different_libraries_share_the_instrumented_standard_library() {
    let gocache = tempfile::tempdir().unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let log = scratch.path().join("compiles.log");
    let logger = scratch.path().join("log-compiles");
    std::fs::write(&logger, format!("#!/bin/sh\ncase \"$1\" in */compile) echo \"$TOOLEXEC_IMPORTPATH\" >> {} ;; esac\nexec \"$@\"\n", log.display())).unwrap();
    std::fs::set_permissions(&logger, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    // Each program links goroutine-local context; the first two serve HTTP too.
    let build = |app: &App, package: &str, hook: &str| -> Vec<String> {
        let out = scratch.path().join("out");
        let toolexec = format!("-toolexec={}", logger.display());
        let output = autotel()
            .args(["go", "build", &toolexec, "-o", out.to_str().unwrap(), package])
            .current_dir(app.path())
            .env("GOCACHE", gocache.path())
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        assert!(links(&out, hook), "{package} links {hook}");
        std::fs::remove_file(&out).unwrap();
        let compiled = std::fs::read_to_string(&log).unwrap().lines().map(str::to_string).collect();
        std::fs::remove_file(&log).unwrap();
        compiled
    };
    let first = build(&App::copy("nethttp-pair"), "./cmd/a", SERVER_HOOK);
    let instrumented_std = ["runtime", "net/http", "autotel.dev/go/gls"];
    for package in instrumented_std {
        assert!(first.iter().any(|p| p == package), "a fresh cache compiles {package}: {first:?}");
    }
    let second = build(&App::copy("routers"), ".", SERVER_HOOK);
    assert!(second.iter().any(|p| p == "github.com/gorilla/mux"), "the second module's own libraries are compiled: {second:?}");
    for package in instrumented_std {
        assert!(!second.iter().any(|p| p == package), "{package} is compiled again for the second module: {second:?}");
    }
    // A module whose go line the build raises keeps its language through -gcflags, which only
    // its own packages' action IDs carry (language.rs): it shares the standard library too.
    let third = build(&App::copy("old-go-line"), ".", "autotel.dev/go/gls.Current");
    assert!(third.iter().any(|p| p == "example.com/oldgoline"), "the go 1.20 module's package is compiled: {third:?}");
    for package in instrumented_std {
        assert!(!third.iter().any(|p| p == package), "{package} is compiled again for a module with an older go line: {third:?}");
    }
}

/// Builds that throw their executables away (`-o /dev/null`; `./...` with two main packages and
/// no `-o`) link a program once: the next such build with nothing changed copies the executable
/// kept then (link_cache.rs), and says so under `-v`. An edit links again, so a link error it
/// brings fails the build.
#[test]
fn a_discarded_link_is_redone_only_when_what_it_links_changed() {
    let app = App::fixture(
        "//- go.mod\nmodule example.com/discard\n\ngo 1.23\n\
         //- cmd/a/main.go\npackage main\n\nimport \"net/http\"\n\nfunc main() { _ = http.ListenAndServe(\"127.0.0.1:0\", nil) }\n\
         //- cmd/b/main.go\npackage main\n\nfunc main() { println(\"discarded links\") }\n",
    );
    const REUSED: &str = "autotel: link reused";
    let reused = |args: &[&str]| {
        let output = app.autotel_go(args);
        String::from_utf8_lossy(&output.stderr).matches(REUSED).count()
    };
    assert_eq!(reused(&["build", "-v", "-o", "/dev/null", "./cmd/a"]), 0, "a first link");
    assert_eq!(reused(&["build", "-v", "-o", "/dev/null", "./cmd/a"]), 1);
    assert_eq!(reused(&["build", "-v", "./..."]), 1, "cmd/a's link again, cmd/b's a first");
    assert_eq!(reused(&["build", "-v", "./..."]), 2);
    let out = tempfile::tempdir().unwrap();
    let kept = out.path().join("a");
    assert_eq!(reused(&["build", "-v", "-o", kept.to_str().unwrap(), "./cmd/a"]), 0, "an executable the user keeps is linked");
    assert!(has_hooks(&kept));

    app.write(
        "cmd/a/missing.go",
        "package main\n\nimport _ \"unsafe\"\n\n//go:linkname missing example.com/nowhere.missing\nfunc missing()\n\nfunc init() { missing() }\n",
    );
    let failed = app.autotel_go_unchecked(&["build", "-v", "-o", "/dev/null", "./cmd/a"]);
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(!failed.status.success() && !stderr.contains(REUSED), "the edited program's link ran and failed:\n{stderr}");
    assert!(stderr.contains("example.com/nowhere.missing"), "the linker's own message:\n{stderr}");
}
