//! What a package declares, read off its source: type names, the fields of its struct types, and
//! its functions and methods with their signatures. A rule's facts (`requires`, and what its
//! action needs: the function it hooks, the struct it extends) are checked against these before
//! the rule is applied, so a library or Go release that changed them is built without the rule
//! instead of failing to compile (design.md §1.10).
//!
//! Syntax only, like the rest of this crate: types are compared as written, without spaces, and
//! with `interface{}` read as `any` (the same type since Go 1.18; libraries switch spelling
//! between releases without changing a signature).

use crate::signature::text;
use crate::FunctionRefOf;
use rules::{Action, FunctionFact, FunctionRef, Rule};
use std::collections::{HashMap, HashSet};
use tree_sitter::{Node, Parser};

/// Parameters and results of one function, as written (types without spaces).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Shape {
    /// `(name, type)`; the name is `None` for unnamed parameters, the type of a variadic
    /// parameter starts with `...`.
    params: Vec<(Option<String>, String)>,
    results: Vec<String>,
}

impl Shape {
    fn of(decl: Node, source: &str) -> Shape {
        let mut params = Vec::new();
        if let Some(list) = decl.child_by_field_name("parameters") {
            for p in list.named_children(&mut list.walk()) {
                let Some(ty) = p.child_by_field_name("type") else { continue };
                let ty = squeeze(text(ty, source));
                let ty = if p.kind() == "variadic_parameter_declaration" { format!("...{ty}") } else { ty };
                let names: Vec<String> =
                    p.children_by_field_name("name", &mut p.walk()).map(|n| text(n, source).to_string()).collect();
                if names.is_empty() {
                    params.push((None, ty));
                } else {
                    params.extend(names.into_iter().map(|n| (Some(n), ty.clone())));
                }
            }
        }
        let results = match decl.child_by_field_name("result") {
            None => Vec::new(),
            Some(list) if list.kind() == "parameter_list" => list
                .named_children(&mut list.walk())
                .filter_map(|p| {
                    let ty = squeeze(text(p.child_by_field_name("type")?, source));
                    let count = p.children_by_field_name("name", &mut p.walk()).count().max(1);
                    Some(std::iter::repeat_n(ty, count))
                })
                .flatten()
                .collect(),
            Some(single) => vec![squeeze(text(single, source))],
        };
        Shape { params, results }
    }

    /// Whether `self` (from the source) has the shape `wanted` (from a rule): the same types, and
    /// the same names wherever the rule names a parameter.
    fn matches(&self, wanted: &Shape) -> bool {
        self.results == wanted.results
            && self.params.len() == wanted.params.len()
            && self.params.iter().zip(&wanted.params).all(|((name, ty), (want_name, want_ty))| {
                ty == want_ty && want_name.as_ref().is_none_or(|w| name.as_ref() == Some(w))
            })
    }
}

impl std::fmt::Display for Shape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let params: Vec<String> = self
            .params
            .iter()
            .map(|(name, ty)| name.as_ref().map_or_else(|| ty.clone(), |n| format!("{n} {ty}")))
            .collect();
        write!(f, "({})", params.join(", "))?;
        match self.results.len() {
            0 => Ok(()),
            1 => write!(f, " {}", self.results[0]),
            _ => write!(f, " ({})", self.results.join(", ")),
        }
    }
}

/// A type as written, without spaces and with `interface{}` spelled `any`.
fn squeeze(text: &str) -> String {
    let squeezed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    squeezed.replace("interface{}", "any")
}

struct Declared {
    shape: Shape,
    has_body: bool,
}

/// The declarations of one package (all the files of one compile).
#[derive(Default)]
pub struct PackageFacts {
    types: HashSet<String>,
    /// Field names of each struct type; an embedded field is named by its type's name.
    struct_fields: HashMap<String, HashSet<String>>,
    functions: HashMap<FunctionRef, Declared>,
}

fn parser() -> Parser {
    let mut parser = Parser::new();
    parser.set_language(&tree_sitter_go::LANGUAGE.into()).expect("tree-sitter-go matches the tree-sitter version");
    parser
}

