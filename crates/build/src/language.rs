//! The Go language version of the main module's packages.
//!
//! The go command compiles a module's packages with `-lang=go1.N` from that module's `go` line.
//! The alternate go.mod requires the hook runtime, whose `go` line (1.23) is newer than that of
//! many modules, so the go command raises the main module's line in the instrumented build, and
//! the user's own code would be compiled with newer language semantics (a module at `go 1.20`
//! would get Go 1.22's per-iteration loop variables). The plan hands the user's original line to
//! the go command as `-gcflags=MODULE/...=-lang=go1.N` ([`MainLanguage::gcflags`]), which the go
//! command hashes into the action IDs of those packages alone. Where that flag cannot carry it
//! (the user gives `-gcflags` of their own, or a nested module shares the main module's path),
//! the plan hands the line to the toolexec proxy instead ([`MAIN_MODULE_ENV`]), which puts it
//! back on the compiles of the main module's packages, and the line becomes part of the
//! build-cache fingerprint, so archives compiled for one line are never reused for another
//! (and the instrumented standard library is compiled once more for that module). The go line
//! also decides a program's default GODEBUG settings (`ServeMux` patterns, `panic(nil)`, TLS
//! defaults); those the alternate file keeps with a `godebug default=` line ([`godebug_default`]).
//!
//! It owns the parsing of `module`/`go` from the user's go.mod and the `-lang` rewrite; it does
//! no I/O. A nested module inside the main module's path whose compile has the same raised
//! `-lang` would be rewritten too; such layouts are rare and are not distinguished.

use crate::tool_argv::CompileArgv;

/// The environment variable naming the main module and its language version: `PATH go1.N`.
pub const MAIN_MODULE_ENV: &str = "AUTOTEL_MAIN_MODULE";

/// The main module's path and the `-lang` value its go line means (`go1.20` for `go 1.20.3`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MainLanguage {
    pub module: String,
    pub lang: String,
}

/// The go line the go command assumes for a go.mod without one (`gover.DefaultGoModVersion`).
const UNSTATED_GO_LINE: &str = "1.16";

/// The minor version of a go line's language (`23` for `1.23.4` or `1.23rc1`).
fn language_minor(go_line: &str) -> Option<u32> {
    let mut parts = go_line.split('.');
    let (major, minor) = (parts.next()?, parts.next()?);
    let minor: String = minor.chars().take_while(char::is_ascii_digit).collect();
    if major == "1" { minor.parse().ok() } else { None }
}

impl MainLanguage {
    /// From the text of the user's go.mod; `None` without a `module` line or with a go line
    /// of another major version. Without a go line the go command assumes go 1.16.
    pub fn from_gomod(text: &str) -> Option<MainLanguage> {
        let directive = |name: &str| {
            text.lines().find_map(|l| {
                let l = l.split("//").next().unwrap_or_default().trim();
                l.strip_prefix(name).filter(|rest| rest.starts_with([' ', '\t'])).map(|rest| rest.trim().trim_matches('"').to_string())
            })
        };
        let module = directive("module")?;
        let minor = language_minor(&directive("go").unwrap_or_else(|| UNSTATED_GO_LINE.to_string()))?;
        Some(MainLanguage { module, lang: format!("go1.{minor}") })
    }

    /// Whether the go command will compile the main module with a newer `-lang` than the user's:
    /// it raises the main module's go line to the newest one among `go_lines`, those of the
    /// modules in the build (the hook runtime's among them). Only then does the proxy restore
    /// anything, and only then must the build-cache fingerprint name the language.
    pub fn is_raised_by<'a>(&self, go_lines: impl IntoIterator<Item = &'a str>) -> bool {
        let ours = self.lang.strip_prefix("go1.").and_then(|m| m.parse::<u32>().ok());
        go_lines.into_iter().filter_map(language_minor).any(|theirs| ours.is_none_or(|ours| theirs > ours))
    }

    /// The value of [`MAIN_MODULE_ENV`].
    pub fn to_env(&self) -> String {
        format!("{} {}", self.module, self.lang)
    }

    pub fn from_env(value: &str) -> Option<MainLanguage> {
        let (module, lang) = value.split_once(' ')?;
        Some(MainLanguage { module: module.to_string(), lang: lang.to_string() })
    }

    /// Whether `import_path` (without its ` [p.test]` suffix) is a package of the main module.
    /// Generated test mains (`p.test`) are not: the go command writes them for its own version.
    fn contains(&self, import_path: &str) -> bool {
        !import_path.ends_with(".test")
            && (import_path == self.module || import_path.strip_prefix(&self.module).is_some_and(|r| r.starts_with('/')))
    }

    /// The `-gcflags` argument that hands the user's `-lang` to the main module's compiles
    /// through the go command itself. Its pattern `MODULE/...` matches the module's packages,
    /// their test variants and test mains (the go command compiles a test main with its
    /// package's flags and language, as a plain `go test` does); the go command puts it after its
    /// own `-lang`, so it wins, and hashes it into those packages' action IDs only, so the
    /// fingerprint need not name the language and the instrumented standard library and
    /// dependencies stay shared with every other module.
    pub fn gcflags(&self) -> String {
        format!("-gcflags={}/...=-lang={}", self.module, self.lang)
    }

    /// Whether `packages` (the build's, with their modules) include one of another module under
    /// the main module's path, which `MODULE/...` would give the main module's language too.
    pub fn has_nested_module<'a>(&self, packages: impl IntoIterator<Item = (&'a str, &'a str)>) -> bool {
        packages.into_iter().any(|(import_path, module)| module != self.module && self.contains(import_path))
    }

    /// Puts the user's `-lang` back on a compile of a package of the main module; whether the
    /// argv changed (not for another module's package, nor when it has that language already).
    pub fn restore(&self, import_path: &str, compile: &mut CompileArgv) -> bool {
        self.contains(import_path) && compile.set_lang(&self.lang)
    }
}

