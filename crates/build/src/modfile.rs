//! Alternate module files: the user's go.mod (or go.work) plus the hook runtime, written into the
//! state directory and handed to the go command with `-modfile` (or `GOWORK`), so the user's own
//! files are never written.
//!
//! In module mode the copy gains `require M v0.0.0` and `replace M => <runtime dir>` for each
//! runtime module the build needs (with the directory of `autotel.dev/go/logvalue` that fits the
//! build's Logs API), `require` lines that raise the runtime's OpenTelemetry modules to the
//! user's release when theirs is newer (`otelalign.rs` decides), and its go.sum is the user's
//! plus the runtime's. Workspace mode refuses `-modfile`; there the copy of go.work gains
//! `use <runtime dir>` lines, its own `use` paths made absolute (they were relative to the
//! original's directory), and `replace M => M vX` lines for the raised OpenTelemetry modules.
//! Where the runtime raises the main module's or the workspace's go line, the copy gains
//! `godebug default=` the user's language, so the program keeps its default GODEBUG settings.

use crate::language::{self, MainLanguage};
use crate::otelalign::Alignment;
use crate::runtime::{self, RuntimeModule};
use rules::Version;
use std::path::{Path, PathBuf};

/// The runtime modules of a build plus the logvalue directory, and the raised otel modules.
fn with_alignment<'m>(
    base: &Path,
    state: &Path,
    modules: &[&'m RuntimeModule],
    all: &'m [RuntimeModule],
) -> std::io::Result<(Vec<&'m RuntimeModule>, Vec<(String, String)>)> {
    let alignment = Alignment::of_build(base, state).map_err(std::io::Error::other)?;
    let mut modules = modules.to_vec();
    modules.push(runtime::logvalue_module(all, alignment.logs_api_takes_attribute_values()));
    let raised = alignment.requirements(&modules);
    Ok((modules, raised))
}

/// The go.sum that goes with a go.mod path: `x.mod` → `x.sum`, as the go command derives it.
pub fn sum_path(modfile: &Path) -> PathBuf {
    let name = modfile.to_string_lossy();
    PathBuf::from(format!("{}.sum", name.strip_suffix(".mod").unwrap_or(&name)))
}

/// Writes `state/go.mod` and `state/go.sum` from `base` (the user's go.mod or -modfile); empty
/// modules standing in for absent replacement directories go to `absent_modules`.
pub fn write_modfile(base: &Path, state: &Path, runtime: &Path, absent_modules: &Path, modules: &[&RuntimeModule]) -> std::io::Result<PathBuf> {
    let all = runtime::modules();
    let (modules, raised) = with_alignment(base, state, modules, &all)?;
    let module_dir = base.parent().unwrap_or(Path::new("."));
    let mut text = stub_absent_replacements(&std::fs::read_to_string(base)?, module_dir, state, absent_modules)?;
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str("\n// Added by autotel for the instrumented build; the original go.mod is unchanged.\n");
    let runtime_go_lines = modules.iter().filter_map(|m| m.go_version.as_deref());
    if let Some(main) = MainLanguage::from_gomod(&text).filter(|main| main.is_raised_by(runtime_go_lines)) {
        text.push_str(&language::godebug_default(&text, &main.lang).unwrap_or_default());
    }
    for m in &modules {
        text.push_str(&format!("require {} v0.0.0\n", m.path));
        text.push_str(&format!("replace {} => {}\n", m.path, runtime.join(&m.dir).display()));
    }
    for (path, version) in &raised {
        text.push_str(&format!("require {path} {version}\n"));
    }
    let alternate = state.join("go.mod");
    std::fs::write(&alternate, text)?;
    let mut sums = std::fs::read_to_string(sum_path(base)).unwrap_or_default();
    for m in &modules {
        for line in m.go_sum.lines() {
            if !sums.lines().any(|l| l == line) {
                sums.push_str(line);
                sums.push('\n');
            }
        }
    }
    std::fs::write(sum_path(&alternate), sums)?;
    Ok(alternate)
}

