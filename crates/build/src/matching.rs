//! Rule matching: which rules apply to which packages of the build graph.
//!
//! A rule applies to a package when its target is the package's import path and both version
//! ranges admit the package (the Go release for the standard library, the module version
//! otherwise). A rule whose target is present at an unsupported version is reported, and the
//! package is built without it. The ranges say what was tested: past them, a rule that declares
//! the facts it needs is still matched (the compile checks them, `rule_facts.rs`), with a note.

use crate::golist::Package;
use crate::programs::without_variant;
use crate::state::RuleRef;
use rules::{Applicability, Catalogue, Target, Version};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Default, PartialEq)]
pub struct Matched {
    /// Rules by target import path.
    pub packages: BTreeMap<String, Vec<RuleRef>>,
    /// Rules for every main package.
    pub main_rules: Vec<RuleRef>,
    /// Hooks packages of the rule files with at least one applied rule.
    pub hook_packages: BTreeSet<String>,
    /// The hooks packages of the applied rules, by target (`main` for the rules of every main
    /// package): a program that contains the target must link them.
    pub hooks_by_target: BTreeMap<String, BTreeSet<String>>,
    /// Instrumentations with at least one applied rule, by name.
    pub instrumentations: BTreeSet<String>,
    /// One line per target present at a version no rule supports.
    pub unsupported: Vec<String>,
    /// One line per target whose rules are matched past their tested ranges (for `-v`).
    pub untested: Vec<String>,
}

pub fn match_rules(catalogue: &Catalogue, packages: &[Package], go_version: &Version) -> Matched {
    let mut matched = Matched::default();
    let consider = |key: &str, package: Option<&Package>, matched: &mut Matched| {
        let module_version = package
            .filter(|p| !p.standard)
            .and_then(|p| p.module.as_ref())
            .and_then(|m| m.effective_version())
            .and_then(|v| Version::parse(v).ok());
        let target = Target::parse(key);
        for id in catalogue.files_targeting(key) {
            let file = catalogue.file(id);
            let mut refused = Vec::new();
            let mut untested = Vec::new();
            let mut chosen = BTreeSet::new();
            let mut tested_choices = BTreeSet::new();
            for (index, rule) in file.rules.iter().enumerate().filter(|(_, r)| r.target == target) {
                let applicability = rule.applies(go_version, module_version.as_ref());
                if applicability == Applicability::Untested {
                    untested.push(rule);
                }
                if applicability == Applicability::Tested {
                    tested_choices.extend(rule.one_of.as_deref());
                }
                if applicability != Applicability::Refused {
                    chosen.extend(rule.one_of.as_deref());
                    let r = RuleRef { file: id.into(), rule: index };
                    match &target {
                        Target::MainPackages => matched.main_rules.push(r),
                        Target::Package(path) => matched.packages.entry(path.clone()).or_default().push(r),
                    }
                    matched.hook_packages.insert(file.hooks.clone());
                    matched.hooks_by_target.entry(key.to_string()).or_default().insert(file.hooks.clone());
                    matched.instrumentations.insert(file.instrumentation.clone());
                } else {
                    refused.push(rule);
                }
            }
            let what = |rule: &rules::Rule| match &module_version {
                Some(v) => (format!("{key} v{v}"), rule.version.clone()),
                None => (format!("{key} with Go {go_version}"), rule.go.clone()),
            };
            // An alternative for another release is no loss when one of its choice matched.
            refused.retain(|rule| rule.one_of.as_deref().is_none_or(|choice| !chosen.contains(choice)));
            untested.retain(|rule| rule.one_of.as_deref().is_none_or(|choice| !tested_choices.contains(choice)));
            if let Some(rule) = refused.first() {
                let (what, range) = what(rule);
                matched.unsupported.push(format!(
                    "{what} is outside the range {range} that `{}` supports; it is built without that instrumentation",
                    file.instrumentation
                ));
            }
            if let Some(rule) = untested.first() {
                let (what, range) = what(rule);
                matched.untested.push(format!(
                    "{what} is outside the range {range} that `{}` was tested with; its rules apply where the source has what they need",
                    file.instrumentation
                ));
            }
        }
    };
    consider("main", None, &mut matched);
    // A package can be listed as variants too: `pkg [pkg.test]` (compiled with its tests) and,
    // when a main package has a default.pgo and the listing has other roots, `pkg [main]`, which
    // may then be its only entry. A variant is the same package to the rules.
    let mut considered = BTreeSet::new();
    for package in packages {
        let key = without_variant(&package.import_path);
        if considered.insert(key) {
            consider(key, Some(package), &mut matched);
        }
    }
    for lines in [&mut matched.unsupported, &mut matched.untested] {
        lines.sort();
        lines.dedup();
    }
    matched
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::golist::Module;

    fn package(path: &str, standard: bool, version: &str) -> Package {
        Package {
            import_path: path.into(),
            standard,
            module: (!standard).then(|| Module { path: path.into(), version: version.into(), ..Module::default() }),
            ..Package::default()
        }
    }

    #[test]
    fn a_package_listed_only_as_a_variant_matches_as_itself() {
        let catalogue = Catalogue::embedded();
        let packages = [package("net/http [example.com/app]", true, ""), package("net/http [example.com/app.test]", true, "")];
        let m = match_rules(&catalogue, &packages, &Version::parse("go1.26.8").unwrap());
        let plain = match_rules(&catalogue, &[package("net/http", true, "")], &Version::parse("go1.26.8").unwrap());
        assert!(m.packages.contains_key("net/http"));
        assert_eq!(m, plain, "each package once, as if listed plainly");
    }

    #[test]
    fn std_targets_match_by_go_version() {
        let catalogue = Catalogue::embedded();
        let packages = [package("net/http", true, ""), package("example.com/app", false, "")];
        let m = match_rules(&catalogue, &packages, &Version::parse("go1.26.8").unwrap());
        assert!(m.packages.contains_key("net/http"));
        assert!(!m.packages.contains_key("example.com/app"));
        assert!(!m.main_rules.is_empty());
        assert!(m.hook_packages.contains("autotel.dev/go/hooks/nethttp"));
        assert!(m.hooks_by_target["net/http"].contains("autotel.dev/go/hooks/nethttp"));
        assert!(m.hooks_by_target["main"].contains("autotel.dev/go/sdk"));
        assert!(m.unsupported.is_empty(), "{:?}", m.unsupported);

        // Go 1.27 moved HTTP/2 into net/http/internal/http2: its layout's alternative matches and
        // the h2_bundle one, refused by its range, is no loss.
        let mut with_h2 = packages.to_vec();
        with_h2.push(package("net/http/internal/http2", true, ""));
        let go127 = match_rules(&catalogue, &with_h2, &Version::parse("go1.27.4").unwrap());
        assert!(go127.packages.contains_key("net/http/internal/http2"));
        assert_eq!((go127.unsupported.clone(), go127.untested.clone()), (vec![], vec![]));
        // Past every tested range, rules with facts are matched with a note.
        let future = match_rules(&catalogue, &with_h2, &Version::parse("go1.28rc1").unwrap());
        assert!(future.packages["net/http"].len() >= 6, "{:?}", future.packages);
        assert!(future.untested.iter().any(|u| u.starts_with("net/http with Go 1.28.0-rc1 is outside the range")), "{:?}", future.untested);

        let old = match_rules(&catalogue, &packages, &Version::parse("go1.21.0").unwrap());
        assert!(!old.packages.contains_key("net/http"));
        assert!(old.unsupported.iter().any(|u| u.starts_with("net/http with Go 1.21.0 is outside the range")), "{:?}", old.unsupported);
    }
}
