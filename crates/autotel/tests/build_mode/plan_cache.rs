//! The plan is reused while nothing it depends on changed, and made again when something did:
//! one test per part of the key (crates/build/src/plan_cache.rs). Each checks the program, not
//! just the message: with a stale plan, the newly reachable library would be compiled plain.
//! (The go line of go.mod is covered by `language::a_module_keeps_the_language_version_of_its_go_line`.)

use crate::support::*;
use std::path::{Path, PathBuf};
use std::process::Output;

/// A module with a library (`lib`) that a user rule instruments, a main package that does not
/// import it yet, and a local replacement (`dep-a`) with a package that `dep-b`, the other
/// candidate, extends with an instrumented subpackage.
const MODULE: &str = r#"
//- go.mod
module example.com/pc

go 1.23

require example.com/dep v0.0.0

replace example.com/dep => ./dep-a
//- main.go
package main

import (
	"fmt"

	"example.com/dep"
)

func main() { fmt.Println("plain", dep.Value()) }
//- lib/lib.go
package lib

func Answer() int { return 42 }
//- hooks/hooks.go
// Package hooks holds the hooks of rules.yaml.
package hooks

import "unsafe"

func answerEnter() (unsafe.Pointer, bool) { return nil, false }

func extraEnter() (unsafe.Pointer, bool) { return nil, false }
//- rules.yaml
instrumentation: pc
hooks: example.com/pc/hooks
rules:
  - target: example.com/pc/lib
    function: {name: Answer, enter: answerEnter}
  - target: example.com/dep/extra
    function: {name: Answer, enter: extraEnter}
//- dep-a/go.mod
module example.com/dep

go 1.23
//- dep-a/dep.go
package dep

func Value() int { return 1 }
//- dep-a/extra/extra.go
package extra

func Answer() int { return 2 }
//- dep-b/go.mod
module example.com/dep

go 1.23
//- dep-b/dep.go
package dep

import "example.com/dep/extra"

func Value() int { return extra.Answer() }
//- dep-b/extra/extra.go
package extra

func Answer() int { return 3 }
"#;

const LIB_HOOK: &str = "example.com/pc/hooks.answerEnter";
const EXTRA_HOOK: &str = "example.com/pc/hooks.extraEnter";

/// Whether a build made its plan or reused one.
#[derive(Debug, PartialEq)]
enum Planned {
    Made,
    Reused,
}

struct Build {
    app: App,
    out: tempfile::TempDir,
}

impl Build {
    fn new() -> Build {
        Build { app: App::fixture(MODULE), out: tempfile::tempdir().unwrap() }
    }

    fn binary(&self) -> PathBuf {
        self.out.path().join("pc")
    }

    /// `autotel go --rules rules.yaml build -v [flags] -o BINARY .` with `env`, run with `autotel`.
    fn build_with(&self, autotel: &Path, flags: &[&str], env: &[(&str, &str)]) -> Planned {
        let binary = self.binary();
        let mut command = std::process::Command::new(autotel);
        command.args(["go", "--rules", "rules.yaml", "build", "-v"]).args(flags).arg("-o").arg(&binary).arg(".");
        command.current_dir(self.app.path()).envs(env.iter().copied()).env_remove("AUTOTEL_VERBOSE");
        let output: Output = command.output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{stderr}");
        match (stderr.contains("autotel: plan reused"), stderr.contains("autotel: planning the build")) {
            (true, false) => Planned::Reused,
            (false, true) => Planned::Made,
            _ => panic!("the build says neither that it planned nor that it reused a plan:\n{stderr}"),
        }
    }

    fn build(&self, flags: &[&str]) -> Planned {
        self.build_with(Path::new(env!("CARGO_BIN_EXE_autotel")), flags, &[])
    }

    fn has(&self, symbol: &str) -> bool {
        defines(&self.binary(), symbol)
    }
}

#[test]
fn an_added_import_gets_its_library_instrumented() {
    let b = Build::new();
    assert_eq!(b.build(&[]), Planned::Made);
    assert!(!b.has(LIB_HOOK));
    b.app.edit("main.go", "\"plain\"", "\"edited body\"");
    assert_eq!(b.build(&[]), Planned::Reused, "an edit below the imports keeps the plan");
    b.app.edit("main.go", "\"example.com/dep\"\n", "\"example.com/dep\"\n\t\"example.com/pc/lib\"\n");
    b.app.edit("main.go", "dep.Value())", "dep.Value(), lib.Answer())");
    assert_eq!(b.build(&[]), Planned::Made);
    assert!(b.has(LIB_HOOK), "lib, newly imported, is instrumented");
    assert_eq!(b.build(&[]), Planned::Reused);
}

#[test]
fn a_new_file_importing_a_library_gets_it_instrumented() {
    let b = Build::new();
    assert_eq!(b.build(&[]), Planned::Made);
    b.app.write("answer.go", "package main\n\nimport \"example.com/pc/lib\"\n\nvar answer = lib.Answer()\n\nfunc init() { println(answer) }\n");
    assert_eq!(b.build(&[]), Planned::Made);
    assert!(b.has(LIB_HOOK));
}

#[test]
fn a_go_mod_change_replans() {
    let b = Build::new();
    assert_eq!(b.build(&[]), Planned::Made);
    assert!(!b.has(EXTRA_HOOK), "dep-a has no extra package in the program");
    b.app.edit("go.mod", "=> ./dep-a", "=> ./dep-b");
    assert_eq!(b.build(&[]), Planned::Made);
    assert!(b.has(EXTRA_HOOK), "dep-b's dep imports extra, which is instrumented");
}