/// Writes `state/go.work` and `state/go.work.sum` from the user's go.work.
pub fn write_workfile(base: &Path, state: &Path, runtime: &Path, modules: &[&RuntimeModule]) -> std::io::Result<PathBuf> {
    let all = runtime::modules();
    let (modules, raised) = with_alignment(base, state, modules, &all)?;
    let dir = base.parent().unwrap_or(Path::new("."));
    let text = std::fs::read_to_string(base)?;
    let mut out = String::new();
    let mut in_use_block = false;
    let needed_go = modules.iter().filter_map(|m| m.go_version.as_deref()).max_by(|a, b| go_line_order(a, b));
    for line in text.lines() {
        let trimmed = line.trim();
        // A workspace may not list a module that needs a newer Go than its own go line.
        if let (Some(version), Some(needed)) = (trimmed.strip_prefix("go "), needed_go) {
            if go_line_order(version.trim(), needed).is_lt() {
                out.push_str(&format!("go {needed}\n"));
                let lang = language::language_of(version.trim()).filter(|lang| language::language_of(needed).as_ref() != Some(lang));
                out.push_str(&lang.and_then(|lang| language::godebug_default(&text, &lang)).unwrap_or_default());
                continue;
            }
        }
        let absolute = |path: &str| {
            let path = path.trim_matches('"');
            let p = Path::new(path);
            clean(&if p.is_absolute() { p.to_path_buf() } else { dir.join(p) })
        };
        if in_use_block {
            if trimmed.starts_with(')') {
                in_use_block = false;
                out.push_str(line);
            } else if trimmed.is_empty() || trimmed.starts_with("//") {
                out.push_str(line);
            } else {
                let (path, comment) = trimmed.split_once("//").map_or((trimmed, ""), |(p, c)| (p.trim(), c));
                out.push_str(&format!("\t{:?}", absolute(path).display().to_string()));
                if !comment.is_empty() {
                    out.push_str(&format!(" //{comment}"));
                }
            }
        } else if let Some(rest) = trimmed.strip_prefix("use") {
            let rest = rest.trim();
            if rest == "(" {
                in_use_block = true;
                out.push_str(line);
            } else {
                out.push_str(&format!("use {:?}", absolute(rest).display().to_string()));
            }
        } else if let Some(rest) = trimmed.strip_prefix("replace") {
            // Relative replacement directories are relative to the go.work file too.
            match rest.split_once("=>") {
                Some((old, new)) if new.trim().starts_with('.') => {
                    out.push_str(&format!("replace {} => {}", old.trim(), absolute(new.trim()).display()))
                }
                _ => out.push_str(line),
            }
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    out.push_str("\n// Added by autotel for the instrumented build; the original go.work is unchanged.\n");
    for m in &modules {
        out.push_str(&format!("use {:?}\n", runtime.join(&m.dir).display().to_string()));
    }
    // A workspace has no require lines; a version replacement raises the module (the release is
    // at least every version of it in the workspace), unless the workspace replaces it already.
    for (path, version) in raised.iter().filter(|(p, _)| !text.lines().any(|l| replaces(l, p))) {
        out.push_str(&format!("replace {path} => {path} {version}\n"));
    }
    let alternate = state.join("go.work");
    std::fs::write(&alternate, out)?;
    let mut sums = std::fs::read_to_string(base.with_file_name("go.work.sum")).unwrap_or_default();
    for m in &modules {
        sums.push_str(&m.go_sum);
    }
    std::fs::write(state.join("go.work.sum"), sums)?;
    Ok(alternate)
}

/// `text` with every `replace` whose local directory has no go.mod (a sibling directory of a
/// repository that is not checked out, a module downloaded alone) pointed at an empty module of
/// the same path. `go build` reads a replacement's go.mod only when the build imports from it,
/// so the user's build works without it; the instrumented build, whose go.mod gains
/// requirements, loads the whole module graph and would stop there. The empty module requires
/// nothing, as the unreadable original brings nothing to the user's build either; a build that
/// does import from it fails as the user's would, and [`absent_replacement_of`] says why. The
/// empty modules live in `absent_modules` (`<cache>/absent-modules/`), named by module and
/// directory, so that a plan reused from the plan cache finds them; the build's own are listed
/// in `state/absent-replacements`. Relative directories are relative to `module_dir`.
fn stub_absent_replacements(text: &str, module_dir: &Path, state: &Path, absent_modules: &Path) -> std::io::Result<String> {
    let absent: Vec<LocalReplacement> =
        local_replacements(text).into_iter().filter(|r| !module_dir.join(r.dir).join("go.mod").is_file()).collect();
    if absent.is_empty() {
        return Ok(text.to_string());
    }
    let mut out = String::with_capacity(text.len());
    let mut listed = String::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("").trim();
        let single_line = code.strip_prefix("replace").filter(|r| r.starts_with([' ', '\t'])).map(str::trim);
        let Some(r) = absent.iter().find(|r| r.entry == single_line.unwrap_or(code)) else {
            out.push_str(line);
            out.push('\n');
            continue;
        };
        let stub = empty_module(absent_modules, r.path, &clean(&module_dir.join(r.dir)))?;
        listed.push_str(&format!("{}\t{}\n", r.path, r.dir));
        let verb = if single_line.is_some() { "replace " } else { "\t" };
        out.push_str(&format!("{verb}{} => {:?}\n", r.old, stub.display().to_string()));
    }
    std::fs::write(state.join(ABSENT_REPLACEMENTS), listed)?;
    Ok(out)
}

/// The empty module of `path` in `absent_modules` standing in for the absent directory `dir`,
/// written once.
fn empty_module(absent_modules: &Path, path: &str, dir: &Path) -> std::io::Result<PathBuf> {
    use sha2::{Digest, Sha256};
    let name = crate::plan_cache::hex(&Sha256::digest(format!("{path}\n{}", dir.display()))[..8]);
    let stub = absent_modules.join(name);
    let gomod = stub.join("go.mod");
    if !gomod.is_file() {
        std::fs::create_dir_all(&stub)?;
        // Written aside, then renamed: another build may read it meanwhile.
        let partial = stub.join(format!("go.mod.{}", std::process::id()));
        std::fs::write(&partial, format!("module {path}\n"))?;
        std::fs::rename(&partial, &gomod)?;
    }
    Ok(stub)
}

/// The state directory's list of the build's absent replacements: `module\tdirectory` lines.
const ABSENT_REPLACEMENTS: &str = "absent-replacements";

/// The absent replacement a package that failed to load comes from (`import_path` is the
/// module's path or below it): the module's path and the directory the user's go.mod replaces it
/// with. The build imports from it, so the user's own build fails there too.
pub fn absent_replacement_of(import_path: &str, state: &Path) -> Option<(String, String)> {
    let listed = std::fs::read_to_string(state.join(ABSENT_REPLACEMENTS)).ok()?;
    listed.lines().filter_map(|l| l.split_once('\t')).find_map(|(path, dir)| {
        let inside = import_path.strip_prefix(path).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
        inside.then(|| (path.to_string(), dir.to_string()))
    })
}

/// Whether a go.work line replaces module `path` (`replace path => …`, `replace path v1 => …`, or
/// a line of a replace block).
fn replaces(line: &str, path: &str) -> bool {
    let line = line.trim();
    let line = line.strip_prefix("replace").map_or(line, str::trim_start);
    line.split_whitespace().next().is_some_and(|first| first.trim_matches('"') == path) && line.contains("=>")
}

/// Removes `.` and resolves `..` lexically, as Go's filepath.Clean does: the go command compares
/// module directories as cleaned strings.
fn clean(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// Orders `go` lines as the go command does: a language version (`1.23`) comes before every
/// release of it (`1.23rc1`, `1.23.0`).
fn go_line_order(a: &str, b: &str) -> std::cmp::Ordering {
    let parse = |v: &str| Version::parse(v).ok();
    let language_only = |v: &str| v.split('.').count() == 2 && v.chars().all(|c| c.is_ascii_digit() || c == '.');
    match (parse(a), parse(b)) {
        (Some(x), Some(y)) if x.major == y.major && x.minor == y.minor && language_only(a) != language_only(b) => {
            if language_only(a) { std::cmp::Ordering::Less } else { std::cmp::Ordering::Greater }
        }
        (Some(x), Some(y)) => x.cmp(&y),
        _ => a.cmp(b),
    }
}

/// The entries of every `verb` directive of a go.mod or go.work file, comments removed: the text
/// after `verb` on its line, or each line of its block.
pub fn directive_entries<'t>(text: &'t str, verb: &str) -> Vec<&'t str> {
    let mut out = Vec::new();
    let mut in_block = false;
    for line in text.lines() {
        let line = line.split("//").next().unwrap_or("").trim();
        if in_block {
            if line.starts_with(')') {
                in_block = false;
            } else if !line.is_empty() {
                out.push(line);
            }
            continue;
        }
        let Some(rest) = line.strip_prefix(verb).filter(|r| r.starts_with([' ', '\t', '('])) else { continue };
        match rest.trim() {
            "(" => in_block = true,
            entry => out.push(entry),
        }
    }
    out
}

