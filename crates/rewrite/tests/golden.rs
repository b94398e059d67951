//! Golden rewrite fixtures that must also compile and run.
//!
//! Each directory under `tests/golden/` is one case:
//! - `weave.txt`: what to weave, one item a line:
//!   `hook RECV|- NAME ENTER [EXIT]` (hook names in package `hooks`), `raw RECV|- NAME CODE…`,
//!   `field TYPE NAME FIELD_TYPE`, `call RECV|- NAME CALLEE REPLACEMENT`, `noescape` (every hook's trampolines are `//go:noescape`, as
//!   for a rule file with `noescape: true`);
//! - `input.go` (package `target`), rewritten and compared with `expected.go`;
//! - `hooks.go` (package `hooks`) and `main.go` (package `main`): with the rewritten target they
//!   form a Go module that is run with the machine's `go`; its output must equal `expected.out`.
//!
//! `UPDATE_EXPECT=1 cargo test -p autotel-rewrite --test golden` rewrites `expected.go` and
//! `expected.out` from what the code does now; review the diff before committing it.

use rewrite::{rewrite_file, Applied, Hook, Weave};
use rules::{CallSite, FunctionRef, RawCode, StructField};
use std::path::{Path, PathBuf};
use std::process::Command;

const MODULE: &str = "example.com/golden";

fn function_ref(receiver: &str, name: &str) -> FunctionRef {
    FunctionRef { receiver: (receiver != "-").then(|| receiver.to_string()), name: name.to_string() }
}

fn parse_weave(text: &str) -> Weave {
    let mut weave = Weave::default();
    let mut noescape = false;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let words: Vec<&str> = line.split_whitespace().collect();
        let symbol = |name: &str| format!("{MODULE}/hooks.{name}");
        match words[0] {
            "hook" => weave.hooks.push(Hook {
                function: function_ref(words[1], words[2]),
                enter_symbol: symbol(words[3]),
                exit_symbol: words.get(4).map(|e| symbol(e)),
                noescape: false,
            }),
            "noescape" => noescape = true,
            "raw" => weave.raw.push(RawCode {
                function: function_ref(words[1], words[2]),
                code: words[3..].join(" "),
            }),
            "field" => weave.fields.push(StructField {
                type_name: words[1].into(),
                field: words[2].into(),
                field_type: words[3].into(),
            }),
            "call" => weave.calls.push(CallSite {
                function: function_ref(words[1], words[2]),
                callee: words[3].into(),
                replacement: words[4].into(),
            }),
            other => panic!("weave.txt: unknown item `{other}`"),
        }
    }
    weave.hooks.iter_mut().for_each(|h| h.noescape = noescape);
    weave
}

fn check_or_update(path: &Path, actual: &str) {
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(path).unwrap_or_default();
    if expected != actual {
        panic!(
            "{} differs (UPDATE_EXPECT=1 to accept)\n--- expected\n{expected}\n--- actual\n{actual}\n",
            path.display()
        );
    }
}

fn run_case(case: &Path) {
    let read = |name: &str| std::fs::read_to_string(case.join(name)).unwrap_or_else(|e| panic!("{}: {e}", case.join(name).display()));
    let weave = parse_weave(&read("weave.txt"));
    let module = tempfile::tempdir().unwrap();
    let target_dir = module.path().join("target");
    std::fs::create_dir_all(&target_dir).unwrap();
    // The compiler must report the original file: the one the rewrite was asked to name.
    let original = target_dir.join("input.go");
    let mut applied = Applied::new(&weave);
    let rewritten = rewrite_file(original.to_str().unwrap(), &read("input.go"), &weave, &mut 0, &mut applied)
        .unwrap()
        .expect("the weave matches something in input.go");
    assert!(applied.hooks.iter().chain(&applied.raw).chain(&applied.fields).chain(&applied.calls).all(|&a| a), "every item applies: {applied:?}");
    let shown = rewritten.text.replace(original.to_str().unwrap(), "input.go");
    check_or_update(&case.join("expected.go"), &shown);

    std::fs::write(target_dir.join("rewritten.go"), &rewritten.text).unwrap();
    if rewritten.has_bodyless_functions {
        // Without an assembly file the go command passes -complete, which forbids body-less functions.
        std::fs::write(target_dir.join("empty.s"), "").unwrap();
    }
    std::fs::create_dir_all(module.path().join("hooks")).unwrap();
    std::fs::write(module.path().join("hooks/hooks.go"), read("hooks.go")).unwrap();
    std::fs::write(module.path().join("main.go"), read("main.go")).unwrap();
    std::fs::write(module.path().join("go.mod"), format!("module {MODULE}\n\ngo 1.23\n")).unwrap();
    let output = Command::new("go")
        .args(["run", "."])
        .current_dir(module.path())
        .env("GOFLAGS", "-mod=mod")
        .output()
        .expect("run the machine's go");
    let stdout = String::from_utf8_lossy(&output.stdout).replace(module.path().to_str().unwrap(), "$MODULE");
    let stderr = String::from_utf8_lossy(&output.stderr).replace(module.path().to_str().unwrap(), "$MODULE");
    let actual = format!("{stdout}{}", if output.status.success() { String::new() } else { format!("exit: {}\n{stderr}", output.status) });
    check_or_update(&case.join("expected.out"), &actual);
}

#[test]
fn golden_cases() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()).collect();
    cases.sort();
    assert!(cases.len() >= 5, "golden cases are present");
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            std::panic::catch_unwind(|| run_case(case)).err().map(|e| {
                let message = e.downcast_ref::<String>().cloned().or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()));
                format!("{}: {}", case.file_name().unwrap().to_string_lossy(), message.unwrap_or_default())
            })
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn files_without_targets_are_left_alone() {
    let weave = parse_weave("hook - Missing enter\n");
    let mut applied = Applied::new(&weave);
    let result = rewrite_file("a.go", "package a\n\nfunc Other() {}\n", &weave, &mut 0, &mut applied).unwrap();
    assert_eq!(result, None);
    assert_eq!(applied.hooks, vec![false]);
}

#[test]
fn generic_functions_are_refused_with_a_reason() {
    let weave = parse_weave("hook - Map enter\n");
    let mut applied = Applied::new(&weave);
    let err = rewrite_file("a.go", "package a\n\nfunc Map[T any](x T) T { return x }\n", &weave, &mut 0, &mut applied).unwrap_err();
    assert_eq!(err.to_string(), "a.go: Map: generic functions cannot be hooked");
}
