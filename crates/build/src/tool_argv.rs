//! A tool's command line as the go command writes it under `-toolexec` (`TOOL ARGS…`), parsed
//! into what the proxy reads or replaces: which tool, and for `compile` and `link` the flags
//! `-p`, `-o`, `-importcfg`, `-lang`, `-complete` and the Go source files.
//!
//! Only those parts are typed. Every other argument keeps its place, so the real tool receives
//! the go command's argv with exactly the proxy's edits. Flags are found by name before the
//! source files (the go command writes `-name VALUE` for these, `-lang=VALUE` for the language);
//! the sources are the trailing run of `.go` arguments. No I/O.

use std::ffi::{OsStr, OsString};
use std::ops::Range;
use std::path::Path;

/// One tool invocation.
#[derive(Debug, PartialEq)]
pub enum Invocation {
    /// `TOOL -V=full`: the go command asks for the tool's version (its build-cache key).
    Version,
    Compile(CompileArgv),
    Link(LinkArgv),
    /// `cover` (`-cover` builds): flags, then the package's source files.
    Cover(Vec<OsString>),
    /// Any other tool (asm, cgo, pack, vet, …): run as is.
    Other(Vec<OsString>),
}

impl Invocation {
    /// Parses the arguments the go command passed to `tool`.
    pub fn parse(tool: &Path, args: Vec<OsString>) -> Invocation {
        if args.len() == 1 && args[0] == "-V=full" {
            return Invocation::Version;
        }
        // Tools are `compile`, `link`, … (`compile.exe` on Windows).
        match tool.file_stem().and_then(OsStr::to_str) {
            Some("compile") => Invocation::Compile(CompileArgv { args, drop_complete: false }),
            Some("link") => Invocation::Link(LinkArgv { args }),
            Some("cover") => Invocation::Cover(args),
            _ => Invocation::Other(args),
        }
    }
}

/// The arguments of `compile`.
#[derive(Debug, Clone, PartialEq)]
pub struct CompileArgv {
    args: Vec<OsString>,
    /// `-complete` goes at the end ([`Self::into_args`]), so that indexes stay valid meanwhile.
    drop_complete: bool,
}

impl CompileArgv {
    /// The package's import path (`-p`): `main` for a command.
    pub fn package(&self) -> Option<&str> {
        flag_value(&self.args[..self.sources().start], "-p").and_then(|p| p.to_str())
    }

    /// A main package: `-p main`, or, in a `-dynlink` build (a plugin's, which compiles its main
    /// package under its import path), sources whose package clause says `main`.
    pub fn is_main(&self) -> bool {
        if self.runs_main() {
            return true;
        }
        let dynlink = self.args[..self.sources().start].iter().any(|a| a == "-dynlink");
        dynlink
            && self.sources().next().is_some_and(|i| {
                std::fs::read(self.source(i)).is_ok_and(|text| crate::go_header::package_name(&text) == Some(b"main"))
            })
    }

    /// An executable's main package (`-p main`), whose func main runs; a plugin's never does.
    pub fn runs_main(&self) -> bool {
        self.package() == Some("main")
    }

    /// The directory of the archive (`-o`): the go command's scratch directory for this package.
    pub fn output_dir(&self) -> Option<&Path> {
        flag_value(&self.args[..self.sources().start], "-o").and_then(|o| Path::new(o).parent())
    }

    /// Indexes of the Go source files.
    pub fn sources(&self) -> Range<usize> {
        let count = self.args.iter().rev().take_while(|a| a.to_string_lossy().ends_with(".go")).count();
        self.args.len() - count..self.args.len()
    }

    pub fn source(&self, index: usize) -> &Path {
        Path::new(&self.args[index])
    }

    /// Compiles `path` in place of the source at `index`.
    pub fn replace_source(&mut self, index: usize, path: OsString) {
        assert!(self.sources().contains(&index), "argument {index} is not a source file");
        self.args[index] = path;
    }