/// The `require` versions a go.mod states, by module path.
pub fn required_versions(gomod: &str) -> Vec<(String, String)> {
    directive_entries(gomod, "require")
        .into_iter()
        .filter_map(|entry| {
            let mut words = entry.split_whitespace();
            Some((words.next()?.trim_matches('"').to_string(), words.next()?.to_string()))
        })
        .collect()
}

/// The local directories a go.mod or go.work `replace`s modules with (`=> ./dir`, `=> ../dir`,
/// `=> /abs`), resolved against `base_dir`.
pub fn replacement_dirs(text: &str, base_dir: &Path) -> Vec<PathBuf> {
    local_replacements(text).into_iter().map(|r| clean(&base_dir.join(r.dir))).collect()
}

/// A `replace` entry whose replacement is a local directory.
struct LocalReplacement<'t> {
    /// The entry as [`directive_entries`] gives it.
    entry: &'t str,
    /// What is replaced: the module path, with its version when the entry names one.
    old: &'t str,
    /// The module path alone.
    path: &'t str,
    /// The directory, as written (relative to the file's directory unless absolute).
    dir: &'t str,
}

/// The `replace` entries of a go.mod or go.work whose replacement is a local directory.
fn local_replacements(text: &str) -> Vec<LocalReplacement<'_>> {
    directive_entries(text, "replace")
        .into_iter()
        .filter_map(|entry| {
            let (old, new) = entry.split_once("=>")?;
            let dir = new.split_whitespace().next()?.trim_matches('"');
            let local = dir.starts_with("./") || dir.starts_with("../") || dir.starts_with('/') || dir == "." || dir == "..";
            let old = old.trim();
            let path = old.split_whitespace().next()?.trim_matches('"');
            local.then_some(LocalReplacement { entry, old, path, dir })
        })
        .collect()
}

