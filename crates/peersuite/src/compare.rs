//! The comparison of a plain run with an autotel run of the same suite: every package that built
//! plain must build under autotel, every test that ran plain must run under autotel with the same
//! outcome, no test may appear only under autotel, and a package's result must not change when
//! none of its tests explains it (a leak checker in `TestMain`, a crash between tests). Pure.

use crate::events::{PackageOutcome, Run, TestOutcome};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// How many lines of output a difference carries.
pub const EXCERPT_LINES: usize = 12;

/// One way the autotel run differs from the plain one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Difference {
    /// Built plain, not under autotel; `tests_lost` tests ran plain in it.
    PackageNotBuilt { package: String, plain: PackageOutcome, autotel: Option<PackageOutcome>, tests_lost: usize, output: Vec<String> },
    /// Did not build plain but built under autotel (the two runs did not build the same thing).
    PackageOnlyBuiltByAutotel { package: String, plain: PackageOutcome, autotel: PackageOutcome },
    /// Built on both sides, ended differently, and no test difference explains it.
    PackageOutcome { package: String, plain: PackageOutcome, autotel: PackageOutcome, output: Vec<String> },
    TestOutcome { package: String, test: String, plain: TestOutcome, autotel: TestOutcome, output: Vec<String> },
    /// Ran plain, did not run under autotel although their package built (typically: the test
    /// binary crashed, so every test after the crash is missing). One difference per package.
    TestsMissing { package: String, tests: Vec<String> },
    /// Ran only under autotel.
    TestExtra { package: String, test: String, autotel: TestOutcome },
}

impl Difference {
    /// One line for the report.
    pub fn summary(&self) -> String {
        match self {
            Difference::PackageNotBuilt { package, plain, autotel, tests_lost, .. } => {
                let autotel = autotel.map_or("absent".to_string(), |o| format!("{o:?}"));
                format!("{package}: built plain ({plain:?}), not under autotel ({autotel}); {tests_lost} tests did not run")
            }
            Difference::PackageOnlyBuiltByAutotel { package, plain, autotel } => {
                format!("{package}: not built plain ({plain:?}) but built under autotel ({autotel:?})")
            }
            Difference::PackageOutcome { package, plain, autotel, .. } => format!("{package}: package {plain:?} plain, {autotel:?} under autotel"),
            Difference::TestOutcome { package, test, plain, autotel, .. } => format!("{package} {test}: {plain:?} plain, {autotel:?} under autotel"),
            Difference::TestsMissing { package, tests } => {
                let first = tests.iter().take(5).map(String::as_str).collect::<Vec<_>>().join(", ");
                let more = if tests.len() > 5 { ", …" } else { "" };
                format!("{package}: {} tests ran plain but not under autotel ({first}{more})", tests.len())
            }
            Difference::TestExtra { package, test, autotel } => format!("{package} {test}: did not run plain, {autotel:?} under autotel"),
        }
    }

    /// The package the difference is about.
    pub fn package(&self) -> &str {
        match self {
            Difference::PackageNotBuilt { package, .. }
            | Difference::PackageOnlyBuiltByAutotel { package, .. }
            | Difference::PackageOutcome { package, .. }
            | Difference::TestOutcome { package, .. }
            | Difference::TestsMissing { package, .. }
            | Difference::TestExtra { package, .. } => package,
        }
    }

    /// The autotel side's output that explains the difference (first lines).
    pub fn output(&self) -> &[String] {
        match self {
            Difference::PackageNotBuilt { output, .. } | Difference::PackageOutcome { output, .. } | Difference::TestOutcome { output, .. } => output,
            _ => &[],
        }
    }
}

/// All differences of `autotel` against `plain`, packages first, in import-path order.
pub fn compare(plain: &Run, autotel: &Run) -> Vec<Difference> {
    let mut differences = Vec::new();
    let mut not_built = BTreeSet::new();
    for (package, p) in &plain.packages {
        let a = autotel.packages.get(package);
        let a_outcome = a.map(|a| a.outcome);
        if p.outcome.built() && !a_outcome.is_some_and(PackageOutcome::built) {
            not_built.insert(package.clone());
            let tests_lost = plain.tests.keys().filter(|(pk, _)| pk == package).count();
            let output = a.map(|a| excerpt(&a.output)).unwrap_or_default();
            differences.push(Difference::PackageNotBuilt { package: package.clone(), plain: p.outcome, autotel: a_outcome, tests_lost, output });
        } else if let Some(a_outcome) = a_outcome.filter(|a| !p.outcome.built() && a.built()) {
            differences.push(Difference::PackageOnlyBuiltByAutotel { package: package.clone(), plain: p.outcome, autotel: a_outcome });
        }
    }
    let mut tests = Vec::new();
    let mut missing: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for ((package, test), p) in &plain.tests {
        if not_built.contains(package) {
            continue;
        }
        match autotel.tests.get(&(package.clone(), test.clone())) {
            None => missing.entry(package).or_default().push(test.clone()),
            Some(a) if a.outcome != p.outcome => tests.push(Difference::TestOutcome {
                package: package.clone(),
                test: test.clone(),
                plain: p.outcome,
                autotel: a.outcome,
                output: excerpt(&a.output),
            }),
            Some(_) => {}
        }
    }
    tests.extend(missing.into_iter().map(|(package, tests)| Difference::TestsMissing { package: package.to_string(), tests }));
    for ((package, test), a) in &autotel.tests {
        if !plain.tests.contains_key(&(package.clone(), test.clone())) {
            tests.push(Difference::TestExtra { package: package.clone(), test: test.clone(), autotel: a.outcome });
        }
    }
    let explained: BTreeSet<&str> = tests.iter().map(Difference::package).collect();
    for (package, p) in &plain.packages {
        let Some(a) = autotel.packages.get(package) else { continue };
        if p.outcome.built() && a.outcome.built() && p.outcome != a.outcome && !explained.contains(package.as_str()) {
            differences.push(Difference::PackageOutcome { package: package.clone(), plain: p.outcome, autotel: a.outcome, output: excerpt(&a.output) });
        }
    }
    differences.extend(tests);
    differences
}

