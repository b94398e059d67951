//! Reading a function's receiver, parameters and results off the tree-sitter-go syntax tree, and
//! naming the ones that have no usable name (unnamed or `_`) so their addresses can be taken.

use crate::edits::Edits;
use tree_sitter::Node;

/// One receiver, parameter or result variable after naming.
pub(crate) struct Var {
    pub name: String,
    /// The type as written; `...T` already turned into `[]T`.
    pub type_text: String,
}

pub(crate) struct Signature {
    pub receiver: Option<Var>,
    pub params: Vec<Var>,
    pub results: Vec<Var>,
}

/// The text of `node`.
pub(crate) fn text<'s>(node: Node, source: &'s str) -> &'s str {
    &source[node.byte_range()]
}

/// Reads the signature of a `function_declaration` or `method_declaration`, recording in `edits`
/// the names it gives to unnamed and blank variables (`__autotel_recv`, `__autotel_p0`,
/// `__autotel_r0`, …).
pub(crate) fn read_and_name(decl: Node, source: &str, edits: &mut Edits) -> Result<Signature, String> {
    if decl.child_by_field_name("type_parameters").is_some() {
        return Err("generic functions cannot be hooked".into());
    }
    let receiver = match decl.child_by_field_name("receiver") {
        Some(list) => {
            let mut vars = name_list(list, source, "__autotel_recv", edits)?;
            if vars.len() != 1 {
                return Err("a method must have exactly one receiver".into());
            }
            let recv = vars.remove(0);
            if recv.type_text.contains('[') {
                return Err("methods of generic types cannot be hooked".into());
            }
            Some(recv)
        }
        None => None,
    };
    let params = match decl.child_by_field_name("parameters") {
        Some(list) => name_list(list, source, "__autotel_p", edits)?,
        None => Vec::new(),
    };
    let results = match decl.child_by_field_name("result") {
        None => Vec::new(),
        Some(list) if list.kind() == "parameter_list" => name_list(list, source, "__autotel_r", edits)?,
        Some(single) => {
            // `func f() error` becomes `func f() (__autotel_r0 error)`.
            let type_text = text(single, source).to_string();
            edits.replace(single.start_byte(), single.end_byte(), &format!("(__autotel_r0 {type_text})"));
            vec![Var { name: "__autotel_r0".into(), type_text }]
        }
    };
    Ok(Signature { receiver, params, results })
}

/// Names every variable of a parameter list. `prefix` is `__autotel_p` (numbered) or the exact
/// receiver name `__autotel_recv`.
fn name_list(list: Node, source: &str, prefix: &str, edits: &mut Edits) -> Result<Vec<Var>, String> {
    let mut vars = Vec::new();
    let mut cursor = list.walk();
    for decl in list.named_children(&mut cursor) {
        let variadic = match decl.kind() {
            "parameter_declaration" => false,
            "variadic_parameter_declaration" => true,
            "comment" => continue,
            other => return Err(format!("unexpected `{other}` in a parameter list")),
        };
        let type_node = decl.child_by_field_name("type").ok_or("a parameter without a type")?;
        let type_text = text(type_node, source);
        let type_text = if variadic { format!("[]{type_text}") } else { type_text.to_string() };
        let mut name_cursor = decl.walk();
        let names: Vec<Node> = decl.children_by_field_name("name", &mut name_cursor).collect();
        let fresh = |index: usize| {
            if prefix == "__autotel_recv" {
                prefix.to_string()
            } else {
                format!("{prefix}{index}")
            }
        };
        if names.is_empty() {
            let name = fresh(vars.len());
            // Insert before the type (or before `...` of a variadic parameter).
            edits.insert(decl.start_byte(), &format!("{name} "));
            vars.push(Var { name, type_text });
            continue;
        }
        for name_node in names {
            let name = match text(name_node, source) {
                "_" => {
                    let name = fresh(vars.len());
                    edits.replace(name_node.start_byte(), name_node.end_byte(), &name);
                    name
                }
                given => given.to_string(),
            };
            vars.push(Var { name, type_text: type_text.clone() });
        }
    }
    Ok(vars)
}
