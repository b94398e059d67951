//! Re-checks a suite's differences before they count: a test whose outcome depends on timing
//! (a 50 ms shutdown deadline, a 200 ms budget for a `-race` TLS handshake) can fail once on a
//! loaded machine under either command. Each package with a difference is run again on both
//! sides (only the differing tests when the difference is about tests, the whole package when it
//! is about the package or about tests that never ran), and a difference stands only if the two
//! sides never agree: for every test (or package) it names, no outcome seen under `go` is also
//! seen under `autotel go`, over the first run and the re-runs. "Did not run" is an outcome too,
//! so a crash that autotel causes every time still stands. Pure: the runner runs the commands.

use crate::compare::Difference;
use crate::events::{Run, TestOutcome};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How many times a package with differences is run again on each side, at most.
pub const RERUNS: usize = 2;

/// One `go test` of one package to run again on both sides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rerun {
    pub package: String,
    /// The top-level tests to select with `-run` (their subtests run with them); `None` runs the
    /// whole package.
    pub tests: Option<Vec<String>>,
}

impl Rerun {
    /// The `-run` argument selecting exactly these tests, if any.
    pub fn run_flag(&self) -> Option<String> {
        let tests = self.tests.as_ref()?;
        Some(format!("-run=^({})$", tests.iter().map(|t| regex_quote(t)).collect::<Vec<_>>().join("|")))
    }
}

/// A first-run difference that the re-runs did not reproduce, with what each side did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotReproduced {
    pub difference: Difference,
    /// Per run (the first, then the re-runs): the outcome of what the difference names.
    pub plain: Vec<String>,
    pub autotel: Vec<String>,
}

/// The re-runs that decide `differences`, one per package, in package order.
pub fn plan(differences: &[Difference]) -> Vec<Rerun> {
    let mut packages: BTreeMap<&str, Option<Vec<String>>> = BTreeMap::new();
    for d in differences {
        match d {
            Difference::TestOutcome { package, test, .. } | Difference::TestExtra { package, test, .. } => {
                let entry = packages.entry(package).or_insert_with(|| Some(Vec::new()));
                if let Some(tests) = entry {
                    let top = test.split('/').next().unwrap_or(test).to_string();
                    if !tests.contains(&top) {
                        tests.push(top);
                    }
                }
            }
            other => {
                packages.insert(other.package(), None);
            }
        }
    }
    packages.into_iter().map(|(package, tests)| Rerun { package: package.to_string(), tests }).collect()
}

/// Splits the first run's `differences` into those that stand and those that the runs did not
/// reproduce. `plain` and `autotel` hold each side's runs, the first one first; a run that did
/// not include a difference's package says nothing about it.
pub fn decide(differences: Vec<Difference>, plain: &[Run], autotel: &[Run]) -> (Vec<Difference>, Vec<NotReproduced>) {
    let mut stand = Vec::new();
    let mut not_reproduced = Vec::new();
    for d in differences {
        let items = items(&d);
        let agree = items.iter().all(|item| {
            let p = outcomes(item, plain);
            outcomes(item, autotel).iter().any(|a| p.contains(a))
        });
        if agree {
            let describe = |runs: &[Run]| describe(&items, runs);
            not_reproduced.push(NotReproduced { plain: describe(plain), autotel: describe(autotel), difference: d });
        } else {
            stand.push(d);
        }
    }
    (stand, not_reproduced)
}

/// What a difference is about: a package's outcome, or tests' outcomes.
#[derive(Debug)]
enum Item<'a> {
    Package(&'a str),
    Test(&'a str, &'a str),
}

fn items(d: &Difference) -> Vec<Item<'_>> {
    match d {
        Difference::TestOutcome { package, test, .. } | Difference::TestExtra { package, test, .. } => vec![Item::Test(package, test)],
        Difference::TestsMissing { package, tests } => tests.iter().map(|t| Item::Test(package, t)).collect(),
        other => vec![Item::Package(other.package())],
    }
}

/// An item's outcome in one run: `None` when the run does not include its package.
fn outcome(item: &Item, run: &Run) -> Option<String> {
    match item {
        Item::Package(p) => run.packages.get(*p).map(|pk| format!("{:?}", pk.outcome)),
        Item::Test(p, t) => {
            run.packages.get(*p)?;
            let test = run.tests.get(&(p.to_string(), t.to_string()));
            Some(test.map_or("did not run".to_string(), |t| name(t.outcome).to_string()))
        }
    }
}

fn outcomes(item: &Item, runs: &[Run]) -> Vec<String> {
    runs.iter().filter_map(|r| outcome(item, r)).collect()
}

/// Per run, the outcome of a single item, or for several (tests that went missing) how many of
/// them ran.
fn describe(items: &[Item], runs: &[Run]) -> Vec<String> {
    runs.iter()
        .filter_map(|run| match items {
            [item] => outcome(item, run),
            _ => {
                let seen: Vec<String> = items.iter().filter_map(|i| outcome(i, run)).collect();
                (!seen.is_empty()).then(|| format!("{}/{} ran", seen.iter().filter(|o| *o != "did not run").count(), items.len()))
            }
        })
        .collect()
}

fn name(outcome: TestOutcome) -> &'static str {
    match outcome {
        TestOutcome::Passed => "Passed",
        TestOutcome::Failed => "Failed",
        TestOutcome::Skipped => "Skipped",
        TestOutcome::Unfinished => "Unfinished",
    }
}

