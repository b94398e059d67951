//! Parsing of the `go test -json` event stream (`go doc test2json`) into one `Run`: per package
//! its outcome (built or not, passed, failed, no test files) and per test (subtests included) its
//! final action, each with the output that explains it. Pure: no I/O.
//!
//! Build failures arrive as `build-output`/`build-fail` events keyed by `ImportPath`
//! (`pkg [pkg.test]`), then as the package's `fail` event whose `FailedBuild` names that import
//! path; a package whose setup failed (`go list` errors) fails with `FAIL pkg [setup failed]`.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How one package ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PackageOutcome {
    Passed,
    Failed,
    NoTestFiles,
    BuildFailed,
    SetupFailed,
    /// Started but never ended (the go command was killed or crashed).
    Unfinished,
}

impl PackageOutcome {
    /// Whether the package's test binary was built (its tests could run).
    pub fn built(self) -> bool {
        !matches!(self, PackageOutcome::BuildFailed | PackageOutcome::SetupFailed)
    }
}

/// How one test (or subtest) ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TestOutcome {
    Passed,
    Failed,
    Skipped,
    /// Ran but never ended: the binary panicked, timed out or exited in the middle.
    Unfinished,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Package {
    pub outcome: PackageOutcome,
    /// The package's own output (not a test's) and, for a build failure, the build's output.
    pub output: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Test {
    pub outcome: TestOutcome,
    pub output: Vec<String>,
}

/// Everything one `go test -json` run reported.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Run {
    pub packages: BTreeMap<String, Package>,
    /// Keyed by (package import path, test name with `/` between subtests).
    pub tests: BTreeMap<(String, String), Test>,
    /// Lines of stdout that were not JSON events (kept to explain a broken run).
    pub stray: Vec<String>,
}

/// Counts for the report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub packages: usize,
    pub packages_built: usize,
    pub tests_run: usize,
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    pub unfinished: usize,
}

impl Run {
    pub fn counts(&self) -> Counts {
        let mut counts = Counts {
            packages: self.packages.len(),
            packages_built: self.packages.values().filter(|p| p.outcome.built()).count(),
            tests_run: self.tests.len(),
            ..Counts::default()
        };
        for test in self.tests.values() {
            match test.outcome {
                TestOutcome::Passed => counts.passed += 1,
                TestOutcome::Failed => counts.failed += 1,
                TestOutcome::Skipped => counts.skipped += 1,
                TestOutcome::Unfinished => counts.unfinished += 1,
            }
        }
        counts
    }
}

/// One line of `go test -json` (the fields the harness reads).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Event {
    action: String,
    #[serde(default)]
    package: Option<String>,
    #[serde(default)]
    import_path: Option<String>,
    #[serde(default)]
    test: Option<String>,
    #[serde(default)]
    output: Option<String>,
    #[serde(default)]
    failed_build: Option<String>,
}

/// Parses a whole `go test -json` stdout.
pub fn parse(stdout: &str) -> Run {
    let mut run = Run::default();
    let mut build_output: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in stdout.lines().filter(|l| !l.trim().is_empty()) {
        let Ok(event) = serde_json::from_str::<Event>(line) else {
            run.stray.push(line.to_string());
            continue;
        };
        let text = event.output.as_deref().map(|o| o.trim_end_matches('\n').to_string());
        if event.action == "build-output" || event.action == "build-fail" {
            if let (Some(path), Some(text)) = (event.import_path, text) {
                build_output.entry(path).or_default().push(text);
            }
            continue;
        }
        let Some(package) = event.package else { continue };
        match event.test {
            Some(name) => test_event(&mut run, package, name, &event.action, text),
            None => {
                let entry = run.packages.entry(package).or_insert(Package { outcome: PackageOutcome::Unfinished, output: Vec::new() });
                package_event(entry, &event.action, text, event.failed_build.and_then(|b| build_output.remove(&b)));
            }
        }
    }
    run
}

fn test_event(run: &mut Run, package: String, name: String, action: &str, text: Option<String>) {
    let test = run.tests.entry((package, name)).or_insert(Test { outcome: TestOutcome::Unfinished, output: Vec::new() });
    match action {
        "pass" => test.outcome = TestOutcome::Passed,
        "fail" => test.outcome = TestOutcome::Failed,
        "skip" => test.outcome = TestOutcome::Skipped,
        "output" => test.output.extend(text),
        _ => {}
    }
}

