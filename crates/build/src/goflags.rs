//! The user's `go` command line, read as the go command reads it, without resolving anything.
//!
//! `autotel go build|install|run|test ARGS…` passes ARGS to go unchanged. To plan the build,
//! autotel needs three things from them: the packages (for `go list`), the build flags that
//! change how packages compile (so the hook packages are compiled the same way), and the few flags
//! autotel must handle itself (`-C`, `-modfile`, `-mod`, `-toolexec`). The flag tables below are
//! the ones `go help build` and `go help testflag` print; a test checks them against the
//! machine's go so a new flag cannot slip by.

use std::ffi::OsString;

/// The go subcommands autotel wraps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GoCommand {
    Build,
    Install,
    Run,
    Test,
}

impl GoCommand {
    pub fn parse(word: &str) -> Option<GoCommand> {
        match word {
            "build" => Some(GoCommand::Build),
            "install" => Some(GoCommand::Install),
            "run" => Some(GoCommand::Run),
            "test" => Some(GoCommand::Test),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            GoCommand::Build => "build",
            GoCommand::Install => "install",
            GoCommand::Run => "run",
            GoCommand::Test => "test",
        }
    }
}

/// Build flags that take a value (`go help build`).
pub(crate) const BUILD_VALUE_FLAGS: &[&str] = &[
    "C", "p", "covermode", "coverpkg", "asmflags", "buildmode", "compiler", "gccgoflags", "gcflags",
    "installsuffix", "ldflags", "mod", "modfile", "overlay", "pgo", "pkgdir", "tags", "toolexec", "o",
];

/// Build flags without a value (`-flag` or `-flag=bool`).
pub(crate) const BUILD_BOOL_FLAGS: &[&str] = &[
    "a", "n", "race", "msan", "asan", "cover", "v", "work", "x", "buildvcs", "json", "linkshared",
    "modcacherw", "trimpath",
];

/// Build flags that change how a package compiles; the hook packages are listed with the same
/// ones so that packages shared with the user's program have the same build cache keys.
const COMPILE_AFFECTING: &[&str] = &[
    "race", "msan", "asan", "cover", "covermode", "coverpkg", "asmflags", "buildmode", "compiler",
    "gccgoflags", "gcflags", "installsuffix", "linkshared", "pgo", "tags", "trimpath", "overlay",
];

/// `go test` flags that take a value (`go help testflag`, `go help test`, `go help run`).
const TEST_VALUE_FLAGS: &[&str] = &[
    "bench", "benchtime", "count", "cpu", "fuzz", "fuzztime", "fuzzminimizetime", "list", "outputdir",
    "parallel", "run", "shuffle", "skip", "timeout", "vet", "blockprofile", "blockprofilerate",
    "coverprofile", "cpuprofile", "memprofile", "memprofilerate", "mutexprofile", "mutexprofilefraction",
    "trace", "exec",
];

/// One flag as the user wrote it (one or two argv words).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flag {
    pub name: String,
    pub value: Option<String>,
    pub words: Vec<String>,
}

/// The user's go command line, split.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GoArgs {
    pub command: GoCommand,
    /// Every argument after the subcommand, as given, less `-C DIR` (autotel runs go in DIR).
    pub args: Vec<String>,
    /// `-C DIR`, if given.
    pub chdir: Option<String>,
    /// Packages (or `.go` files) named on the command line; empty means `.`.
    pub packages: Vec<String>,
    /// Build flags, in order.
    pub build_flags: Vec<Flag>,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ArgsError {
    #[error("`autotel go` needs a subcommand: build, install, run or test")]
    MissingCommand,
    #[error("`go {0}` is not wrapped by autotel; it wraps build, install, run and test (run `go {0}` directly)")]
    UnsupportedCommand(String),
    #[error("flag -{0} needs a value")]
    MissingValue(String),
    #[error("-C must be the first flag (as for go itself)")]
    LateChdir,
    #[error("argument is not valid UTF-8: {0:?}")]
    NotUtf8(OsString),
    #[error(
        "`go {command} {package}` builds a module at a version outside any main module, which autotel cannot \
         instrument (it adds its runtime to a main module's requirements); download the module (`go mod \
         download -json MODULE@VERSION` prints its directory), copy it, and run `autotel go {command}` with the \
         package's path inside the copy (the program's build info then says (devel) for its version)"
    )]
    VersionedPackage { command: &'static str, package: String },
}

