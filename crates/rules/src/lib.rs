//! autotel's rules: what to weave into which Go package.
//!
//! A rule file (YAML, one per library; the format is in ARCHITECTURE.md) names a hooks package and
//! a list of rules, each with a target import path, version ranges and one action. This crate
//! owns the typed model ([`model`]), the schema and its validation ([`parse`]), version ranges
//! ([`version`]) and the [`Catalogue`]: the rule files embedded in autotel (indexed by target at
//! compile time, parsed only when a target is asked for) plus the user's own rule files.
//!
//! It reads user rule files from disk and nothing else; it knows nothing of the go command.

pub mod model;
pub mod parse;
pub mod version;

pub use model::{
    Action, AddedFile, Applicability, CallSite, FieldRef, FunctionFact, FunctionHook, FunctionRef, RawCode, Requirements, Rule,
    RuleFile, StructField, Target,
};
pub use parse::{parse_rule_file, RuleError};
pub use version::{Version, VersionRange};

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

struct EmbeddedFile {
    name: &'static str,
    text: &'static str,
}

include!(concat!(env!("OUT_DIR"), "/catalogue.rs"));

/// Identifies a rule file of a [`Catalogue`]; stable for one autotel binary and one set of user
/// rule files, so it can be handed from the plan to the toolexec processes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FileId {
    Embedded(usize),
    User(usize),
}

/// The rules autotel knows: the embedded catalogue and the user's rule files.
pub struct Catalogue {
    embedded: Vec<OnceLock<RuleFile>>,
    user: Vec<RuleFile>,
    user_paths: Vec<PathBuf>,
    user_index: HashMap<String, Vec<usize>>,
}

impl Catalogue {
    /// The embedded catalogue alone.
    pub fn embedded() -> Catalogue {
        Catalogue {
            embedded: EMBEDDED_RULE_FILES.iter().map(|_| OnceLock::new()).collect(),
            user: Vec::new(),
            user_paths: Vec::new(),
            user_index: HashMap::new(),
        }
    }

    /// The embedded catalogue plus the user's rule files, each parsed and validated now.
    pub fn with_user_files(paths: &[PathBuf]) -> Result<Catalogue, RuleError> {
        let mut catalogue = Catalogue::embedded();
        for path in paths {
            let source = path.display().to_string();
            let text = std::fs::read_to_string(path).map_err(|e| RuleError {
                source: source.clone(),
                location: None,
                rule: None,
                message: format!("cannot read the rule file: {e}"),
            })?;
            let base = path.parent().unwrap_or(Path::new("."));
            let read_added = |rel: &str| std::fs::read_to_string(base.join(rel)).map_err(|e| e.to_string());
            let file = parse_rule_file(&source, &text, &read_added)?;
            let id = catalogue.user.len();
            for rule in &file.rules {
                let ids = catalogue.user_index.entry(rule.target.key().to_string()).or_default();
                if ids.last() != Some(&id) {
                    ids.push(id);
                }
            }
            catalogue.user.push(file);
            catalogue.user_paths.push(path.clone());
        }
        Ok(catalogue)
    }

    /// The user's rule files, in the order given.
    pub fn user_paths(&self) -> &[PathBuf] {
        &self.user_paths
    }

    /// The rule files with at least one rule for `target` (an import path, or `main`).
    pub fn files_targeting(&self, target: &str) -> Vec<FileId> {
        let embedded = embedded_files_targeting(target).iter().map(|&i| FileId::Embedded(i));
        let user = self.user_index.get(target).into_iter().flatten().map(|&i| FileId::User(i));
        embedded.chain(user).collect()
    }

    pub fn file(&self, id: FileId) -> &RuleFile {
        match id {
            FileId::Embedded(i) => self.embedded[i].get_or_init(|| {
                let source = &EMBEDDED_RULE_FILES[i];
                parse_rule_file(source.name, source.text, &embedded_added_file)
                    .expect("the embedded catalogue is validated when autotel is compiled")
            }),
            FileId::User(i) => &self.user[i],
        }
    }

    /// Every rule file id, embedded first.
    pub fn all_files(&self) -> impl Iterator<Item = FileId> {
        (0..self.embedded.len()).map(FileId::Embedded).chain((0..self.user.len()).map(FileId::User))
    }

    /// A short hash that changes whenever any rule or added file changes; part of the build
    /// cache key of instrumented packages.
    pub fn fingerprint(&self) -> String {
        if self.user.is_empty() {
            return EMBEDDED_CATALOGUE_HASH.to_string();
        }
        // The user's files are hashed through their parsed form, which includes added files,
        // without where they were read from: a file's path is in no archive (only in messages),
        // and one moved or copied must not rebuild the whole instrumented standard library.
        let mut text = String::from(EMBEDDED_CATALOGUE_HASH);
        for file in &self.user {
            text.push_str(&format!("{:?}", RuleFile { source: String::new(), ..file.clone() }));
        }
        format!("{:016x}", fnv1a(text.as_bytes()))
    }
}

fn embedded_added_file(rel: &str) -> Result<String, String> {
    EMBEDDED_ADDED_FILES
        .iter()
        .find(|f| f.name == rel)
        .map(|f| f.text.to_string())
        .ok_or_else(|| format!("`{rel}` is not in the embedded catalogue"))
}

/// FNV-1a, 64 bit: a stable, dependency-free hash for cache keys (not for security).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf29ce484222325u64, |h, &b| (h ^ b as u64).wrapping_mul(0x100000001b3))
}

#[cfg(test)]
mod tests;