/// The `godebug default=go1.N` line an alternate go.mod or go.work needs when the build raises
/// the go line of `user_text` (the user's file), whose language is `lang`: the go command takes a
/// program's default GODEBUG settings from the main module's (or the workspace's) go line, so a
/// `go 1.20` module would otherwise run with Go 1.23's. `None` when the user's file names a
/// default itself (theirs stays, and wins as it does in a plain build).
pub fn godebug_default(user_text: &str, lang: &str) -> Option<String> {
    let names_default = crate::modfile::directive_entries(user_text, "godebug")
        .iter()
        .any(|entry| entry.split('=').next().is_some_and(|key| key.trim() == "default"));
    (!names_default).then(|| format!("godebug default={lang}\n"))
}

/// The `-lang` value of a go line (`go1.21` for `1.21.3`).
pub fn language_of(go_line: &str) -> Option<String> {
    language_minor(go_line).map(|minor| format!("go1.{minor}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tool_argv::Invocation;
    use std::ffi::OsString;
    use std::path::Path;

    fn lang(gomod: &str) -> Option<(String, String)> {
        MainLanguage::from_gomod(gomod).map(|m| (m.module, m.lang))
    }

    #[test]
    fn reads_module_and_go_lines() {
        let m = |p: &str, l: &str| Some((p.to_string(), l.to_string()));
        assert_eq!(lang("module example.com/a\n\ngo 1.20\n"), m("example.com/a", "go1.20"));
        assert_eq!(lang("module \"example.com/a\" // quoted\ngo 1.21.3\ntoolchain go1.26.1\n"), m("example.com/a", "go1.21"));
        assert_eq!(lang("// go 1.10 in a comment\nmodule x\ngo 1.22rc1\n"), m("x", "go1.22"));
        assert_eq!(lang("module x\n"), m("x", "go1.16"), "no go line: the go command assumes go 1.16");
        assert_eq!(lang("module x\ngo 2.0\n"), None);
        assert_eq!(lang("godebug default=go1.20\nmodule x\ngo 1.19\n"), m("x", "go1.19"), "godebug is not the go line");
    }

    #[test]
    fn restores_the_users_lang_on_main_module_packages_only() {
        let main = MainLanguage { module: "example.com/a".into(), lang: "go1.20".into() };
        let compile = |line: &str| match Invocation::parse(Path::new("compile"), line.split(' ').map(OsString::from).collect()) {
            Invocation::Compile(c) => c,
            other => panic!("{other:?}"),
        };
        let restored = |package: &str, line: &str| {
            let mut c = compile(line);
            main.restore(package, &mut c).then(|| c.lang().map(str::to_owned))
        };
        let line = "-o x.a -p example.com/a/b -lang=go1.23 -complete b.go";
        assert_eq!(restored("example.com/a/b", line), Some(Some("go1.20".into())), "a package of the main module");
        assert!(restored("example.com/a", line).is_some(), "the module's root package");
        assert_eq!(restored("example.com/ab", line), None, "another module with a common prefix");
        assert_eq!(restored("github.com/x/y", line), None);
        assert_eq!(restored("example.com/a/b.test", line), None, "a generated test main");
        assert_eq!(restored("example.com/a/b", "-lang=go1.20 b.go"), None);
        assert_eq!(restored("example.com/a/b", "-p example.com/a/b b.go"), None, "no -lang: nothing to restore");
    }

    #[test]
    fn the_gcflags_pattern_covers_the_main_module_and_spots_nested_modules() {
        let main = MainLanguage { module: "example.com/a".into(), lang: "go1.20".into() };
        assert_eq!(main.gcflags(), "-gcflags=example.com/a/...=-lang=go1.20");
        let (a, b) = (("example.com/a/b", "example.com/a"), ("example.com/ab", "example.com/ab"));
        assert!(!main.has_nested_module([a, b, ("fmt", "")]), "other modules with a common prefix are not nested");
        assert!(main.has_nested_module([a, ("example.com/a/tools/x", "example.com/a/tools")]));
    }

    #[test]
    fn is_raised_only_by_a_newer_go_line() {
        let main = MainLanguage { module: "example.com/a".into(), lang: "go1.22".into() };
        assert!(main.is_raised_by(["1.21", "1.23.0"]));
        assert!(main.is_raised_by(["1.23rc1"]));
        assert!(!main.is_raised_by(["1.22.9", "1.20"]), "patch releases share a language");
        assert!(!main.is_raised_by([]));
        assert!(!main.is_raised_by(["2.0", "junk"]));
    }

    #[test]
    fn godebug_default_keeps_the_users_own() {
        assert_eq!(godebug_default("module x\ngo 1.20\n", "go1.20").as_deref(), Some("godebug default=go1.20\n"));
        assert_eq!(godebug_default("module x\ngodebug panicnil=1\n", "go1.16").as_deref(), Some("godebug default=go1.16\n"));
        assert_eq!(godebug_default("module x\ngodebug default=go1.21\n", "go1.20"), None);
        assert_eq!(godebug_default("module x\ngodebug (\n\tpanicnil=1\n\tdefault = go1.19 // old\n)\n", "go1.20"), None);
        assert_eq!(language_of("1.21.3").as_deref(), Some("go1.21"));
    }

    #[test]
    fn round_trips_through_the_environment() {
        let main = MainLanguage { module: "example.com/a".into(), lang: "go1.20".into() };
        assert_eq!(MainLanguage::from_env(&main.to_env()), Some(main));
    }
}
