//! Goroutine-local context under the race detector: `testdata/apps/gls-race`'s test, run with
//! `autotel go test -race -count=N`, serves every request on a new goroutine that spawns
//! another, so the runtime keeps recycling g structures (and the slot autotel adds to them)
//! for unrelated goroutines. Any slot access the race detector cannot order fails the run.

use crate::support::*;

const RUNS: usize = 20;

#[test]
fn recycled_goroutines_are_race_free_under_autotel_go_test_race() {
    let app = App::copy("gls-race");
    let receiver = receiver();
    let mut test = autotel();
    test.args(["go", "test", "-race", "-v", &format!("-count={RUNS}"), "."]).current_dir(app.path());
    otel_env(&mut test, &receiver, "gls-race");
    let out = test.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stdout.contains("DATA RACE"), "the race detector reported a race:\n{stdout}");
    assert!(out.status.success(), "autotel go test -race failed:\n{stdout}\n{stderr}");
    let propagated: Vec<&str> = stdout.lines().filter(|l| l.starts_with("leaf requests with a traceparent:")).collect();
    assert_eq!(
        propagated,
        vec!["leaf requests with a traceparent: 160 of 160"; RUNS],
        "every run instrumented, every spawned request a child through goroutine-local context:\n{stdout}"
    );
}
