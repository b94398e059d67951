//! Which of a package's matched rules apply to the source about to be compiled.
//!
//! Version ranges say what was tested; the source says what is there. Before a compile is
//! rewritten, every matched rule's facts (its `requires`, and what its action needs: the hooked
//! function, the extended struct) are checked against the files of that compile
//! (`rewrite::PackageFacts`). Rules are kept or dropped by unit: a rule's `group` (all of it or
//! none of it, so a half-applied goroutine-local context is never compiled), and among units
//! naming the same `one_of`, the first whose facts hold (the others are alternatives for other
//! layouts and stay silent). What is dropped is reported once per instrumentation and package;
//! the package is compiled without it and the program runs uninstrumented for it.
//!
//! Dropping a unit never leaves a dangling symbol: trampolines are only emitted for applied
//! hooks, and the setters added files pull from hook packages have bodies there, so a hook
//! package whose registrations never run links and works with what it got.

use crate::constraint;
use crate::state::RuleRef;
use rewrite::PackageFacts;
use rules::{Action, Catalogue, FileId, Rule};
use std::collections::BTreeMap;

/// The outcome for one compile.
#[derive(Debug, Default, PartialEq)]
pub struct Selection {
    /// The rules to apply, in the order given.
    pub applied: Vec<RuleRef>,
    /// One line per instrumentation with dropped rules, saying what the package lacks.
    pub warnings: Vec<String>,
}

/// One all-or-nothing set of rules of one rule file.
struct Unit<'c> {
    file: FileId,
    group: Option<&'c str>,
    refs: Vec<RuleRef>,
    one_of: Option<&'c str>,
    missing: Vec<String>,
}