#[test]
fn an_import_added_in_a_local_replacement_replans() {
    let b = Build::new();
    assert_eq!(b.build(&[]), Planned::Made);
    b.app.write("dep-a/dep.go", "package dep\n\nimport \"example.com/dep/extra\"\n\nfunc Value() int { return extra.Answer() }\n");
    assert_eq!(b.build(&[]), Planned::Made);
    assert!(b.has(EXTRA_HOOK));
}

#[test]
fn a_new_build_tag_replans() {
    let b = Build::new();
    b.app.write("tagged.go", "//go:build extra\n\npackage main\n\nimport \"example.com/pc/lib\"\n\nfunc init() { println(lib.Answer()) }\n");
    assert_eq!(b.build(&[]), Planned::Made);
    assert!(!b.has(LIB_HOOK));
    assert_eq!(b.build(&["-tags=extra"]), Planned::Made);
    assert!(b.has(LIB_HOOK), "-tags=extra brings lib in");
    let autotel = Path::new(env!("CARGO_BIN_EXE_autotel"));
    assert_eq!(b.build_with(autotel, &[], &[("GOFLAGS", "-tags=extra")]), Planned::Made);
    assert!(b.has(LIB_HOOK), "GOFLAGS=-tags=extra too");
    assert_eq!(b.build(&[]), Planned::Reused, "back to the untagged build's plan");
    assert!(!b.has(LIB_HOOK));
}

#[test]
fn a_changed_user_rule_replans() {
    let b = Build::new();
    b.app.write("other/other.go", "package other\n\nfunc Answer() int { return 4 }\n");
    b.app.edit("main.go", "\"example.com/dep\"\n", "\"example.com/dep\"\n\t\"example.com/pc/other\"\n");
    b.app.edit("main.go", "dep.Value())", "dep.Value(), other.Answer())");
    b.app.edit("hooks/hooks.go", "func extraEnter", "func otherEnter() (unsafe.Pointer, bool) { return nil, false }\n\nfunc extraEnter");
    assert_eq!(b.build(&[]), Planned::Made);
    let other_hook = "example.com/pc/hooks.otherEnter";
    assert!(!b.has(other_hook));
    let rules = std::fs::read_to_string(b.app.path().join("rules.yaml")).unwrap();
    b.app.write("rules.yaml", &format!("{rules}  - target: example.com/pc/other\n    function: {{name: Answer, enter: otherEnter}}\n"));
    assert_eq!(b.build(&[]), Planned::Made);
    assert!(b.has(other_hook), "the new rule's target is instrumented");
}

#[test]
fn a_new_autotel_replans() {
    let b = Build::new();
    assert_eq!(b.build(&[]), Planned::Made);
    assert_eq!(b.build(&[]), Planned::Reused);
    // Another autotel executable (a new release, or a rebuild) never takes this one's plans.
    let other = tempfile::tempdir().unwrap();
    let copy = other.path().join("autotel");
    std::fs::copy(env!("CARGO_BIN_EXE_autotel"), &copy).unwrap();
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(60);
    std::fs::File::options().append(true).open(&copy).unwrap().set_modified(later).unwrap();
    assert_eq!(b.build_with(&copy, &[], &[]), Planned::Made);
}

/// A real CPU profile, from `go test -cpuprofile` of a small loop, for a `default.pgo`.
fn cpu_profile() -> Vec<u8> {
    let module = App::fixture(
        "//- go.mod\nmodule example.com/spin\n\ngo 1.23\n//- spin_test.go\npackage spin\n\nimport (\n\t\"strings\"\n\t\"testing\"\n)\n\n\
         func TestSpin(t *testing.T) {\n\tn := 0\n\tfor i := 0; i < 2000000; i++ {\n\t\tn += len(strings.Repeat(\"a\", i%7))\n\t}\n\t_ = n\n}\n",
    );
    let profile = module.path().join("cpu.pgo");
    let output = module.go(&["test", "-count=1", "-cpuprofile", profile.to_str().unwrap(), "."]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    std::fs::read(profile).unwrap()
}

/// A main package with a `default.pgo` has every package of its program compiled with the
/// profile, so it imports its hook packages for the go command to build likewise instead of
/// pinning the plan's (the link refused the mix: "fingerprint mismatch"). A profile that appears
/// after a plan was made is part of the plan's inputs.
#[test]
fn a_default_profile_replans_and_the_profiled_program_links_its_hooks() {
    let b = Build::new();
    b.app.edit("main.go", "\"example.com/dep\"\n", "\"example.com/dep\"\n\t\"example.com/pc/lib\"\n");
    b.app.edit("main.go", "dep.Value())", "dep.Value(), lib.Answer())");
    assert_eq!(b.build(&[]), Planned::Made);
    assert!(b.has(LIB_HOOK));
    std::fs::write(b.app.path().join("default.pgo"), cpu_profile()).unwrap();
    assert_eq!(b.build(&[]), Planned::Made, "a default.pgo appeared");
    assert!(b.has(LIB_HOOK));
    let run = std::process::Command::new(b.binary()).env("OTEL_SDK_DISABLED", "true").output().unwrap();
    assert_eq!(String::from_utf8_lossy(&run.stdout), "plain 1 42\n");
    assert_eq!(b.build(&["-pgo=off"]), Planned::Made);
    assert!(b.has(LIB_HOOK), "the profile turned off: the hooks pinned");
}