impl GoArgs {
    pub fn parse(argv: &[OsString]) -> Result<GoArgs, ArgsError> {
        let mut words = Vec::with_capacity(argv.len());
        for word in argv {
            words.push(word.to_str().ok_or_else(|| ArgsError::NotUtf8(word.clone()))?.to_string());
        }
        let (first, rest) = words.split_first().ok_or(ArgsError::MissingCommand)?;
        let command = GoCommand::parse(first).ok_or_else(|| ArgsError::UnsupportedCommand(first.clone()))?;
        let mut parsed = GoArgs { command, args: Vec::new(), chdir: None, packages: Vec::new(), build_flags: Vec::new() };
        let mut i = 0;
        let mut positional_seen = false;
        while i < rest.len() {
            let word = &rest[i];
            // `go run pkg args…` and `go test … -args …`: the rest belongs to the program.
            // (`go run a.go b.go args…`: consecutive .go files are all the package.)
            let more_files = word.ends_with(".go") && parsed.packages.iter().all(|p| p.ends_with(".go"));
            let program_args = (command == GoCommand::Run && positional_seen && !more_files) || word == "-args";
            let is_flag = word.starts_with('-') && word != "-" && !program_args;
            // Flags stop at the first package for build, install and run; go test reads them anywhere.
            if !is_flag || (positional_seen && command != GoCommand::Test) {
                if program_args {
                    parsed.args.extend(rest[i..].iter().cloned());
                    break;
                }
                positional_seen = true;
                parsed.packages.push(word.clone());
                parsed.args.push(word.clone());
                i += 1;
                continue;
            }
            let body = word.trim_start_matches('-');
            let (name, inline) = match body.split_once('=') {
                Some((n, v)) => (n.to_string(), Some(v.to_string())),
                None => (body.to_string(), None),
            };
            let takes_value = BUILD_VALUE_FLAGS.contains(&name.as_str())
                || (command == GoCommand::Test && TEST_VALUE_FLAGS.contains(&name.as_str()))
                || (command == GoCommand::Run && name == "exec");
            let mut flag_words = vec![word.clone()];
            let value = if takes_value && inline.is_none() {
                let value = rest.get(i + 1).ok_or_else(|| ArgsError::MissingValue(name.clone()))?;
                flag_words.push(value.clone());
                Some(value.clone())
            } else {
                inline
            };
            i += flag_words.len();
            if name == "C" {
                if !parsed.args.is_empty() {
                    return Err(ArgsError::LateChdir);
                }
                parsed.chdir = value;
                continue;
            }
            let flag = Flag { name: name.clone(), value, words: flag_words };
            parsed.args.extend(flag.words.iter().cloned());
            if BUILD_VALUE_FLAGS.contains(&name.as_str()) || BUILD_BOOL_FLAGS.contains(&name.as_str()) {
                parsed.build_flags.push(flag);
            }
        }
        if let Some(package) = parsed.packages.iter().find(|p| p.contains('@') && !p.ends_with(".go")) {
            return Err(ArgsError::VersionedPackage { command: command.name(), package: package.clone() });
        }
        Ok(parsed)
    }

    /// The value of the last occurrence of build flag `name`.
    pub fn flag(&self, name: &str) -> Option<&str> {
        self.build_flags.iter().rev().find(|f| f.name == name).and_then(|f| f.value.as_deref())
    }

    /// Whether bool build flag `name` is set (`-race`, `-race=true`).
    pub fn bool_flag(&self, name: &str) -> bool {
        self.build_flags.iter().rev().find(|f| f.name == name).is_some_and(|f| f.value.as_deref() != Some("false"))
    }

