//! The user's go line decides the language of their own packages and the program's default
//! GODEBUG settings, as with plain `go build`, although the hook runtime (go 1.23) raises the go
//! line of the alternate go.mod.

use crate::support::App;

fn run(app: &App, autotel: bool) -> String {
    run_with(app, autotel, &[])
}

fn run_with(app: &App, autotel: bool, flags: &[&str]) -> String {
    let args: Vec<&str> = ["run"].iter().chain(flags).chain(["."].iter()).copied().collect();
    let output = if autotel { app.autotel_go(&args) } else { app.go(&args) };
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}


#[test]
fn a_module_keeps_the_language_version_and_godebug_defaults_of_its_go_line() {
    let app = App::copy("old-go-line");
    let go_1_20 = "333 mux=404 panic(nil)=<nil>";
    assert_eq!(run(&app, false), go_1_20, "go 1.20: one loop variable, the old ServeMux patterns, panicnil=1");
    assert_eq!(run(&app, true), go_1_20, "autotel go must compile and link the module as its go line says");
    // With -gcflags of the user's own, autotel cannot hand the language over in -gcflags
    // (language.rs): the toolexec proxy puts it back.
    assert_eq!(run_with(&app, true, &["-gcflags=-e"]), go_1_20, "with the user's -gcflags");

    // The go line is part of the cache key: raising it changes the program under autotel too.
    let gomod = app.path().join("go.mod");
    std::fs::write(&gomod, std::fs::read_to_string(&gomod).unwrap().replace("go 1.20", "go 1.22")).unwrap();
    let go_1_22 = "012 mux=200 panic(nil)=*runtime.PanicNilError";
    assert_eq!(run(&app, false), go_1_22);
    assert_eq!(run(&app, true), go_1_22, "an archive compiled for go 1.20 was reused for go 1.22");
}
