//! The user's go line decides the language of their own packages, as with plain `go build`,
//! although the hook runtime (go 1.23) raises the go line of the alternate go.mod.

use crate::support::App;

fn run(app: &App, autotel: bool) -> String {
    let args = ["run", "."];
    let output = if autotel { app.autotel_go(&args) } else { app.go(&args) };
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

#[test]
fn a_module_keeps_the_language_version_of_its_go_line() {
    let app = App::copy("old-go-line");
    assert_eq!(run(&app, false), "333", "go 1.20 semantics: one loop variable");
    assert_eq!(run(&app, true), "333", "autotel go must compile the module with its own go line");

    // The go line is part of the cache key: raising it changes the program under autotel too.
    let gomod = app.path().join("go.mod");
    std::fs::write(&gomod, std::fs::read_to_string(&gomod).unwrap().replace("go 1.20", "go 1.22")).unwrap();
    assert_eq!(run(&app, false), "012");
    assert_eq!(run(&app, true), "012", "an archive compiled for go 1.20 was reused for go 1.22");
}
