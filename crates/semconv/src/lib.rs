//! The OpenTelemetry semantic-conventions registry, loaded from its YAML model, so tests can check
//! that every attribute autotel emits is registered, not deprecated, and of the right type.
//!
//! The registry lives outside the repository (`../shared/semconv/model` in a checkout, where CI
//! puts it too); [`Registry::load`] reads every `registry*.yaml` and `registry-deprecated.yaml`
//! under it. Only attribute definitions are read; spans and metrics definitions are not.

use serde::Deserialize;
use std::collections::HashMap;
use std::path::Path;

/// The value kinds the registry distinguishes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    String,
    Int,
    Double,
    Bool,
    StringArray,
    IntArray,
    DoubleArray,
    BoolArray,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attribute {
    pub kind: Kind,
    pub deprecated: Option<String>,
    pub stability: String,
}

/// A registry file: the `groups:` format, or the `file_format: definition/2` one with top-level
/// `attributes:` (keyed by `key` instead of `id`).
#[derive(Deserialize)]
struct File {
    #[serde(default)]
    groups: Vec<Group>,
    #[serde(default)]
    attributes: Vec<RawAttribute>,
}

#[derive(Deserialize)]
struct Group {
    #[serde(default)]
    attributes: Vec<RawAttribute>,
}

#[derive(Deserialize)]
struct RawAttribute {
    #[serde(alias = "key")]
    id: Option<String>,
    #[serde(rename = "type")]
    kind: Option<serde_yaml::Value>,
    deprecated: Option<serde_yaml::Value>,
    #[serde(default)]
    stability: String,
}

pub struct Registry {
    attributes: HashMap<String, Attribute>,
    /// Template attributes (`type: template[string]`, such as `db.operation.parameter`): any key
    /// `<id>.<name>` is one of them.
    templates: HashMap<String, Attribute>,
}

impl Registry {
    /// Loads every attribute registry file under `model_dir`.
    pub fn load(model_dir: &Path) -> Result<Registry, String> {
        let mut attributes = HashMap::new();
        let mut templates = HashMap::new();
        let mut files = Vec::new();
        collect(model_dir, &mut files).map_err(|e| format!("{}: {e}", model_dir.display()))?;
        if files.is_empty() {
            return Err(format!("no registry files under {}", model_dir.display()));
        }
        for path in files {
            let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            let file: File = serde_yaml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
            for raw in file.groups.into_iter().flat_map(|g| g.attributes).chain(file.attributes) {
                let (Some(id), Some(kind)) = (raw.id, raw.kind) else { continue };
                let template = kind.as_str().and_then(|k| k.strip_prefix("template[")).and_then(|k| k.strip_suffix(']'));
                let Some(kind) = (match template {
                    Some(inner) => kind_of(&serde_yaml::Value::String(inner.to_string())),
                    None => kind_of(&kind),
                }) else {
                    continue;
                };
                let deprecated = raw.deprecated.map(|d| match d {
                    serde_yaml::Value::String(s) => s,
                    other => serde_yaml::to_string(&other).unwrap_or_default().trim().replace('\n', ", "),
                });
                let attribute = Attribute { kind, deprecated, stability: raw.stability };
                if template.is_some() {
                    templates.insert(id, attribute);
                } else {
                    attributes.insert(id, attribute);
                }
            }
        }
        Ok(Registry { attributes, templates })
    }

    /// The registry next to this repository: `<repo>/../shared/semconv/model`, or the `model`
    /// directory `AUTOTEL_SEMCONV_MODEL` names (a git worktree elsewhere than the checkout).
    pub fn beside_repository() -> Result<Registry, String> {
        match std::env::var_os("AUTOTEL_SEMCONV_MODEL") {
            Some(dir) => Registry::load(Path::new(&dir)),
            None => Registry::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/semconv/model")),
        }
    }

    /// The attribute `key`, or the template attribute it is an instance of (`<template>.<name>`,
    /// the longest such template).
    pub fn get(&self, key: &str) -> Option<&Attribute> {
        self.attributes.get(key).or_else(|| {
            let mut prefix = key;
            while let Some((head, _)) = prefix.rsplit_once('.') {
                if let Some(attribute) = self.templates.get(head) {
                    return Some(attribute);
                }
                prefix = head;
            }
            None
        })
    }

    /// Why `key` with a value of `kind` is not a registered, current attribute, if it is not.
    pub fn check(&self, key: &str, kind: Kind) -> Result<(), String> {
        let attribute = self.get(key).ok_or_else(|| format!("`{key}` is not in the semantic-conventions registry"))?;
        if let Some(reason) = &attribute.deprecated {
            return Err(format!("`{key}` is deprecated: {reason}"));
        }
        if attribute.kind != kind {
            return Err(format!("`{key}` must be {:?}, not {kind:?}", attribute.kind));
        }
        Ok(())
    }
}

fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, out)?;
        } else if path.file_name().is_some_and(|n| n.to_string_lossy().starts_with("registry")) {
            out.push(path);
        }
    }
    Ok(())
}

/// `string`, `int`, `string[]`, …, or an enum (a mapping with `members`, typed by its values).
fn kind_of(value: &serde_yaml::Value) -> Option<Kind> {
    match value {
        serde_yaml::Value::String(s) => match s.as_str() {
            "string" => Some(Kind::String),
            "int" => Some(Kind::Int),
            "double" => Some(Kind::Double),
            "boolean" => Some(Kind::Bool),
            "string[]" => Some(Kind::StringArray),
            "int[]" => Some(Kind::IntArray),
            "double[]" => Some(Kind::DoubleArray),
            "boolean[]" => Some(Kind::BoolArray),
            _ => None,
        },
        serde_yaml::Value::Mapping(map) => {
            let members = map.get("members")?.as_sequence()?;
            let first = members.first()?.get("value")?;
            Some(if first.is_i64() { Kind::Int } else if first.is_f64() { Kind::Double } else { Kind::String })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_the_stable_http_and_db_attributes() {
        let registry = Registry::beside_repository().expect("the registry is beside the repository (../shared/semconv)");
        assert_eq!(registry.check("http.request.method", Kind::String), Ok(()));
        assert_eq!(registry.check("http.response.status_code", Kind::Int), Ok(()));
        assert_eq!(registry.check("db.system.name", Kind::String), Ok(()));
        assert_eq!(registry.check("server.port", Kind::Int), Ok(()));
        assert!(registry.check("http.method", Kind::String).unwrap_err().starts_with("`http.method` is deprecated"));
        assert_eq!(registry.check("server.port", Kind::String), Err("`server.port` must be Int, not String".into()));
        assert_eq!(registry.check("no.such.key", Kind::String), Err("`no.such.key` is not in the semantic-conventions registry".into()));
    }

    #[test]
    fn knows_template_attributes_by_their_instances() {
        let registry = Registry::beside_repository().expect("the registry is beside the repository (../shared/semconv)");
        assert_eq!(registry.check("db.operation.parameter.index", Kind::String), Ok(()));
        assert_eq!(registry.get("db.operation.parameter.index").map(|a| a.stability.as_str()), Some("development"));
        assert_eq!(registry.check("http.request.header.content-type", Kind::StringArray), Ok(()));
        assert!(registry.check("db.operation.parameter", Kind::String).is_err(), "the template itself is no attribute");
        assert!(registry.check("db.operation.parameter.index", Kind::Int).is_err());
    }
}
