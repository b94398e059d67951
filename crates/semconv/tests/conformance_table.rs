//! The conformance table (`testdata/semantics/*.json`), which both instrumentation modes' tests
//! hold their spans to, asks only for attributes the registry has: registered, stable, not
//! deprecated, of the right type. A row cannot make both modes agree on a wrong key. A file
//! whose conventions have no stable release yet says so with a top-level `"stability"`, the
//! least its attributes may have: `"development"` (messaging: kafka.json) or
//! `"release_candidate"` (RPC: grpc.json).

use semconv::{Kind, Registry};
use serde_json::Value;
use std::path::Path;

/// Every `attributes` object in `v`, with where it is.
fn attributes<'a>(v: &'a Value, at: String, out: &mut Vec<(String, &'a serde_json::Map<String, Value>)>) {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("attributes", Value::Object(attrs)) => out.push((at.clone(), attrs)),
                    _ => attributes(v, format!("{at}.{k}"), out),
                }
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                attributes(v, format!("{at}[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// development < release_candidate < stable; anything else ranks below them all.
fn stability_rank(stability: &str) -> u8 {
    match stability {
        "stable" => 3,
        "release_candidate" => 2,
        "development" => 1,
        _ => 0,
    }
}

#[test]
fn the_conformance_table_uses_registered_stable_attributes() {
    let registry = Registry::beside_repository().expect("the registry is beside the repository (../shared/semconv)");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/semantics");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 3, "the table's files (sql, http, redis) are in {}", dir.display());
    let mut problems = Vec::new();
    let mut checked = 0;
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let doc: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let least = stability_rank(doc.get("stability").and_then(Value::as_str).unwrap_or("stable"));
        let mut found = Vec::new();
        attributes(&doc, path.file_name().unwrap_or_default().to_string_lossy().into_owned(), &mut found);
        for (at, attrs) in found {
            for (key, value) in attrs {
                checked += 1;
                let kind = match value {
                    Value::String(_) => Kind::String,
                    Value::Number(n) if n.is_i64() => Kind::Int,
                    other => {
                        problems.push(format!("{at}: `{key}` = {other} is neither a string nor an integer"));
                        continue;
                    }
                };
                if let Err(why) = registry.check(key, kind) {
                    problems.push(format!("{at}: {why}"));
                } else if registry.get(key).is_some_and(|a| stability_rank(&a.stability) < least) {
                    problems.push(format!("{at}: `{key}` is not stable enough for the file"));
                }
            }
        }
    }
    assert!(checked > 0, "no attributes in {}", dir.display());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
