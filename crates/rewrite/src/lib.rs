//! Go source rewriting for autotel.
//!
//! Given one Go file of a target package and what to weave into that package (a [`Weave`]: hook
//! calls, struct fields, raw statements), [`rewrite_file`] returns the edited text. It parses with
//! tree-sitter-go (syntax only, no types), collects byte-range edits and applies them back to
//! front; no line of the original moves, and `//line`/`/*line*/` directives keep every original
//! position (see `edits.rs`). The trampoline shape it emits is the hook contract written in
//! ARCHITECTURE.md.
//!
//! This crate does no I/O and knows nothing of the go command or of rule files on disk.

mod edits;
mod facts;
mod signature;

use edits::Edits;
pub use facts::PackageFacts;
use rules::{CallSite, FunctionRef, RawCode, StructField};
use signature::{text, Signature};
use std::fmt::{self, Write as _};
use tree_sitter::{Node, Parser};

/// A function hook, with the linker symbols of its hook functions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hook {
    pub function: FunctionRef,
    /// `importpath.name` of the enter hook.
    pub enter_symbol: String,
    /// `importpath.name` of the exit hook, if any.
    pub exit_symbol: Option<String>,
    /// Declare the trampolines `//go:noescape`: the hook functions keep no pointer they are given
    /// (see `RuleFile::noescape`), so the hooked function's variables need not move to the heap.
    pub noescape: bool,
}

/// Everything to weave into one package. Each item applies to whichever of the package's files
/// declares its target; [`Applied`] tells which items found theirs.
#[derive(Clone, Debug, Default)]
pub struct Weave {
    pub hooks: Vec<Hook>,
    pub raw: Vec<RawCode>,
    pub fields: Vec<StructField>,
    pub calls: Vec<CallSite>,
}

/// Which items of a [`Weave`] found their target, indexed like the weave's lists.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Applied {
    pub hooks: Vec<bool>,
    pub raw: Vec<bool>,
    pub fields: Vec<bool>,
    /// A call site is applied when its function has at least one call of its callee.
    pub calls: Vec<bool>,
}

impl Applied {
    pub fn new(weave: &Weave) -> Applied {
        Applied {
            hooks: vec![false; weave.hooks.len()],
            raw: vec![false; weave.raw.len()],
            fields: vec![false; weave.fields.len()],
            calls: vec![false; weave.calls.len()],
        }
    }
}

/// The result of rewriting one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rewritten {
    pub text: String,
    /// The file now declares functions without bodies (the trampolines), so the package must be
    /// compiled without `-complete`.
    pub has_bodyless_functions: bool,
}

/// A file autotel cannot rewrite.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RewriteError {
    pub file: String,
    pub function: Option<String>,
    pub message: String,
}