/// Chooses among `refs` (rules matched for `import_path`) by the facts of `sources`, the Go files
/// of the compile. A file rule whose `//go:build` line excludes this build (`build_tags`) is left
/// out silently first: what it would read is absent on purpose.
pub fn select<'s>(
    catalogue: &Catalogue,
    refs: &[RuleRef],
    import_path: &str,
    sources: impl IntoIterator<Item = &'s str>,
    build_tags: &[String],
) -> Result<Selection, String> {
    let facts = PackageFacts::collect(sources);
    let mut units: Vec<Unit> = Vec::new();
    for &r in refs {
        let file = FileId::from(r.file);
        let rule: &Rule = catalogue.file(file).rules.get(r.rule).ok_or("the build state names a rule that does not exist")?;
        if let Action::AddFile(added) = &rule.action {
            if constraint::file_matches(&added.contents, build_tags) == Ok(false) {
                continue;
            }
        }
        let missing = facts.missing_for(rule);
        let group = rule.group.as_deref();
        let existing = group.and_then(|g| units.iter().position(|u| u.file == file && u.group == Some(g)));
        match existing {
            Some(i) => {
                let unit = &mut units[i];
                unit.refs.push(r);
                unit.one_of = unit.one_of.or(rule.one_of.as_deref());
                unit.missing.extend(missing);
            }
            None => units.push(Unit { file, group, refs: vec![r], one_of: rule.one_of.as_deref(), missing }),
        }
    }

    // A unit is kept when its facts hold, unless an earlier alternative of its choice was kept.
    // A choice is reported only when none of its alternatives holds.
    let mut chosen: BTreeMap<(FileId, &str), bool> = BTreeMap::new();
    let mut keep = vec![false; units.len()];
    for (i, unit) in units.iter().enumerate() {
        let holds = unit.missing.is_empty();
        match unit.one_of {
            Some(choice) => {
                let done = chosen.entry((unit.file, choice)).or_insert(false);
                keep[i] = holds && !*done;
                *done |= holds;
            }
            None => keep[i] = holds,
        }
    }
    let mut dropped: BTreeMap<FileId, (usize, usize, Vec<String>)> = BTreeMap::new();
    for (i, unit) in units.iter().enumerate() {
        let entry = dropped.entry(unit.file).or_default();
        entry.1 += unit.refs.len();
        let silent = unit.one_of.is_some_and(|c| chosen[&(unit.file, c)]);
        if !keep[i] && !silent {
            entry.0 += unit.refs.len();
            for m in &unit.missing {
                if !entry.2.contains(m) {
                    entry.2.push(m.clone());
                }
            }
        }
    }
    let applied = refs.iter().copied().filter(|r| units.iter().zip(&keep).any(|(u, k)| *k && u.refs.contains(r))).collect();
    let mut selection = Selection { applied, warnings: Vec::new() };
    for (file, (skipped, total, missing)) in dropped.into_iter().filter(|(_, (skipped, ..))| *skipped > 0) {
        let instrumentation = &catalogue.file(file).instrumentation;
        let what = if skipped == total {
            format!("`{instrumentation}`")
        } else {
            format!("{skipped} of its {total} `{instrumentation}` rules")
        };
        selection.warnings.push(format!(
            "{import_path} is built without {what}: it lacks {}; the program runs without that instrumentation",
            missing.join(", ")
        ));
    }
    Ok(selection)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    /// A catalogue with one user rule file and the refs of all its rules.
    fn catalogue(rules: &str) -> (Catalogue, Vec<RuleRef>, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("add.go"), "package lib\n").unwrap();
        std::fs::write(dir.path().join("tagged.go"), "//go:build !omitit\n\npackage lib\n").unwrap();
        let path: PathBuf = dir.path().join("r.yaml");
        std::fs::write(&path, format!("instrumentation: lib\nhooks: example.com/hooks\nrules:\n{rules}")).unwrap();
        let catalogue = Catalogue::with_user_files(&[path]).unwrap();
        let count = catalogue.file(FileId::User(0)).rules.len();
        let refs = (0..count).map(|rule| RuleRef { file: FileId::User(0).into(), rule }).collect();
        (catalogue, refs, dir)
    }

    const LIB: &str = "package lib\ntype T struct { a int }\nfunc (t *T) Do(x int) error { return nil }\nfunc helper() {}\n";

    fn rule_indexes(selection: &Selection) -> Vec<usize> {
        selection.applied.iter().map(|r| r.rule).collect()
    }

    #[test]
    fn a_group_applies_whole_or_not_at_all() {
        let (catalogue, refs, _dir) = catalogue(
            "  - {target: lib, group: g, struct_field: {type: T, name: x, field_type: int}}\n\
             \x20 - {target: lib, group: g, file: add.go, requires: {fields: [T.a]}}\n\
             \x20 - {target: lib, group: g, raw: {function: gone, code: \"_ = 1\"}}\n\
             \x20 - {target: lib, function: {receiver: T, name: Do, enter: e}, requires: {functions: [\"(T).Do(x int) error\"]}}\n",
        );
        let s = select(&catalogue, &refs, "example.com/lib", [LIB], &[]).unwrap();
        assert_eq!(rule_indexes(&s), [3]);
        assert_eq!(
            s.warnings,
            ["example.com/lib is built without 3 of its 4 `lib` rules: it lacks function gone; the program runs without that instrumentation"]
        );
        let fixed = LIB.replace("func helper", "func gone() {}\nfunc helper");
        let s = select(&catalogue, &refs, "example.com/lib", [fixed.as_str()], &[]).unwrap();
        assert_eq!((rule_indexes(&s), s.warnings), (vec![0, 1, 2, 3], vec![]));
    }

    #[test]
    fn the_first_alternative_that_holds_is_chosen_silently() {
        let (catalogue, refs, _dir) = catalogue(
            "  - {target: lib, one_of: layout, file: add.go, requires: {types: [Old]}}\n\
             \x20 - {target: lib, one_of: layout, file: add.go, requires: {types: [T]}}\n\
             \x20 - {target: lib, one_of: layout, file: add.go, requires: {fields: [T.a]}}\n",
        );
        let s = select(&catalogue, &refs, "lib", [LIB], &[]).unwrap();
        assert_eq!((rule_indexes(&s), s.warnings), (vec![1], vec![]));
        let s = select(&catalogue, &refs, "lib", ["package lib\n"], &[]).unwrap();
        assert_eq!(rule_indexes(&s), Vec::<usize>::new());
        assert_eq!(
            s.warnings,
            ["lib is built without `lib`: it lacks type Old, type T, field T.a; the program runs without that instrumentation"]
        );
    }

    #[test]
    fn a_file_its_build_constraint_excludes_is_no_loss() {
        let (catalogue, refs, _dir) = catalogue("  - {target: lib, file: tagged.go, requires: {types: [Gone]}}\n");
        let s = select(&catalogue, &refs, "lib", [LIB], &["omitit".to_string()]).unwrap();
        assert_eq!((rule_indexes(&s), s.warnings), (vec![], vec![]));
        let s = select(&catalogue, &refs, "lib", [LIB], &[]).unwrap();
        assert_eq!(s.warnings.len(), 1, "{:?}", s.warnings);
    }

    #[test]
    fn a_changed_signature_drops_the_hook() {
        let (catalogue, refs, _dir) = catalogue(
            "  - {target: lib, function: {receiver: T, name: Do, enter: e}, requires: {functions: [\"(T).Do(x int) error\"]}}\n",
        );
        let changed = LIB.replace("Do(x int) error", "Do(x int, y string) error");
        let s = select(&catalogue, &refs, "lib", [changed.as_str()], &[]).unwrap();
        assert!(s.applied.is_empty());
        assert_eq!(
            s.warnings,
            ["lib is built without `lib`: it lacks (T).Do(x int) error (it is (T).Do(x int, y string) error); the program runs without that instrumentation"]
        );
    }
}