/// The module directories a go.work `use`s, resolved against `base_dir`.
pub fn used_dirs(gowork: &str, base_dir: &Path) -> Vec<PathBuf> {
    directive_entries(gowork, "use")
        .into_iter()
        .filter_map(|entry| entry.split_whitespace().next())
        .map(|dir| clean(&base_dir.join(dir.trim_matches('"'))))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::otelalign::{Release, TRAINS};

    fn module(path: &str, dir: &str) -> RuntimeModule {
        RuntimeModule {
            path: path.into(),
            dir: dir.into(),
            go_sum: format!("{path}/dep v1.0.0 h1:x=\n"),
            go_version: Some("1.23.0".into()),
            requires: vec![("go.opentelemetry.io/otel/sdk".into(), TRAINS[0].otel.into())],
        }
    }

    /// A state directory whose alignment is already planned (`Alignment::of_build` reads it).
    fn state_with(dir: &Path, release: Option<Release>) -> PathBuf {
        let state = dir.join("state");
        std::fs::create_dir(&state).unwrap();
        Alignment { user: Default::default(), release }.save(&state).unwrap();
        state
    }

    fn newest_release() -> Release {
        let newest = TRAINS.last().unwrap();
        Release { otel: newest.otel.into(), modules: newest.modules(), because: ("go.opentelemetry.io/otel".into(), newest.otel.into()) }
    }

    #[test]
    fn modfile_copy_requires_and_replaces_the_runtime() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("go.mod");
        std::fs::write(&base, "module example.com/app\n\ngo 1.23\n").unwrap();
        std::fs::write(dir.path().join("go.sum"), "example.com/dep v1.0.0 h1:y=\n").unwrap();
        let state = state_with(dir.path(), None);
        let core = module("autotel.dev/go", "");
        let alt = write_modfile(&base, &state, Path::new("/rt"), &dir.path().join("absent-modules"), &[&core]).unwrap();
        assert_eq!(
            std::fs::read_to_string(&alt).unwrap(),
            "module example.com/app\n\ngo 1.23\n\n// Added by autotel for the instrumented build; the original go.mod is unchanged.\n\
             require autotel.dev/go v0.0.0\nreplace autotel.dev/go => /rt/\n\
             require autotel.dev/go/logvalue v0.0.0\nreplace autotel.dev/go/logvalue => /rt/logvalue/otellog-v0\n"
        );
        let sums = std::fs::read_to_string(state.join("go.sum")).unwrap();
        assert!(sums.starts_with("example.com/dep v1.0.0 h1:y=\nautotel.dev/go/dep v1.0.0 h1:x=\n"), "{sums}");
        assert!(sums.contains("go.opentelemetry.io/otel/log v0.12.0 h1:"), "the logvalue directory's sums: {sums}");
        assert_eq!(std::fs::read_to_string(&base).unwrap(), "module example.com/app\n\ngo 1.23\n");
    }

    #[test]
    fn a_replacement_without_a_go_mod_becomes_an_empty_module_of_its_path() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("here")).unwrap();
        std::fs::write(dir.path().join("here/go.mod"), "module example.com/here\n").unwrap();
        let base = dir.path().join("go.mod");
        let gomod = "module example.com/app\n\ngo 1.23\n\n\
                     replace example.com/gone v1.0.0 => ../gone // a sibling not checked out\n\
                     replace (\n\texample.com/here => ./here\n\t\"example.com/also-gone\" => ./nowhere\n\texample.com/proxy => example.com/fork v1.2.0\n)\n";
        std::fs::write(&base, gomod).unwrap();
        let state = state_with(dir.path(), None);
        let alt = write_modfile(&base, &state, Path::new("/rt"), &dir.path().join("absent-modules"), &[&module("autotel.dev/go", "")]).unwrap();
        let text = std::fs::read_to_string(&alt).unwrap();
        let stub = |path: &str, d: &str| empty_module(&dir.path().join("absent-modules"), path, &clean(&dir.path().join(d))).unwrap();
        let (stub0, stub1) = (stub("example.com/gone", "../gone"), stub("example.com/also-gone", "./nowhere"));
        assert!(
            text.starts_with(&format!(
                "module example.com/app\n\ngo 1.23\n\nreplace example.com/gone v1.0.0 => {:?}\n\
                 replace (\n\texample.com/here => ./here\n\t\"example.com/also-gone\" => {:?}\n\texample.com/proxy => example.com/fork v1.2.0\n)\n",
                stub0.display().to_string(),
                stub1.display().to_string()
            )),
            "{text}"
        );
        assert_ne!(stub0, stub1);
        assert_eq!(std::fs::read_to_string(stub0.join("go.mod")).unwrap(), "module example.com/gone\n");
        assert_eq!(std::fs::read_to_string(stub1.join("go.mod")).unwrap(), "module example.com/also-gone\n");
        assert_eq!(absent_replacement_of("example.com/also-gone/x", &state), Some(("example.com/also-gone".into(), "./nowhere".into())));
        assert_eq!(absent_replacement_of("example.com/gone", &state), Some(("example.com/gone".into(), "../gone".into())));
        assert_eq!(absent_replacement_of("example.com/gonevia", &state), None);
        assert_eq!(absent_replacement_of("example.com/here/x", &state), None);
        assert_eq!(std::fs::read_to_string(&base).unwrap(), gomod, "the user's go.mod is unchanged");
    }

    #[test]
    fn a_newer_release_raises_the_runtime_otel_modules_and_picks_the_v1_log_values() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("go.mod");
        std::fs::write(&base, "module example.com/app\n\ngo 1.26\n").unwrap();
        let state = state_with(dir.path(), Some(newest_release()));
        let alt = write_modfile(&base, &state, Path::new("/rt"), &dir.path().join("absent-modules"), &[&module("autotel.dev/go", "")]).unwrap();
        let text = std::fs::read_to_string(&alt).unwrap();
        assert!(text.contains("replace autotel.dev/go/logvalue => /rt/logvalue/otellog-v1\n"), "{text}");
        // The logvalue module requires otel, the core (here) otel/sdk: both raised, nothing else.
        let raised: Vec<&str> = text.lines().filter(|l| l.starts_with("require go.opentelemetry.io/")).collect();
        assert_eq!(raised, ["require go.opentelemetry.io/otel v1.47.0", "require go.opentelemetry.io/otel/sdk v1.47.0"]);
    }

    #[test]
    fn workfile_copy_makes_paths_absolute() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("go.work");
        std::fs::write(&base, "go 1.23\n\nuse (\n\t./api // the api\n\t../shared\n)\nuse ./tools\nreplace x.org/y => ./y\n").unwrap();
        let state = state_with(dir.path(), None);
        let alt = write_workfile(&base, &state, Path::new("/rt"), &[&module("autotel.dev/go", "")]).unwrap();
        let d = dir.path().display();
        let up = dir.path().parent().unwrap().display();
        assert_eq!(
            std::fs::read_to_string(alt).unwrap(),
            format!("go 1.23.0\n\nuse (\n\t\"{d}/api\" // the api\n\t\"{up}/shared\"\n)\nuse \"{d}/tools\"\nreplace x.org/y => {d}/y\n\n// Added by autotel for the instrumented build; the original go.work is unchanged.\nuse \"/rt/\"\nuse \"/rt/logvalue/otellog-v0\"\n")
        );
    }

    #[test]
    fn a_raised_go_line_keeps_the_users_godebug_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let state = state_with(dir.path(), None);
        let alternate = |name: &str, text: &str| {
            let base = dir.path().join(name);
            std::fs::write(&base, text).unwrap();
            let modules = [&module("autotel.dev/go", "")];
            let alternate = if name == "go.mod" {
                write_modfile(&base, &state, Path::new("/rt"), &dir.path().join("absent-modules"), &modules)
            } else {
                write_workfile(&base, &state, Path::new("/rt"), &modules)
            };
            std::fs::read_to_string(alternate.unwrap()).unwrap()
        };
        let godebug = |text: &str| text.lines().filter(|l| l.starts_with("godebug")).map(str::to_owned).collect::<Vec<_>>();
        assert_eq!(godebug(&alternate("go.mod", "module a

go 1.20.3
")), ["godebug default=go1.20"]);
        assert_eq!(godebug(&alternate("go.mod", "module a
")), ["godebug default=go1.16"], "no go line means go 1.16");
        assert_eq!(godebug(&alternate("go.mod", "module a

go 1.23.4
")), Vec::<String>::new(), "not raised");
        assert_eq!(godebug(&alternate("go.mod", "module a
go 1.21
godebug default=go1.19
")), ["godebug default=go1.19"], "the user's own");
        assert_eq!(godebug(&alternate("go.work", "go 1.21

use ./a
")), ["godebug default=go1.21"]);
        assert_eq!(godebug(&alternate("go.work", "go 1.23

use ./a
")), Vec::<String>::new(), "1.23 to 1.23.0 is no new language");
    }

    #[test]
    fn workfile_raises_otel_modules_with_version_replacements_unless_replaced_already() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("go.work");
        std::fs::write(&base, "go 1.26\n\nuse ./app\nreplace go.opentelemetry.io/otel => ../otel\n").unwrap();
        let state = state_with(dir.path(), Some(newest_release()));
        let alt = write_workfile(&base, &state, Path::new("/rt"), &[&module("autotel.dev/go", "")]).unwrap();
        let text = std::fs::read_to_string(alt).unwrap();
        assert!(
            text.ends_with("use \"/rt/logvalue/otellog-v1\"\nreplace go.opentelemetry.io/otel/sdk => go.opentelemetry.io/otel/sdk v1.47.0\n"),
            "{text}"
        );
    }

    #[test]
    fn orders_go_lines_like_the_go_command() {
        use std::cmp::Ordering::*;
        assert_eq!(go_line_order("1.23", "1.23.0"), Less);
        assert_eq!(go_line_order("1.23rc1", "1.23"), Greater);
        assert_eq!(go_line_order("1.23.0", "1.23.0"), Equal);
        assert_eq!(go_line_order("1.24", "1.23.5"), Greater);
        assert_eq!(go_line_order("1.22.9", "1.23"), Less);
    }

    #[test]
    fn reads_replacement_and_used_directories() {
        let gomod = "module a\n\nreplace x.org/a => ../a // local\nreplace (\n\ty.org/b v1.0.0 => ./b\n\tz.org/c => z.org/c v1.2.0\n\t\"w.org/d\" => \"/abs/d\"\n)\nreplacement x => ./no\n";
        assert_eq!(
            replacement_dirs(gomod, Path::new("/src/app")),
            [Path::new("/src/a"), Path::new("/src/app/b"), Path::new("/abs/d")]
        );
        let gowork = "go 1.23\n\nuse (\n\t./api\n\t\"../shared\" // comment\n)\nuse .\n";
        assert_eq!(used_dirs(gowork, Path::new("/w/root")), [Path::new("/w/root/api"), Path::new("/w/shared"), Path::new("/w/root")]);
    }

    #[test]
    fn reads_required_versions() {
        let gomod = "module a\n\nrequire x.org/a v1.2.0\nrequire (\n\tgo.opentelemetry.io/otel v1.20.0 // indirect\n\t\"y.org/b\" v0.1.0\n)\n";
        assert_eq!(
            required_versions(gomod),
            vec![
                ("x.org/a".to_string(), "v1.2.0".to_string()),
                ("go.opentelemetry.io/otel".to_string(), "v1.20.0".to_string()),
                ("y.org/b".to_string(), "v0.1.0".to_string()),
            ]
        );
    }
}