impl fmt::Display for RewriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.function {
            Some(function) => write!(f, "{}: {}: {}", self.file, function, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for RewriteError {}

/// Rewrites `source` (the file the compiler would read as `path`). Returns `Ok(None)` when
/// nothing of `weave` is declared in this file. `next_id` numbers trampolines across the files of
/// one package so their names never collide.
pub fn rewrite_file(
    path: &str,
    source: &str,
    weave: &Weave,
    next_id: &mut u32,
    applied: &mut Applied,
) -> Result<Option<Rewritten>, RewriteError> {
    let error = |function: Option<String>, message: String| RewriteError { file: path.to_string(), function, message };
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_go::LANGUAGE.into())
        .map_err(|e| error(None, format!("tree-sitter-go: {e}")))?;
    let tree = parser.parse(source, None).ok_or_else(|| error(None, "the parser gave up".into()))?;
    let root = tree.root_node();

    let mut edits = Edits::new(path, source);
    let mut declarations = String::new();
    let mut uses_unsafe = false;
    let mut cursor = root.walk();
    for decl in root.named_children(&mut cursor) {
        match decl.kind() {
            "function_declaration" | "method_declaration" => {
                let Some(found) = FunctionRef::of(decl, source) else { continue };
                let Some(body) = decl.child_by_field_name("body") else { continue };
                let hook = weave.hooks.iter().position(|h| h.function == found);
                let raws: Vec<usize> =
                    (0..weave.raw.len()).filter(|&i| weave.raw[i].function == found).collect();
                for (i, call) in weave.calls.iter().enumerate().filter(|(_, c)| c.function == found) {
                    applied.calls[i] |= replace_callees(body, source, call, &mut edits);
                }
                if hook.is_none() && raws.is_empty() {
                    continue;
                }
                // Hooks take the addresses of every variable; raw code may name unnamed ones
                // as `__autotel_pN` / `__autotel_rN` (for example to read a result in a defer).
                let needs_names = hook.is_some() || raws.iter().any(|&i| weave.raw[i].code.contains("__autotel_"));
                let signature = if needs_names {
                    Some(signature::read_and_name(decl, source, &mut edits).map_err(|m| error(Some(found.to_string()), m))?)
                } else {
                    None
                };
                let mut prologue = String::new();
                for &i in &raws {
                    applied.raw[i] = true;
                    let code = qualify_unsafe(&weave.raw[i].code);
                    uses_unsafe |= code != weave.raw[i].code;
                    prologue.push_str(&code);
                    prologue.push(';');
                }
                if let (Some(i), Some(signature)) = (hook, &signature) {
                    applied.hooks[i] = true;
                    let id = *next_id;
                    *next_id += 1;
                    prologue.push_str(&hook_call(&weave.hooks[i], signature, id));
                    declarations.push_str(&trampolines(&weave.hooks[i], signature, id));
                    uses_unsafe = true;
                }
                // After the `{` of the body.
                edits.insert(body.start_byte() + 1, &format!(" {prologue}"));
            }
            "type_declaration" => {
                let mut specs = decl.walk();
                for spec in decl.named_children(&mut specs).filter(|n| n.kind() == "type_spec") {
                    let (Some(name), Some(ty)) = (spec.child_by_field_name("name"), spec.child_by_field_name("type"))
                    else {
                        continue;
                    };
                    if ty.kind() != "struct_type" {
                        continue;
                    }
                    let name = text(name, source);
                    let Some(list) = ty.named_child(0).filter(|n| n.kind() == "field_declaration_list") else {
                        continue;
                    };
                    let mut added = String::new();
                    for (i, field) in weave.fields.iter().enumerate().filter(|(_, f)| f.type_name == name) {
                        applied.fields[i] = true;
                        let field_type = qualify_unsafe(&field.field_type);
                        uses_unsafe |= field_type != field.field_type;
                        write!(added, " {} {field_type};", field.field).unwrap();
                    }
                    if !added.is_empty() {
                        // Before the closing brace. The last field needs a `;` only when it
                        // shares that line and has none (a newline ends it by itself).
                        let close = list.end_byte() - 1;
                        let before = source[..close].trim_end_matches([' ', '\t']);
                        let separator = if before.ends_with(['{', ';', '\n']) { "" } else { ";" };
                        edits.insert(close, &format!("{separator}{added} "));
                    }
                }
            }
            _ => {}
        }
    }
    if edits.is_empty() {
        return Ok(None);
    }
    if uses_unsafe {
        let package = root
            .named_children(&mut root.walk())
            .find(|n| n.kind() == "package_clause")
            .ok_or_else(|| error(None, "no package clause".into()))?;
        edits.insert(package.end_byte(), "; import __autotel_unsafe \"unsafe\"");
    }
    let has_bodyless_functions = !declarations.is_empty();
    if has_bodyless_functions {
        edits.append_generated(&declarations);
    }
    Ok(Some(Rewritten { text: edits.apply(), has_bodyless_functions }))
}

/// Replaces the callee of every call of `call.callee` (compared as written, without spaces) in
/// `body` by `call.replacement`; reports whether there was one. Calls inside function literals
/// count too: they are in the function's text.
fn replace_callees(body: Node, source: &str, call: &CallSite, edits: &mut Edits) -> bool {
    let mut found = false;
    let mut stack = vec![body];
    while let Some(node) = stack.pop() {
        if node.kind() == "call_expression" {
            if let Some(callee) = node.child_by_field_name("function") {
                let written: String = text(callee, source).chars().filter(|c| !c.is_whitespace()).collect();
                if written == call.callee {
                    edits.replace(callee.start_byte(), callee.end_byte(), &call.replacement);
                    found = true;
                }
            }
        }
        stack.extend(node.named_children(&mut node.walk()));
    }
    found
}

/// Rule text names package unsafe as `unsafe.`; the rewritten file imports it as
/// `__autotel_unsafe`, which cannot clash with the file's own imports.
fn qualify_unsafe(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(at) = rest.find("unsafe.") {
        let word_start = rest[..at].chars().next_back().is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        out.push_str(&rest[..at]);
        out.push_str(if word_start { "__autotel_unsafe." } else { "unsafe." });
        rest = &rest[at + "unsafe.".len()..];
    }
    out.push_str(rest);
    out
}

trait FunctionRefOf: Sized {
    fn of(decl: Node, source: &str) -> Option<Self>;
}

impl FunctionRefOf for FunctionRef {
    /// The name and receiver type name (without `*` or type arguments) a declaration declares.
    fn of(decl: Node, source: &str) -> Option<FunctionRef> {
        let name = text(decl.child_by_field_name("name")?, source).to_string();
        let receiver = match decl.child_by_field_name("receiver") {
            None => None,
            Some(list) => {
                let param = list.named_children(&mut list.walk()).find(|n| n.kind() == "parameter_declaration")?;
                let mut ty = param.child_by_field_name("type")?;
                while matches!(ty.kind(), "pointer_type" | "parenthesized_type" | "generic_type") {
                    ty = ty.named_child(0)?;
                }
                Some(text(ty, source).to_string())
            }
        };
        Some(FunctionRef { receiver, name })
    }
}

/// The one-line prologue calling the enter trampoline and deferring the exit trampoline.
///
/// With `noescape` trampolines the variables whose addresses the hooks get stay on the stack, but
/// what they point to must still be treated as escaping (a hook may keep `*p`, say a request, in
/// its state): a branch that never runs stores the variables' values in a package variable, which
/// the compiler's escape analysis, blind to the branch never being taken, sees as a leak to the
/// heap (the trick of the runtime's `internal/abi.Escape`). It spells `interface{}`, which no
/// parameter or package declaration can shadow, where `any` could be.
fn hook_call(hook: &Hook, sig: &Signature, id: u32) -> String {
    let args = sig.receiver.iter().chain(&sig.params).map(|v| format!("&{}", v.name)).collect::<Vec<_>>().join(", ");
    let values = escaped_values(hook, sig);
    let escape = if values.is_empty() {
        String::new()
    } else {
        format!("if __autotel_escape_{id}.on {{ __autotel_escape_{id}.sink = [...]interface{{}}{{{}}} }}; ", values.join(", "))
    };
    match &hook.exit_symbol {
        None => format!("{escape}if _, __autotel_skip := __autotel_enter_{id}({args}); __autotel_skip {{ return }};"),
        Some(_) => {
            let results: String = sig.results.iter().map(|v| format!(", &{}", v.name)).collect();
            format!(
                "{escape}if __autotel_st, __autotel_skip := __autotel_enter_{id}({args}); __autotel_st != nil {{ \
                 defer __autotel_exit_{id}(__autotel_st{results}); if __autotel_skip {{ return }} }} \
                 else if __autotel_skip {{ return }};"
            )
        }
    }
}

/// The variables whose addresses a `noescape` hook's trampolines get (none otherwise).
fn escaped_values<'a>(hook: &Hook, sig: &'a Signature) -> Vec<&'a str> {
    if !hook.noescape {
        return Vec::new();
    }
    let results = if hook.exit_symbol.is_some() { &sig.results[..] } else { &[] };
    sig.receiver.iter().chain(&sig.params).chain(results).map(|v| v.name.as_str()).collect()
}