    /// Compiles `path` too.
    pub fn add_source(&mut self, path: OsString) {
        self.args.push(path);
    }

    /// Drops `-complete`, which promises the compiler that every function has a body. Source
    /// indexes stay valid: the flag leaves in [`Self::into_args`].
    pub fn drop_complete(&mut self) {
        self.drop_complete = true;
    }

    pub fn importcfg(&self) -> Option<&Path> {
        flag_value(&self.args[..self.sources().start], "-importcfg").map(Path::new)
    }

    /// Points `-importcfg` at `path`; `false` when the compile has none.
    pub fn set_importcfg(&mut self, path: OsString) -> bool {
        set_flag_value(&mut self.args, "-importcfg", path)
    }

    /// The language version (`-lang=go1.N`).
    #[cfg(test)]
    pub fn lang(&self) -> Option<&str> {
        self.args[..self.sources().start].iter().find_map(|a| a.to_str()?.strip_prefix("-lang="))
    }

    /// Sets `-lang` to `lang` where the compile has one; whether the argv changed.
    pub fn set_lang(&mut self, lang: &str) -> bool {
        let end = self.sources().start;
        let Some(at) = self.args[..end].iter().position(|a| a.to_string_lossy().starts_with("-lang=")) else {
            return false;
        };
        let wanted = OsString::from(format!("-lang={lang}"));
        let changed = self.args[at] != wanted;
        self.args[at] = wanted;
        changed
    }

    pub fn into_args(self) -> Vec<OsString> {
        let end = self.sources().start;
        let drop = self.drop_complete;
        self.args.into_iter().enumerate().filter(|(i, a)| !(drop && *i < end && a == "-complete")).map(|(_, a)| a).collect()
    }
}

/// The arguments of `link`.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkArgv {
    args: Vec<OsString>,
}

impl LinkArgv {
    pub fn importcfg(&self) -> Option<&Path> {
        flag_value(&self.args, "-importcfg").map(Path::new)
    }

    /// The executable the link writes (`-o`).
    pub fn output(&self) -> Option<&Path> {
        flag_value(&self.args, "-o").map(Path::new)
    }

    /// The main package's archive: the last argument.
    pub fn main_archive(&self) -> Option<&Path> {
        self.args.last().map(Path::new)
    }

    /// Every argument but the paths of `-o`, `-importcfg` and the main archive (which name the
    /// go command's work directory): the flags.
    pub fn flags(&self) -> impl Iterator<Item = &OsString> {
        let paths: Vec<usize> = ["-o", "-importcfg"]
            .iter()
            .filter_map(|name| self.args.iter().position(|a| a == name).map(|i| i + 1))
            .chain(self.args.len().checked_sub(1))
            .collect();
        self.args.iter().enumerate().filter(move |(i, _)| !paths.contains(i)).map(|(_, a)| a)
    }

    /// Points `-importcfg` at `path`; `false` when the link has none.
    pub fn set_importcfg(&mut self, path: OsString) -> bool {
        set_flag_value(&mut self.args, "-importcfg", path)
    }

    /// Sets string variable `variable` (`importpath.name`) to `value` (`-X`), before every
    /// other argument: the link's flags precede its main archive.
    pub fn define_string(&mut self, variable: &str, value: &str) {
        self.args.insert(0, format!("-X={variable}={value}").into());
    }

    pub fn into_args(self) -> Vec<OsString> {
        self.args
    }
}

/// The value of flag `-name VALUE`.
fn flag_value<'a>(args: &'a [OsString], name: &str) -> Option<&'a OsString> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1))
}