impl PackageFacts {
    /// Reads the declarations of every file in `sources`. A file tree-sitter cannot parse adds
    /// what it can; the compiler will report real syntax errors itself.
    pub fn collect<'s>(sources: impl IntoIterator<Item = &'s str>) -> PackageFacts {
        let mut parser = parser();
        let mut facts = PackageFacts::default();
        for source in sources {
            let Some(tree) = parser.parse(source, None) else { continue };
            let root = tree.root_node();
            for decl in root.named_children(&mut root.walk()) {
                match decl.kind() {
                    "function_declaration" | "method_declaration" => {
                        if let Some(function) = FunctionRef::of(decl, source) {
                            let declared = Declared {
                                shape: Shape::of(decl, source),
                                has_body: decl.child_by_field_name("body").is_some(),
                            };
                            facts.functions.insert(function, declared);
                        }
                    }
                    "type_declaration" => {
                        for spec in decl.named_children(&mut decl.walk()) {
                            facts.add_type(spec, source);
                        }
                    }
                    _ => {}
                }
            }
        }
        facts
    }

    fn add_type(&mut self, spec: Node, source: &str) {
        let Some(name) = spec.child_by_field_name("name") else { return };
        let name = text(name, source).to_string();
        let ty = spec.child_by_field_name("type");
        if let Some(list) = ty.filter(|t| t.kind() == "struct_type").and_then(|t| t.named_child(0)) {
            let mut fields = HashSet::new();
            for field in list.named_children(&mut list.walk()).filter(|f| f.kind() == "field_declaration") {
                let names: Vec<Node> = field.children_by_field_name("name", &mut field.walk()).collect();
                if names.is_empty() {
                    // Embedded: `T`, `*T`, `pkg.T`, `*pkg.T`, `T[P]` are all named T.
                    if let Some(ty) = field.child_by_field_name("type") {
                        let written = text(ty, source).trim_start_matches('*');
                        let written = written.split('[').next().unwrap_or(written);
                        fields.insert(written.rsplit('.').next().unwrap_or(written).trim().to_string());
                    }
                }
                fields.extend(names.into_iter().map(|n| text(n, source).to_string()));
            }
            self.struct_fields.insert(name.clone(), fields);
        }
        self.types.insert(name);
    }

    /// What `rule` needs and this package lacks, one description each (empty: the rule applies).
    /// Beyond its `requires`, a function, raw or call rule needs its function with a body, and a
    /// struct-field rule its struct type.
    pub fn missing_for(&self, rule: &Rule) -> Vec<String> {
        let mut missing = Vec::new();
        match &rule.action {
            Action::Function(hook) => self.need_body(&hook.function, &mut missing),
            Action::Raw(raw) => self.need_body(&raw.function, &mut missing),
            Action::Call(call) => self.need_body(&call.function, &mut missing),
            Action::StructField(field) if !self.struct_fields.contains_key(&field.type_name) => {
                missing.push(format!("struct type {}", field.type_name));
            }
            Action::StructField(_) | Action::AddFile(_) => {}
        }
        let requires = &rule.requires;
        missing.extend(requires.types.iter().filter(|t| !self.types.contains(*t)).map(|t| format!("type {t}")));
        for field in &requires.fields {
            if !self.struct_fields.get(&field.type_name).is_some_and(|f| f.contains(&field.field)) {
                missing.push(format!("field {field}"));
            }
        }
        for fact in &requires.functions {
            if let Some(problem) = self.function_problem(fact) {
                missing.push(problem);
            }
        }
        missing
    }

    fn need_body(&self, function: &FunctionRef, missing: &mut Vec<String>) {
        match self.functions.get(function) {
            Some(d) if d.has_body => {}
            Some(_) => missing.push(format!("a Go body for {function}")),
            None => missing.push(format!("function {function}")),
        }
    }

    fn function_problem(&self, fact: &FunctionFact) -> Option<String> {
        let Some(declared) = self.functions.get(&fact.function) else {
            return Some(format!("function {}", fact.function));
        };
        let wanted = match signature_shape(fact.signature.as_ref()?) {
            Ok(wanted) => wanted,
            Err(e) => return Some(format!("{} with a valid signature: {e}", fact.function)),
        };
        (!declared.shape.matches(&wanted))
            .then(|| format!("{fact} (it is {}{})", fact.function, declared.shape))
    }
}