/// The body-less declarations of the trampolines, pulled from the hooks package by linkname.
fn trampolines(hook: &Hook, sig: &Signature, id: u32) -> String {
    let pointers = |vars: &mut dyn Iterator<Item = &signature::Var>| {
        vars.map(|v| format!("*{}", v.type_text)).collect::<Vec<_>>()
    };
    let params = pointers(&mut sig.receiver.iter().chain(&sig.params)).join(", ");
    let noescape = if hook.noescape { "//go:noescape\n" } else { "" };
    let mut out = String::new();
    if !escaped_values(hook, sig).is_empty() {
        // `on` is never set: see hook_call.
        writeln!(out, "var __autotel_escape_{id} struct {{ on bool; sink interface{{}} }}").unwrap();
    }
    write!(out, "{noescape}").unwrap();
    writeln!(out, "//go:linkname __autotel_enter_{id} {}", hook.enter_symbol).unwrap();
    writeln!(out, "func __autotel_enter_{id}({params}) (__autotel_unsafe.Pointer, bool)").unwrap();
    if let Some(exit) = &hook.exit_symbol {
        let results: String = pointers(&mut sig.results.iter()).iter().map(|r| format!(", {r}")).collect();
        write!(out, "{noescape}").unwrap();
        writeln!(out, "//go:linkname __autotel_exit_{id} {exit}").unwrap();
        writeln!(out, "func __autotel_exit_{id}(__autotel_unsafe.Pointer{results})").unwrap();
    }
    out
}