fn set_flag_value(args: &mut [OsString], name: &str, value: OsString) -> bool {
    match args.iter().position(|a| a == name) {
        Some(i) if i + 1 < args.len() => {
            args[i + 1] = value;
            true
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(line: &str) -> Vec<OsString> {
        line.split_whitespace().map(OsString::from).collect()
    }

    /// `go build -x` of a command, Go 1.26.
    const MAIN: &str = "-o /w/b001/_pkg_.a -trimpath /w/b001=> -p main -lang=go1.26 -complete \
        -buildid yQ/yQ -goversion go1.26.8 -c=2 -nolocalimports -importcfg /w/b001/importcfg -pack ./main.go ./util.go";
    /// A package with assembly: no `-complete`, a `-symabis` and `-asmhdr`.
    const ASM: &str = "-o /w/b007/_pkg_.a -trimpath /w/b007=> -p internal/bytealg -lang=go1.26 -std \
        -buildid a/a -goversion go1.26.8 -symabis /w/b007/symabis -c=2 -importcfg /w/b007/importcfg -pack \
        -asmhdr /w/b007/go_asm.h /r/src/internal/bytealg/bytealg.go /r/src/internal/bytealg/compare_native.go";
    const LINK: &str = "-o /w/b001/exe/a.out -importcfg /w/b001/importcfg.link -buildmode=exe \
        -buildid=X/Y/Z/X -extld=gcc /w/b001/_pkg_.a";

    fn compile(line: &str) -> CompileArgv {
        match Invocation::parse(Path::new("/r/pkg/tool/linux_amd64/compile"), argv(line)) {
            Invocation::Compile(c) => c,
            other => panic!("not a compile: {other:?}"),
        }
    }

    #[test]
    fn a_plugins_main_package_is_a_command_under_its_import_path() {
        // `go build -buildmode=plugin` compiles the plugin's main package with `-p IMPORTPATH`.
        let dir = tempfile::tempdir().unwrap();
        let (main, library) = (dir.path().join("main.go"), dir.path().join("lib.go"));
        std::fs::write(&main, "// Plugin p.\npackage main\n\nfunc F() {}\n").unwrap();
        std::fs::write(&library, "package lib\n").unwrap();
        let plugin_compile = |dynlink: &str, source: &Path| {
            compile(&format!("-o /w/b001/_pkg_.a -p example.com/p -lang=go1.26 {dynlink} -importcfg /w/b001/importcfg -pack {}", source.display()))
        };
        assert!(plugin_compile("-dynlink", &main).is_main());
        assert!(!plugin_compile("-dynlink", &main).runs_main());
        assert!(!plugin_compile("-dynlink", &library).is_main());
        assert!(!plugin_compile("", &main).is_main(), "without -dynlink only `-p main` is a command");
    }

    #[test]
    fn names_the_tool_and_the_version_query() {
        let tool = |t: &str| Path::new("/r/pkg/tool/linux_amd64").join(t);
        assert_eq!(Invocation::parse(&tool("compile"), argv("-V=full")), Invocation::Version);
        assert_eq!(Invocation::parse(&tool("asm"), argv("-V=full")), Invocation::Version);
        assert!(matches!(Invocation::parse(&tool("link"), argv(LINK)), Invocation::Link(_)));
        assert!(matches!(Invocation::parse(&tool("compile.exe"), argv(MAIN)), Invocation::Compile(_)));
        assert_eq!(Invocation::parse(&tool("asm"), argv("-p x a.s")), Invocation::Other(argv("-p x a.s")));
        assert_eq!(Invocation::parse(&tool("cover"), argv("-mode set a.go")), Invocation::Cover(argv("-mode set a.go")));
        assert!(matches!(Invocation::parse(&tool("compile"), argv("-V=full -o x")), Invocation::Compile(_)), "-V=full alone only");
    }

    #[test]
    fn reads_the_flags_the_proxy_needs() {
        let c = compile(MAIN);
        assert_eq!(c.package(), Some("main"));
        assert!(c.is_main());
        assert_eq!(c.output_dir(), Some(Path::new("/w/b001")));
        assert_eq!(c.importcfg(), Some(Path::new("/w/b001/importcfg")));
        assert_eq!(c.lang(), Some("go1.26"));
        let sources: Vec<&Path> = c.sources().map(|i| c.source(i)).collect();
        assert_eq!(sources, [Path::new("./main.go"), Path::new("./util.go")]);

        let a = compile(ASM);
        assert_eq!(a.package(), Some("internal/bytealg"));
        assert!(!a.is_main());
        assert_eq!(a.sources().len(), 2);
    }

    #[test]
    fn edits_keep_every_other_argument_in_place() {
        let mut c = compile(MAIN);
        let first = c.sources().start;
        c.drop_complete();
        c.replace_source(first, "/w/b001/autotel/rewritten_main.go".into());
        assert!(c.set_importcfg("/w/b001/autotel/importcfg".into()));
        assert!(c.set_lang("go1.20"));
        assert!(!c.set_lang("go1.20"), "already go1.20");
        c.add_source("/w/b001/autotel/autotel_main.go".into());
        let expected = MAIN
            .replace(" -complete", "")
            .replace("-lang=go1.26", "-lang=go1.20")
            .replace("/w/b001/importcfg", "/w/b001/autotel/importcfg")
            .replace("./main.go", "/w/b001/autotel/rewritten_main.go")
            + " /w/b001/autotel/autotel_main.go";
        assert_eq!(c.into_args(), argv(&expected));
    }

    #[test]
    fn a_compile_without_complete_or_lang_is_left_alone() {
        let mut a = compile(ASM);
        a.drop_complete();
        assert_eq!(a.into_args(), argv(ASM), "no -complete to drop");
        let mut plain = compile("-o /w/b003/_pkg_.a -p x -importcfg /w/b003/importcfg x.go");
        assert!(!plain.set_lang("go1.20"), "no -lang: nothing to set");
        plain.drop_complete();
        assert_eq!(plain.into_args(), argv("-o /w/b003/_pkg_.a -p x -importcfg /w/b003/importcfg x.go"));
    }

    #[test]
    #[should_panic(expected = "not a source file")]
    fn only_sources_are_replaced() {
        compile(MAIN).replace_source(0, "x.go".into());
    }

    #[test]
    fn link_importcfg() {
        let Invocation::Link(mut l) = Invocation::parse(Path::new("link"), argv(LINK)) else { panic!("not a link") };
        assert_eq!(l.importcfg(), Some(Path::new("/w/b001/importcfg.link")));
        assert!(l.set_importcfg("/w/b001/autotel_importcfg.link".into()));
        assert_eq!(l.into_args(), argv(&LINK.replace("importcfg.link", "autotel_importcfg.link")));
        let Invocation::Link(mut bare) = Invocation::parse(Path::new("link"), argv("-o a.out x.a")) else { panic!("not a link") };
        assert_eq!(bare.importcfg(), None);
        assert!(!bare.set_importcfg("cfg".into()));
    }

    #[test]
    fn link_output_main_archive_and_flags() {
        let Invocation::Link(l) = Invocation::parse(Path::new("link"), argv(LINK)) else { panic!("not a link") };
        assert_eq!(l.output(), Some(Path::new("/w/b001/exe/a.out")));
        assert_eq!(l.main_archive(), Some(Path::new("/w/b001/_pkg_.a")));
        let flags: Vec<&OsString> = l.flags().collect();
        assert_eq!(flags, argv("-o -importcfg -buildmode=exe -buildid=X/Y/Z/X -extld=gcc").iter().collect::<Vec<_>>());
    }

    #[test]
    fn a_defined_string_precedes_the_main_archive() {
        let Invocation::Link(mut l) = Invocation::parse(Path::new("link"), argv(LINK)) else { panic!("not a link") };
        l.define_string("example.com/p.v", "a=b {\"c\": 1}");
        let args = l.into_args();
        assert_eq!(args[0], "-X=example.com/p.v=a=b {\"c\": 1}");
        assert_eq!(args[1..], argv(LINK)[..]);
    }
}