/// Parses the signature part of a `requires.functions` entry (`(params) results`).
fn signature_shape(signature: &str) -> Result<Shape, String> {
    let source = format!("package p\nfunc f{signature} {{}}\n");
    let tree = parser().parse(&source, None).ok_or("the parser gave up")?;
    let root = tree.root_node();
    let decl = root
        .named_children(&mut root.walk())
        .find(|n| n.kind() == "function_declaration")
        .filter(|_| !root.has_error())
        .ok_or_else(|| format!("`{signature}` is not a Go signature `(params) results`"))?;
    Ok(Shape::of(decl, &source))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rules::{parse_rule_file, Catalogue};

    const RUNTIME: &str = "package runtime\n\
        type g struct { m *m; goid uint64; _panic *_panic }\n\
        type m struct { curg *g }\n\
        type waitReason uint8\n\
        type Alias = g\n\
        func getg() *g\n\
        func newproc1(fn *funcval, callergp *g, callerpc uintptr, parked bool, waitreason waitReason) *g { return nil }\n\
        func gdestroy(gp *g) {}\n\
        func record(c *conn, v interface{}, rest ...interface {}) (reply interface{}, err error) { return nil, nil }\n\
        func (c *conn) hijacked() bool { return false }\n\
        type http2ResponseWriter struct { *http2.ResponseWriter }\n";

    fn rule(yaml_rule: &str) -> Rule {
        let text = format!("instrumentation: t\nhooks: a.b/c\nrules:\n  - target: runtime\n{yaml_rule}");
        parse_rule_file("t.yaml", &text, &|_| Ok("package runtime\n".into())).unwrap().rules.remove(0)
    }

    fn missing(yaml_rule: &str) -> Vec<String> {
        PackageFacts::collect([RUNTIME]).missing_for(&rule(yaml_rule))
    }

    #[test]
    fn declared_facts_hold() {
        let all = "    file: files/x.go\n    requires:\n      types: [g, Alias, waitReason]\n      fields: [g.goid, m.curg, http2ResponseWriter.ResponseWriter]\n      functions:\n        - getg() *g\n        - newproc1(fn *funcval, callergp *g, callerpc uintptr, parked bool, waitreason waitReason) *g\n        - newproc1(*funcval, *g, uintptr, bool, waitReason) *g\n        - (*conn).hijacked() bool\n        - gdestroy\n        - record(*conn, any, ...any) (any, error)\n        - record(c *conn, v interface{}, rest ...interface{}) (interface{}, error)\n";
        assert_eq!(missing(all), Vec::<String>::new());
        assert_eq!(missing("    struct_field: {type: g, name: x, field_type: int}\n"), Vec::<String>::new());
        assert_eq!(missing("    raw: {function: gdestroy, code: \"gp.x = nil\"}\n"), Vec::<String>::new());
    }

    #[test]
    fn missing_facts_are_named() {
        assert_eq!(
            missing("    file: files/x.go\n    requires:\n      types: [gobuf]\n      fields: [g.labels, m.nope, waitReason.x]\n"),
            ["type gobuf", "field g.labels", "field m.nope", "field waitReason.x"]
        );
        assert_eq!(
            missing("    file: files/x.go\n    requires: {functions: [\"newproc1(fn *funcval, callergp *g, callerpc uintptr) *g\", \"newproc\", \"gdestroy(g *g)\"]}\n"),
            [
                "newproc1(fn *funcval, callergp *g, callerpc uintptr) *g (it is newproc1(fn *funcval, callergp *g, callerpc uintptr, parked bool, waitreason waitReason) *g)",
                "function newproc",
                "gdestroy(g *g) (it is gdestroy(gp *g))",
            ]
        );
        assert_eq!(missing("    raw: {function: getg, code: \"x\"}\n"), ["a Go body for getg"]);
        assert_eq!(missing("    function: {receiver: conn, name: close, enter: e}\n"), ["function (conn).close"]);
        assert_eq!(missing("    struct_field: {type: waitReason, name: x, field_type: int}\n"), ["struct type waitReason"]);
    }

    #[test]
    fn every_embedded_signature_parses() {
        let catalogue = Catalogue::embedded();
        for id in catalogue.all_files() {
            let file = catalogue.file(id);
            for fact in file.rules.iter().flat_map(|r| &r.requires.functions) {
                if let Some(signature) = &fact.signature {
                    signature_shape(signature).unwrap_or_else(|e| panic!("{}: {}: {e}", file.source, fact.function));
                }
            }
        }
    }
}