fn package_event(package: &mut Package, action: &str, text: Option<String>, build_output: Option<Vec<String>>) {
    match action {
        "output" => package.output.extend(text),
        "pass" => package.outcome = PackageOutcome::Passed,
        "skip" => package.outcome = PackageOutcome::NoTestFiles,
        "fail" => {
            package.outcome = if let Some(lines) = build_output {
                package.output.splice(0..0, lines);
                PackageOutcome::BuildFailed
            } else if package.output.iter().any(|l| l.ends_with("[setup failed]")) {
                PackageOutcome::SetupFailed
            } else if package.output.iter().any(|l| l.ends_with("[build failed]")) {
                PackageOutcome::BuildFailed
            } else {
                PackageOutcome::Failed
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses `stream` and renders the run one line per package/test, so cases read as text.
    fn check(stream: &str, expected: &[&str]) {
        let run = parse(stream);
        let mut actual: Vec<String> = run.packages.iter().map(|(p, pk)| format!("pkg {p} {:?} {:?}", pk.outcome, pk.output)).collect();
        actual.extend(run.tests.iter().map(|((p, t), tt)| format!("test {p} {t} {:?} {:?}", tt.outcome, tt.output)));
        actual.extend(run.stray.iter().map(|s| format!("stray {s}")));
        assert_eq!(actual, expected);
    }

    #[test]
    fn passing_failing_and_skipped_tests_with_subtests() {
        check(
            r##"{"Action":"start","Package":"m/a"}
{"Action":"run","Package":"m/a","Test":"TestOk"}
{"Action":"output","Package":"m/a","Test":"TestOk","Output":"=== RUN   TestOk\n"}
{"Action":"pass","Package":"m/a","Test":"TestOk","Elapsed":0}
{"Action":"run","Package":"m/a","Test":"TestSub"}
{"Action":"run","Package":"m/a","Test":"TestSub/case_1"}
{"Action":"output","Package":"m/a","Test":"TestSub/case_1","Output":"    x_test.go:9: boom\n"}
{"Action":"fail","Package":"m/a","Test":"TestSub/case_1","Elapsed":0}
{"Action":"fail","Package":"m/a","Test":"TestSub","Elapsed":0}
{"Action":"run","Package":"m/a","Test":"TestSkip"}
{"Action":"skip","Package":"m/a","Test":"TestSkip","Elapsed":0}
{"Action":"output","Package":"m/a","Output":"FAIL\n"}
{"Action":"fail","Package":"m/a","Elapsed":0.1}
"##,
            &[
                r##"pkg m/a Failed ["FAIL"]"##,
                r##"test m/a TestOk Passed ["=== RUN   TestOk"]"##,
                r##"test m/a TestSkip Skipped []"##,
                r##"test m/a TestSub Failed []"##,
                r##"test m/a TestSub/case_1 Failed ["    x_test.go:9: boom"]"##,
            ],
        );
    }

    #[test]
    fn build_failure_carries_the_build_output() {
        check(
            r##"{"ImportPath":"m/b [m/b.test]","Action":"build-output","Output":"# m/b [m/b.test]\n"}
{"ImportPath":"m/b [m/b.test]","Action":"build-output","Output":"link: fingerprint mismatch\n"}
{"ImportPath":"m/b [m/b.test]","Action":"build-fail"}
{"Action":"start","Package":"m/b"}
{"Action":"output","Package":"m/b","Output":"FAIL\tm/b [build failed]\n"}
{"Action":"fail","Package":"m/b","Elapsed":0,"FailedBuild":"m/b [m/b.test]"}
"##,
            &[r##"pkg m/b BuildFailed ["# m/b [m/b.test]", "link: fingerprint mismatch", "FAIL\tm/b [build failed]"]"##],
        );
    }

    #[test]
    fn setup_failure_no_test_files_and_unfinished() {
        check(
            r##"{"Action":"start","Package":"m/c"}
{"Action":"output","Package":"m/c","Output":"FAIL\tm/c [setup failed]\n"}
{"Action":"fail","Package":"m/c","Elapsed":0}
{"Action":"start","Package":"m/d"}
{"Action":"output","Package":"m/d","Output":"?   \tm/d\t[no test files]\n"}
{"Action":"skip","Package":"m/d","Elapsed":0}
{"Action":"start","Package":"m/e"}
{"Action":"run","Package":"m/e","Test":"TestHang"}
not json at all
"##,
            &[
                r##"pkg m/c SetupFailed ["FAIL\tm/c [setup failed]"]"##,
                r##"pkg m/d NoTestFiles ["?   \tm/d\t[no test files]"]"##,
                r##"pkg m/e Unfinished []"##,
                r##"test m/e TestHang Unfinished []"##,
                "stray not json at all",
            ],
        );
    }

    #[test]
    fn counts_cover_every_outcome() {
        let run = parse(
            r##"{"Action":"run","Package":"p","Test":"A"}
{"Action":"pass","Package":"p","Test":"A"}
{"Action":"run","Package":"p","Test":"B"}
{"Action":"fail","Package":"p","Test":"B"}
{"Action":"run","Package":"p","Test":"C"}
{"Action":"skip","Package":"p","Test":"C"}
{"Action":"run","Package":"p","Test":"D"}
{"Action":"fail","Package":"p"}
{"Action":"output","Package":"q","Output":"FAIL\tq [build failed]\n"}
{"Action":"fail","Package":"q"}
"##,
        );
        let expected = Counts { packages: 2, packages_built: 1, tests_run: 4, passed: 1, failed: 1, skipped: 1, unfinished: 1 };
        assert_eq!(run.counts(), expected);
    }
}