/// The first lines that say something: `=== RUN`/`PAUSE`/`CONT` markers left out.
fn excerpt(lines: &[String]) -> Vec<String> {
    lines.iter().filter(|l| !l.starts_with("=== ")).take(EXCERPT_LINES).cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::parse;

    /// Compares two event streams and renders each difference as its summary plus its output.
    fn check(plain: &str, autotel: &str, expected: &[&str]) {
        let actual: Vec<String> = compare(&parse(plain), &parse(autotel))
            .iter()
            .map(|d| if d.output().is_empty() { d.summary() } else { format!("{} | {}", d.summary(), d.output().join(" / ")) })
            .collect();
        assert_eq!(actual, expected);
    }

    const PASSING: &str = r##"{"Action":"run","Package":"p","Test":"TestA"}
{"Action":"pass","Package":"p","Test":"TestA"}
{"Action":"run","Package":"p","Test":"TestA/sub"}
{"Action":"pass","Package":"p","Test":"TestA/sub"}
{"Action":"run","Package":"p","Test":"TestB"}
{"Action":"skip","Package":"p","Test":"TestB"}
{"Action":"pass","Package":"p"}
"##;

    #[test]
    fn identical_runs_have_no_difference() {
        check(PASSING, PASSING, &[]);
    }

    #[test]
    fn a_link_failure_is_one_difference_not_one_per_test() {
        let autotel = r##"{"ImportPath":"p [p.test]","Action":"build-output","Output":"# p [p.test]\n"}
{"ImportPath":"p [p.test]","Action":"build-output","Output":"link: fingerprint mismatch\n"}
{"Action":"output","Package":"p","Output":"FAIL\tp [build failed]\n"}
{"Action":"fail","Package":"p","FailedBuild":"p [p.test]"}
"##;
        check(
            PASSING,
            autotel,
            &["p: built plain (Passed), not under autotel (BuildFailed); 3 tests did not run | # p [p.test] / link: fingerprint mismatch / FAIL\tp [build failed]"],
        );
    }

    #[test]
    fn test_outcome_missing_and_extra_tests() {
        let autotel = r##"{"Action":"run","Package":"p","Test":"TestA"}
{"Action":"output","Package":"p","Test":"TestA","Output":"=== RUN   TestA\n"}
{"Action":"output","Package":"p","Test":"TestA","Output":"    a_test.go:3: DATA RACE\n"}
{"Action":"fail","Package":"p","Test":"TestA"}
{"Action":"run","Package":"p","Test":"TestC"}
{"Action":"pass","Package":"p","Test":"TestC"}
{"Action":"fail","Package":"p"}
"##;
        check(
            PASSING,
            autotel,
            &[
                "p TestA: Passed plain, Failed under autotel |     a_test.go:3: DATA RACE",
                "p: 2 tests ran plain but not under autotel (TestA/sub, TestB)",
                "p TestC: did not run plain, Passed under autotel",
            ],
        );
    }

    #[test]
    fn a_package_failing_after_its_tests_is_a_difference() {
        let autotel = PASSING.replace(
            r##"{"Action":"pass","Package":"p"}"##,
            r##"{"Action":"output","Package":"p","Output":"goleak: Errors on successful test run: found unexpected goroutines:\n"}
{"Action":"fail","Package":"p"}"##,
        );
        check(PASSING, &autotel, &["p: package Passed plain, Failed under autotel | goleak: Errors on successful test run: found unexpected goroutines:"]);
    }

    #[test]
    fn a_package_missing_or_only_built_by_autotel() {
        let plain = r##"{"Action":"pass","Package":"p"}
{"Action":"output","Package":"q","Output":"FAIL\tq [setup failed]\n"}
{"Action":"fail","Package":"q"}
"##;
        let autotel = r##"{"Action":"pass","Package":"q"}
"##;
        check(
            plain,
            autotel,
            &["p: built plain (Passed), not under autotel (absent); 0 tests did not run", "q: not built plain (SetupFailed) but built under autotel (Passed)"],
        );
    }
}
