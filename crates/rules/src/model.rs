//! The typed rule model: what a rule targets, under which versions, and what it does.
//!
//! These types are what the matcher and the rewriter work with. They are not the file schema
//! (that is `parse.rs`), and they are not serializable: the YAML shape may change without
//! touching the code that applies rules.

use super::version::{Version, VersionRange};

/// One rule file: the rules that instrument one library.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleFile {
    /// Where the rules came from (`nethttp.yaml` for the embedded catalogue, a path otherwise).
    pub source: String,
    /// The name `OTEL_GO_ENABLED_INSTRUMENTATIONS` / `OTEL_GO_DISABLED_INSTRUMENTATIONS` use.
    pub instrumentation: String,
    /// The Go package holding the hook functions; the main package imports it when a rule matches.
    pub hooks: String,
    /// The hooks keep no pointer they are given past their return (nor return one), so the
    /// trampolines are declared `//go:noescape` and the hooked function's parameters and results
    /// stay on its stack. Rule files opt in (`noescape: true`); autotel's own are checked by the
    /// compiler's escape analysis in a test.
    pub noescape: bool,
    pub rules: Vec<Rule>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    pub target: Target,
    /// Go releases the rule applies to (meaningful for standard-library targets).
    pub go: VersionRange,
    /// Module versions the rule applies to (meaningful for module targets).
    pub version: VersionRange,
    pub action: Action,
    /// What the rule needs in the target package's source; checked before it is applied.
    pub requires: Requirements,
    /// Rules of one file and target with the same group apply all together or not at all.
    pub group: Option<String>,
    /// Groups (or lone rules) of one file and target naming the same choice are alternatives:
    /// the first, in file order, whose facts hold applies, and the others stay silent.
    pub one_of: Option<String>,
}

/// Facts a rule needs in the source of its target package (the files being compiled). A rule
/// that declares them is also applied outside its tested version ranges when they hold.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Requirements {
    /// Declared type names (including aliases).
    pub types: Vec<String>,
    /// Fields of struct types (an embedded field is named by its type's name).
    pub fields: Vec<FieldRef>,
    /// Declared functions and methods, with the signature they must have when one is given.
    pub functions: Vec<FunctionFact>,
}

impl Requirements {
    pub fn is_empty(&self) -> bool {
        self.types.is_empty() && self.fields.is_empty() && self.functions.is_empty()
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldRef {
    pub type_name: String,
    pub field: String,
}

impl std::fmt::Display for FieldRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.type_name, self.field)
    }
}

/// A function the target package must declare: `name`, `(Recv).name`, optionally followed by its
/// signature as Go writes it (`(fn *funcval, callergp *g) *g`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionFact {
    pub function: FunctionRef,
    /// Parameters and results as written in the rule, `None` when only the name matters.
    pub signature: Option<String>,
}

impl std::fmt::Display for FunctionFact {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}{}", self.function, self.signature.as_deref().unwrap_or(""))
    }
}

/// How a rule relates to the versions a package is built with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applicability {
    /// Inside the tested ranges: applied (its facts, if declared, are still checked).
    Tested,
    /// Newer than they admit, but the rule declares facts: applied when they hold in the source.
    Untested,
    /// Older than they admit, or newer with nothing to check: not applied.
    Refused,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    /// Every main package of the build (the user's commands and generated test mains).
    MainPackages,
    /// The package with this import path.
    Package(String),
}

impl Target {
    pub fn parse(text: &str) -> Target {
        match text {
            "main" => Target::MainPackages,
            path => Target::Package(path.to_string()),
        }
    }

    /// The key the catalogue index uses: the import path, or `main`.
    pub fn key(&self) -> &str {
        match self {
            Target::MainPackages => "main",
            Target::Package(path) => path,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Call hook functions on entry to (and, deferred, on exit from) a function.
    Function(FunctionHook),
    /// Append a field to a struct type.
    StructField(StructField),
    /// Add a Go file to the target package.
    AddFile(AddedFile),
    /// Insert statements at the start of a function.
    Raw(RawCode),
    /// Replace the callee of calls inside a function (call-site wrapping).
    Call(CallSite),
}

/// Names one function or method of the target package.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FunctionRef {
    /// The receiver's type name without `*`, for methods.
    pub receiver: Option<String>,
    pub name: String,
}

impl std::fmt::Display for FunctionRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.receiver {
            Some(recv) => write!(f, "({recv}).{}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionHook {
    pub function: FunctionRef,
    /// Name of the enter hook in the rule file's hooks package.
    pub enter: String,
    /// Name of the exit hook, if any; without one no `defer` is emitted.
    pub exit: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StructField {
    pub type_name: String,
    pub field: String,
    pub field_type: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddedFile {
    /// The path the rule names, relative to the rule file.
    pub path: String,
    pub contents: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawCode {
    pub function: FunctionRef,
    pub code: String,
}

/// Calls to `callee` (as written, e.g. `s.Handler`) inside `function` call `replacement` instead
/// (e.g. `s.autotelServe`, declared by a file rule of the same group), with the same arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallSite {
    pub function: FunctionRef,
    pub callee: String,
    pub replacement: String,
}

impl Rule {
    /// Whether this rule applies to a package built with Go `go_version` whose module is at
    /// `module_version` (`None` for the standard library and for modules without a version,
    /// such as the main module or a directory replacement, where the module range is not checked).
    /// The ranges say what was tested; past their upper bounds a rule applies only when its
    /// declared facts hold (a lower bound is where what a rule needs appeared: below it, never).
    pub fn applies(&self, go_version: &Version, module_version: Option<&Version>) -> Applicability {
        if self.go.contains(go_version) && module_version.is_none_or(|v| self.version.contains(v)) {
            Applicability::Tested
        } else if !self.requires.is_empty()
            && self.go.reaches(go_version)
            && module_version.is_none_or(|v| self.version.reaches(v))
        {
            Applicability::Untested
        } else {
            Applicability::Refused
        }
    }
}
