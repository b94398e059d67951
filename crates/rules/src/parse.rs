//! The rule file schema (YAML) and its conversion into the typed model.
//!
//! The schema structs mirror the file and reject unknown keys; [`parse_rule_file`] turns them into
//! [`RuleFile`] at once, so ranges, targets and rule kinds are typed everywhere else. The same
//! code runs in `build.rs`, which validates the embedded catalogue when autotel is compiled.

use super::model::{
    Action, AddedFile, CallSite, FieldRef, FunctionFact, FunctionHook, FunctionRef, RawCode, Requirements, Rule, RuleFile,
    StructField, Target,
};
use super::version::VersionRange;
use serde::Deserialize;
use std::fmt;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSchema {
    instrumentation: String,
    hooks: String,
    #[serde(default)]
    noescape: bool,
    rules: Vec<RuleSchema>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleSchema {
    target: String,
    go: Option<String>,
    version: Option<String>,
    function: Option<FunctionSchema>,
    struct_field: Option<StructFieldSchema>,
    file: Option<String>,
    raw: Option<RawSchema>,
    call: Option<CallSchema>,
    #[serde(default)]
    requires: RequiresSchema,
    group: Option<String>,
    one_of: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RequiresSchema {
    #[serde(default)]
    types: Vec<String>,
    #[serde(default)]
    fields: Vec<String>,
    #[serde(default)]
    functions: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FunctionSchema {
    receiver: Option<String>,
    name: String,
    enter: String,
    exit: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StructFieldSchema {
    #[serde(rename = "type")]
    type_name: String,
    name: String,
    field_type: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSchema {
    receiver: Option<String>,
    function: String,
    code: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CallSchema {
    receiver: Option<String>,
    function: String,
    callee: String,
    with: String,
}

/// A rule file that cannot be used, with the place that is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleError {
    pub source: String,
    /// 1-based line and column, when the YAML parser knows them.
    pub location: Option<(usize, usize)>,
    /// Which rule, when the problem is in one (`rules[2]`).
    pub rule: Option<usize>,
    pub message: String,
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.source)?;
        if let Some((line, column)) = self.location {
            write!(f, ":{line}:{column}")?;
        }
        if let Some(rule) = self.rule {
            write!(f, ": rules[{rule}]")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for RuleError {}

/// Parses one rule file. `read_added` loads the Go file a `file:` rule names (relative to the
/// rule file) or says why it cannot.
pub fn parse_rule_file(
    source: &str,
    text: &str,
    read_added: &dyn Fn(&str) -> Result<String, String>,
) -> Result<RuleFile, RuleError> {
    let error = |rule: Option<usize>, message: String| RuleError {
        source: source.to_string(),
        location: None,
        rule,
        message,
    };
    let schema: FileSchema = serde_yaml::from_str(text).map_err(|e| RuleError {
        source: source.to_string(),
        location: e.location().map(|l| (l.line(), l.column())),
        rule: None,
        message: e.to_string().split(" at line ").next().unwrap_or_default().to_string(),
    })?;
    if schema.instrumentation.trim().is_empty() {
        return Err(error(None, "`instrumentation` must name the library".into()));
    }
    if !is_import_path(&schema.hooks) {
        return Err(error(None, format!("`hooks` must be a Go import path, not `{}`", schema.hooks)));
    }
    if schema.rules.is_empty() {
        return Err(error(None, "`rules` is empty".into()));
    }
    let mut rules = Vec::with_capacity(schema.rules.len());
    for (index, rule) in schema.rules.into_iter().enumerate() {
        let at = |message: String| error(Some(index), message);
        if !is_import_path(&rule.target) {
            return Err(at(format!("`target` must be an import path or `main`, not `{}`", rule.target)));
        }
        let range = |text: Option<String>| match text {
            Some(text) => VersionRange::parse(&text).map_err(&at),
            None => Ok(VersionRange::any()),
        };
        let go = range(rule.go)?;
        let version = range(rule.version)?;
        let mut actions = Vec::new();
        if let Some(f) = rule.function {
            check_identifier(&f.name, "function.name").map_err(&at)?;
            check_identifier(&f.enter, "function.enter").map_err(&at)?;
            if let Some(exit) = &f.exit {
                check_identifier(exit, "function.exit").map_err(&at)?;
            }
            actions.push(Action::Function(FunctionHook {
                function: function_ref(f.receiver, f.name).map_err(&at)?,
                enter: f.enter,
                exit: f.exit,
            }));
        }
        if let Some(s) = rule.struct_field {
            check_identifier(&s.type_name, "struct_field.type").map_err(&at)?;
            check_identifier(&s.name, "struct_field.name").map_err(&at)?;
            actions.push(Action::StructField(StructField {
                type_name: s.type_name,
                field: s.name,
                field_type: s.field_type,
            }));
        }
        if let Some(path) = rule.file {
            if !path.ends_with(".go") {
                return Err(at(format!("`file` must name a .go file, not `{path}`")));
            }
            let contents = read_added(&path).map_err(|e| at(format!("file `{path}`: {e}")))?;
            actions.push(Action::AddFile(AddedFile { path, contents }));
        }
        if let Some(r) = rule.raw {
            actions.push(Action::Raw(RawCode {
                function: function_ref(r.receiver, r.function).map_err(&at)?,
                code: r.code,
            }));
        }
        if let Some(c) = rule.call {
            for (key, expr) in [("call.callee", &c.callee), ("call.with", &c.with)] {
                if expr.is_empty() || !expr.split('.').all(|part| check_identifier(part, key).is_ok()) {
                    return Err(at(format!("`{key}` must be a name or a selector such as `s.Handler`, not `{expr}`")));
                }
            }
            actions.push(Action::Call(CallSite {
                function: function_ref(c.receiver, c.function).map_err(&at)?,
                callee: c.callee,
                replacement: c.with,
            }));
        }
        let action = match actions.len() {
            1 => actions.pop().expect("one action"),
            0 => return Err(at("a rule needs one of `function`, `struct_field`, `file`, `raw` or `call`".into())),
            _ => return Err(at("a rule takes only one of `function`, `struct_field`, `file`, `raw` or `call`".into())),
        };
        let requires = requirements(rule.requires).map_err(&at)?;
        for (key, name) in [("group", &rule.group), ("one_of", &rule.one_of)] {
            if let Some(name) = name {
                check_identifier(name, key).map_err(&at)?;
            }
        }
        rules.push(Rule {
            target: Target::parse(&rule.target),
            go,
            version,
            action,
            requires,
            group: rule.group,
            one_of: rule.one_of,
        });
    }
    Ok(RuleFile {
        source: source.to_string(),
        instrumentation: schema.instrumentation,
        hooks: schema.hooks,
        noescape: schema.noescape,
        rules,
    })
}

fn requirements(schema: RequiresSchema) -> Result<Requirements, String> {
    for name in &schema.types {
        check_identifier(name, "requires.types")?;
    }
    let fields = schema
        .fields
        .iter()
        .map(|text| {
            let (type_name, field) = text
                .split_once('.')
                .ok_or_else(|| format!("`requires.fields` entries are `Type.field`, not `{text}`"))?;
            check_identifier(type_name, "requires.fields type")?;
            check_identifier(field, "requires.fields field")?;
            Ok(FieldRef { type_name: type_name.into(), field: field.into() })
        })
        .collect::<Result<_, String>>()?;
    let functions = schema.functions.iter().map(|text| function_fact(text)).collect::<Result<_, String>>()?;
    Ok(Requirements { types: schema.types, fields, functions })
}

/// `name`, `(Recv).name` or `(*Recv).name`, then optionally the signature from its `(`.
fn function_fact(text: &str) -> Result<FunctionFact, String> {
    let bad = || format!("`requires.functions` entries are `name` or `(Recv).name`, then optionally `(params) results`, not `{text}`");
    let text = text.trim();
    let (receiver, rest) = match text.strip_prefix('(') {
        Some(rest) => {
            let (receiver, rest) = rest.split_once(").").ok_or_else(bad)?;
            (Some(receiver.trim().to_string()), rest)
        }
        None => (None, text),
    };
    let end = rest.find('(').unwrap_or(rest.len());
    let (name, signature) = rest.split_at(end);
    let function = function_ref(receiver, name.trim().to_string()).map_err(|_| bad())?;
    let signature = signature.trim();
    Ok(FunctionFact { function, signature: (!signature.is_empty()).then(|| signature.to_string()) })
}

fn function_ref(receiver: Option<String>, name: String) -> Result<FunctionRef, String> {
    check_identifier(&name, "function name")?;
    let receiver = match receiver {
        Some(r) => {
            let r = r.trim_start_matches('*').to_string();
            check_identifier(&r, "receiver")?;
            Some(r)
        }
        None => None,
    };
    Ok(FunctionRef { receiver, name })
}

fn check_identifier(text: &str, what: &str) -> Result<(), String> {
    let mut chars = text.chars();
    let ok = chars.next().is_some_and(|c| c == '_' || c.is_alphabetic())
        && chars.all(|c| c == '_' || c.is_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(format!("`{what}` must be a Go identifier, not `{text}`"))
    }
}

fn is_import_path(text: &str) -> bool {
    !text.is_empty()
        && !text.starts_with('/')
        && !text.ends_with('/')
        && text.chars().all(|c| c.is_alphanumeric() || "._-~/".contains(c))
}