/// Escapes the characters a Go regexp treats specially (test names may hold any of them).
fn regex_quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if r"\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::compare;
    use crate::events::parse;

    /// A `go test -json` stream of package `p` where each `(test, action)` ran, then the
    /// package's own end.
    fn stream(tests: &[(&str, &str)], package: &str) -> Run {
        let mut s = String::new();
        for (test, action) in tests {
            s.push_str(&format!("{{\"Action\":\"run\",\"Package\":\"p\",\"Test\":\"{test}\"}}\n"));
            if !action.is_empty() {
                s.push_str(&format!("{{\"Action\":\"{action}\",\"Package\":\"p\",\"Test\":\"{test}\"}}\n"));
            }
        }
        s.push_str(&format!("{{\"Action\":\"{package}\",\"Package\":\"p\"}}\n"));
        parse(&s)
    }

    /// Decides the first pair's differences over all the runs and renders what stands and what
    /// was not reproduced (with each side's outcomes), so cases read as text.
    fn check(plain: &[Run], autotel: &[Run], expected: &[&str]) {
        let (stand, not_reproduced) = decide(compare(&plain[0], &autotel[0]), plain, autotel);
        let mut actual: Vec<String> = stand.iter().map(|d| format!("stands: {}", d.summary())).collect();
        actual.extend(not_reproduced.iter().map(|n| format!("not reproduced: {} [{} | {}]", n.difference.summary(), n.plain.join(" "), n.autotel.join(" "))));
        assert_eq!(actual, expected);
    }

    #[test]
    fn a_timing_failure_that_passes_on_the_rerun_is_not_reproduced() {
        let pass = stream(&[("TestA", "pass"), ("TestA/sub", "pass")], "pass");
        let fail = stream(&[("TestA", "fail"), ("TestA/sub", "fail")], "fail");
        check(
            &[pass.clone(), pass.clone()],
            &[fail, pass],
            &["not reproduced: p TestA: Passed plain, Failed under autotel [Passed Passed | Failed Passed]", "not reproduced: p TestA/sub: Passed plain, Failed under autotel [Passed Passed | Failed Passed]"],
        );
    }

    #[test]
    fn a_failure_plain_also_shows_on_its_rerun_is_not_reproduced() {
        let pass = stream(&[("TestA", "pass")], "pass");
        let fail = stream(&[("TestA", "fail")], "fail");
        check(&[pass, fail.clone()], &[fail.clone(), fail], &["not reproduced: p TestA: Passed plain, Failed under autotel [Passed Failed | Failed Failed]"]);
    }

    #[test]
    fn a_failure_on_every_autotel_run_stands() {
        let pass = stream(&[("TestA", "pass")], "pass");
        let fail = stream(&[("TestA", "fail")], "fail");
        check(&[pass.clone(), pass.clone(), pass], &[fail.clone(), fail.clone(), fail], &["stands: p TestA: Passed plain, Failed under autotel"]);
    }

    #[test]
    fn tests_lost_to_a_crash_stand_unless_a_rerun_runs_them_all() {
        let plain = stream(&[("TestA", "pass"), ("TestB", "pass"), ("TestC", "pass")], "pass");
        let crashed = stream(&[("TestA", "pass"), ("TestB", "")], "fail");
        let half = stream(&[("TestA", "pass"), ("TestB", "pass")], "fail");
        check(
            &[plain.clone(), plain.clone()],
            &[crashed.clone(), half],
            &[
                "stands: p: 1 tests ran plain but not under autotel (TestC)",
                "not reproduced: p TestB: Passed plain, Unfinished under autotel [Passed Passed | Unfinished Passed]",
            ],
        );
        check(
            &[plain.clone(), plain.clone()],
            &[crashed, plain],
            &[
                "not reproduced: p TestB: Passed plain, Unfinished under autotel [Passed Passed | Unfinished Passed]",
                "not reproduced: p: 1 tests ran plain but not under autotel (TestC) [Passed Passed | did not run Passed]",
            ],
        );
    }

    #[test]
    fn a_rerun_without_the_package_says_nothing() {
        let pass = stream(&[("TestA", "pass")], "pass");
        let fail = stream(&[("TestA", "fail")], "fail");
        let other = parse("{\"Action\":\"pass\",\"Package\":\"q\"}\n");
        check(&[pass, other.clone()], &[fail, other], &["stands: p TestA: Passed plain, Failed under autotel"]);
    }

    #[test]
    fn the_plan_selects_top_level_tests_or_the_whole_package() {
        let plain = stream(&[("TestA", "pass"), ("TestA/x.y", "pass"), ("Test(B)", "pass")], "pass");
        let autotel = stream(&[("TestA", "fail"), ("TestA/x.y", "fail"), ("Test(B)", "fail")], "fail");
        let reruns = plan(&compare(&plain, &autotel));
        assert_eq!(reruns, vec![Rerun { package: "p".into(), tests: Some(vec!["Test(B)".into(), "TestA".into()]) }]);
        assert_eq!(reruns[0].run_flag().as_deref(), Some(r"-run=^(Test\(B\)|TestA)$"));

        let crashed = stream(&[("TestA", "")], "fail");
        let reruns = plan(&compare(&plain, &crashed));
        assert_eq!(reruns, vec![Rerun { package: "p".into(), tests: None }]);
        assert_eq!(reruns[0].run_flag(), None);
    }
}