    /// The build flags that change how packages compile, as argv words, in the user's order.
    pub fn compile_flags(&self) -> Vec<String> {
        self.compile_flags_except(&[])
    }

    /// [`GoArgs::compile_flags`] less the flags `names` (those autotel replaces).
    pub fn compile_flags_except(&self, names: &[&str]) -> Vec<String> {
        self.build_flags
            .iter()
            .filter(|f| COMPILE_AFFECTING.contains(&f.name.as_str()) && !names.contains(&f.name.as_str()))
            .flat_map(|f| f.words.iter().cloned())
            .collect()
    }

    /// Whether bool build flag `name` is on the command line at all (set or cleared).
    pub fn has_flag(&self, name: &str) -> bool {
        self.build_flags.iter().any(|f| f.name == name)
    }

    /// What of the command line can change the plan (`plan_cache.rs`): the subcommand, the
    /// compile flags, the flags that choose module files or wrap tools, and the packages. Output
    /// flags (`-o`, `-v`, `-json`) and test flags (`-run`) leave the plan as it is.
    pub fn plan_words(&self) -> Vec<String> {
        let choosing = ["modfile", "mod", "toolexec"];
        let mut words = vec![self.command.name().to_string()];
        words.extend(self.compile_flags());
        words.extend(self.build_flags.iter().filter(|f| choosing.contains(&f.name.as_str())).flat_map(|f| f.words.iter().cloned()));
        words.push("--".into());
        words.extend(self.packages.iter().cloned());
        words
    }

    /// The user's arguments less the build flags `names` (those autotel replaces).
    pub fn args_without(&self, names: &[&str]) -> Vec<String> {
        let replaced: Vec<&Flag> = self.build_flags.iter().filter(|f| names.contains(&f.name.as_str())).collect();
        let mut out = Vec::with_capacity(self.args.len());
        let mut i = 0;
        'words: while i < self.args.len() {
            for flag in &replaced {
                if self.args[i..].starts_with(&flag.words) {
                    i += flag.words.len();
                    continue 'words;
                }
            }
            out.push(self.args[i].clone());
            i += 1;
        }
        out
    }
}

