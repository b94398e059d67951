//! Every embedded rule file that declares `noescape: true` keeps its promise: the Go compiler's
//! escape analysis (`go build -gcflags=-m`) of its hooks package finds no enter or exit hook
//! that keeps a pointer it is given (`leaking param: p`, or `p` flowing to a result at level 0).
//! What such a pointer points to may leak (`leaking param content`, `level=1`): the rewritten
//! function makes its variables' values escape anyway (crates/rewrite, `hook_call`). An exit
//! hook's first parameter is the state its enter hook returned, a heap value it may keep.

use rules::{Action, Catalogue};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn go_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../go").canonicalize().unwrap()
}

/// The directory of a package of the runtime and the module directory holding it.
fn package_dirs(import_path: &str) -> (PathBuf, PathBuf) {
    let dir = go_root().join(import_path.strip_prefix("autotel.dev/go/").expect("a package of the runtime"));
    let module = dir.ancestors().find(|d| d.join("go.mod").exists()).expect("a module holds the package").to_path_buf();
    (dir, module)
}

/// `leaking param` diagnostics of one package: (file, line, parameter, rest of the message).
fn leaks(module: &Path, import_path: &str) -> Vec<(PathBuf, usize, String, String)> {
    let output = Command::new("go")
        .args(["build", "-gcflags=-m", import_path])
        .current_dir(&module)
        .output()
        .expect("run the machine's go");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "go build -gcflags=-m {import_path} failed:\n{stderr}");
    stderr
        .lines()
        .filter_map(|line| {
            let (position, message) = line.split_once(": leaking param: ")?;
            let mut parts = position.rsplitn(3, ':');
            let (_column, line_no, file) = (parts.next()?, parts.next()?, parts.next()?);
            let (param, rest) = message.split_once(' ').unwrap_or((message, ""));
            Some((module.join(file), line_no.parse().ok()?, param.to_string(), rest.to_string()))
        })
        .collect()
}

/// The lines of `func name(`'s signature (1-based, inclusive) and its first parameter's name.
fn signature(dir: &Path, name: &str) -> (PathBuf, usize, usize, String) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        let file_name = path.file_name().unwrap().to_string_lossy().to_string();
        if !file_name.ends_with(".go") || file_name.ends_with("_test.go") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let prefix = format!("func {name}(");
        if let Some(start) = lines.iter().position(|l| l.starts_with(&prefix)) {
            let end = (start..lines.len()).find(|&i| lines[i].trim_end().ends_with('{')).expect("a body");
            let first = lines[start][prefix.len()..].split([' ', ',', ')']).next().unwrap_or_default().to_string();
            return (path, start + 1, end + 1, first);
        }
    }
    panic!("no func {name} in {}", dir.display());
}

#[test]
fn noescape_hooks_keep_no_pointer_they_are_given() {
    let catalogue = Catalogue::embedded();
    let mut by_package: HashMap<String, Vec<(String, bool)>> = HashMap::new();
    for id in catalogue.all_files() {
        let file = catalogue.file(id);
        if !file.noescape {
            continue;
        }
        for rule in &file.rules {
            if let Action::Function(f) = &rule.action {
                let hooks = by_package.entry(file.hooks.clone()).or_default();
                hooks.push((f.enter.clone(), false));
                hooks.extend(f.exit.iter().map(|e| (e.clone(), true)));
            }
        }
    }
    assert!(by_package.contains_key("autotel.dev/go/hooks/nethttp"), "the net/http hooks are noescape");
    let mut failures = Vec::new();
    for (package, hooks) in &by_package {
        let (dir, module) = package_dirs(package);
        let leaks = leaks(&module, package);
        for (hook, is_exit) in hooks {
            let (file, start, end, first) = signature(&dir, hook);
            for (_, _, param, rest) in leaks.iter().filter(|(f, l, _, _)| *f == file && (start..=end).contains(l)) {
                let keeps_pointer = rest.is_empty() || rest.contains("level=0");
                if keeps_pointer && !(*is_exit && *param == first) {
                    failures.push(format!("{package}.{hook}: leaking param: {param} {rest}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "hooks of noescape rule files keep a pointer they are given:\n{}", failures.join("\n"));
}

/// The check can fail: a hook that keeps its parameter's address is reported.
#[test]
fn a_hook_keeping_its_parameter_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("go.mod"), "module example.com/keeps\n\ngo 1.23\n").unwrap();
    std::fs::write(dir.path().join("k.go"), "package keeps\n\nvar kept *int\n\nfunc keepEnter(n *int) (*int, bool) {\n\tkept = n\n\treturn nil, false\n}\n").unwrap();
    let leaks = leaks(dir.path(), ".");
    let (file, start, end, first) = signature(dir.path(), "keepEnter");
    assert_eq!((start, end, first.as_str()), (5, 5, "n"));
    assert!(leaks.iter().any(|(f, l, p, rest)| *f == file && *l == 5 && p == "n" && rest.is_empty()), "{leaks:?}");
}
