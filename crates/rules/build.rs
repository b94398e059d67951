//! Embeds the rule catalogue (`rules/*.yaml` and the Go files they add) into the crate and
//! indexes it by target import path, so a lookup at build time of a Go program parses nothing.
//! Every rule file is parsed here with the crate's own parser: a broken catalogue fails the
//! compilation of autotel, never a user's build.

#[path = "src/model.rs"]
#[allow(dead_code)]
mod model;
#[path = "src/parse.rs"]
#[allow(dead_code)]
mod parse;
#[path = "src/version.rs"]
#[allow(dead_code)]
mod version;

use sha2::{Digest, Sha256};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    // Read at run time, not with env!(): a build script compiled in another checkout (a copied
    // target/) must still read this checkout's rules.
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let rules_dir = Path::new(&manifest_dir).join("../../rules").canonicalize().expect("rules/ directory");
    println!("cargo:rerun-if-changed={}", rules_dir.display());
    let mut yaml_files: Vec<PathBuf> = std::fs::read_dir(&rules_dir)
        .expect("read rules/")
        .map(|e| e.expect("rules/ entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    yaml_files.sort();

    let mut hasher = Sha256::new();
    let mut index: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let added: RefCell<BTreeMap<String, PathBuf>> = RefCell::default();
    let mut files_rs = String::from("pub(crate) static EMBEDDED_RULE_FILES: &[EmbeddedFile] = &[\n");
    for (i, path) in yaml_files.iter().enumerate() {
        println!("cargo:rerun-if-changed={}", path.display());
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(path).expect("read rule file");
        let read_added = |rel: &str| -> Result<String, String> {
            let p = rules_dir.join(rel);
            println!("cargo:rerun-if-changed={}", p.display());
            let contents = std::fs::read_to_string(&p).map_err(|e| e.to_string())?;
            added.borrow_mut().insert(rel.to_string(), p);
            Ok(contents)
        };
        let parsed = parse::parse_rule_file(&name, &text, &read_added)
            .unwrap_or_else(|e| panic!("invalid embedded rule file: {e}"));
        hasher.update(name.as_bytes());
        hasher.update(text.as_bytes());
        for rule in &parsed.rules {
            let entry = index.entry(rule.target.key().to_string()).or_default();
            if entry.last() != Some(&i) {
                entry.push(i);
            }
        }
        writeln!(files_rs, "    EmbeddedFile {{ name: {name:?}, text: include_str!({:?}) }},", path.display().to_string()).unwrap();
    }
    files_rs.push_str("];\n\npub(crate) static EMBEDDED_ADDED_FILES: &[EmbeddedFile] = &[\n");
    for (rel, path) in added.borrow().iter() {
        hasher.update(rel.as_bytes());
        hasher.update(std::fs::read(path).expect("read added file"));
        writeln!(files_rs, "    EmbeddedFile {{ name: {rel:?}, text: include_str!({:?}) }},", path.display().to_string()).unwrap();
    }
    files_rs.push_str("];\n\n/// Indexes into `EMBEDDED_RULE_FILES` of the files with a rule for this target.\npub(crate) fn embedded_files_targeting(target: &str) -> &'static [usize] {\n    match target {\n");
    for (target, files) in &index {
        writeln!(files_rs, "        {target:?} => &{files:?},").unwrap();
    }
    files_rs.push_str("        _ => &[],\n    }\n}\n\n");
    let digest = hasher.finalize();
    let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
    writeln!(files_rs, "/// Hash of every embedded rule file and added file.\npub(crate) const EMBEDDED_CATALOGUE_HASH: &str = {hex:?};").unwrap();
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("catalogue.rs");
    std::fs::write(out, files_rs).expect("write catalogue.rs");
}