/// Splits a GOFLAGS value into its flags (space-separated, as the go command does).
pub fn goflags_words(goflags: &str) -> Vec<String> {
    goflags.split_whitespace().map(str::to_string).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(words: &str) -> Result<GoArgs, ArgsError> {
        GoArgs::parse(&words.split_whitespace().map(OsString::from).collect::<Vec<_>>())
    }

    #[test]
    fn build_with_flags_and_packages() {
        let a = parse("build -o bin/api -tags=prod,x -trimpath -ldflags -s ./cmd/api ./cmd/worker").unwrap();
        assert_eq!(a.command, GoCommand::Build);
        assert_eq!(a.packages, vec!["./cmd/api", "./cmd/worker"]);
        assert_eq!(a.flag("o"), Some("bin/api"));
        assert_eq!(a.flag("tags"), Some("prod,x"));
        assert_eq!(a.flag("ldflags"), Some("-s"));
        assert!(a.bool_flag("trimpath"));
        assert_eq!(a.compile_flags(), vec!["-tags=prod,x", "-trimpath"]);
        assert_eq!(a.args.join(" "), "-o bin/api -tags=prod,x -trimpath -ldflags -s ./cmd/api ./cmd/worker");
        assert_eq!(a.plan_words().join(" "), "build -tags=prod,x -trimpath -- ./cmd/api ./cmd/worker");
    }

    #[test]
    fn plan_words_leave_out_output_and_test_flags() {
        let a = parse("test -v -count=1 -run TestX -json -o x.test -race -modfile alt.mod ./...").unwrap();
        assert_eq!(a.plan_words().join(" "), "test -race -modfile alt.mod -- ./...");
    }

    #[test]
    fn chdir_is_taken_out_and_must_come_first() {
        let a = parse("build -C sub -race .").unwrap();
        assert_eq!(a.chdir.as_deref(), Some("sub"));
        assert_eq!(a.args, vec!["-race", "."]);
        assert_eq!(parse("build -race -C sub .").unwrap_err(), ArgsError::LateChdir);
    }

    #[test]
    fn run_separates_program_arguments() {
        let a = parse("run -race ./cmd/api -port 8080 -v").unwrap();
        assert_eq!(a.packages, vec!["./cmd/api"]);
        assert_eq!(a.args.join(" "), "-race ./cmd/api -port 8080 -v");
        let a = parse("run main.go util.go --flag").unwrap();
        assert_eq!(a.packages, vec!["main.go", "util.go"]);
    }

    #[test]
    fn test_reads_flags_anywhere_and_stops_at_args() {
        let a = parse("test ./... -run TestX -count=1 -v -tags integ -args -run ignored").unwrap();
        assert_eq!(a.packages, vec!["./..."]);
        assert_eq!(a.flag("tags"), Some("integ"));
        assert_eq!(a.compile_flags(), vec!["-tags", "integ"]);
        assert_eq!(a.args.last().map(String::as_str), Some("ignored"));
    }

    #[test]
    fn replaced_flags_are_removed() {
        let a = parse("build -mod=vendor -modfile alt.mod -toolexec 'x' -o out .").unwrap();
        assert_eq!(a.flag("modfile"), Some("alt.mod"));
        assert_eq!(a.args_without(&["modfile", "mod", "toolexec"]), vec!["-o", "out", "."]);
        let a = parse("test -overlay o.json -run X ./...").unwrap();
        assert_eq!(a.args_without(&["overlay"]), vec!["-run", "X", "./..."]);
    }

    #[test]
    fn errors() {
        assert_eq!(parse("").unwrap_err(), ArgsError::MissingCommand);
        assert_eq!(parse("vet ./...").unwrap_err().to_string(),
            "`go vet` is not wrapped by autotel; it wraps build, install, run and test (run `go vet` directly)");
        assert_eq!(parse("build -o").unwrap_err().to_string(), "flag -o needs a value");
        let versioned = ArgsError::VersionedPackage { command: "install", package: "example.com/tool@v1.2.3".into() };
        assert_eq!(parse("install example.com/tool@v1.2.3").unwrap_err(), versioned);
        assert_eq!(parse("run example.com/tool@latest -flag").unwrap_err(), ArgsError::VersionedPackage { command: "run", package: "example.com/tool@latest".into() });
        assert!(parse("run ./cmd/x user@example.com").is_ok(), "a program argument may hold an @");
    }

    /// The tables above must list every flag the machine's go documents.
    #[test]
    fn flag_tables_match_go_help() {
        let help = |topic: &str| {
            let out = std::process::Command::new("go").args(["help", topic]).output().expect("go on PATH");
            String::from_utf8(out.stdout).unwrap()
        };
        let flags_in = |text: &str| -> Vec<String> {
            text.lines()
                .filter_map(|l| l.strip_prefix("\t-"))
                .filter_map(|l| l.split([' ', '=', '\t']).next())
                .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_lowercase()))
                .map(str::to_string)
                .collect()
        };
        for flag in flags_in(&help("build")) {
            assert!(
                BUILD_VALUE_FLAGS.contains(&flag.as_str()) || BUILD_BOOL_FLAGS.contains(&flag.as_str()),
                "go help build documents -{flag}, which autotel's flag table lacks"
            );
        }
        let test_bool = ["artifacts", "benchmem", "c", "failfast", "fullpath", "json", "short", "v", "cover", "args"];
        for flag in flags_in(&help("testflag")).into_iter().chain(flags_in(&help("test"))) {
            assert!(
                TEST_VALUE_FLAGS.contains(&flag.as_str())
                    || BUILD_VALUE_FLAGS.contains(&flag.as_str())
                    || BUILD_BOOL_FLAGS.contains(&flag.as_str())
                    || test_bool.contains(&flag.as_str()),
                "go help test documents -{flag}, which autotel's flag table lacks"
            );
        }
    }
}
