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
}

/// Names one function or method of the target package.
#[derive(Clone, Debug, PartialEq, Eq)]
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

impl Rule {
    /// Whether this rule applies to a package built with Go `go_version` whose module is at
    /// `module_version` (`None` for the standard library and for modules without a version,
    /// such as the main module or a directory replacement, where the module range is not checked).
    pub fn applies(&self, go_version: &Version, module_version: Option<&Version>) -> bool {
        self.go.contains(go_version) && module_version.is_none_or(|v| self.version.contains(v))
    }
}
