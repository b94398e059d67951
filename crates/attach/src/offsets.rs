//! Struct field offsets the BPF programs need, and where each came from: the target's DWARF
//! when it has any, else the generated fallback table `offsets.json` (made by
//! `cargo run -p autotel-attach --example gen-offsets`, which builds a probe program with each
//! listed Go release through `GOTOOLCHAIN`, and one per library against each listed release of
//! that library, and reads the programs' DWARF; every entry records the release and
//! architecture it was read from). Standard-library entries match the same Go release, else the
//! same minor line; library entries match the same module version, else the same minor line.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::binary::Binary;
use crate::buildinfo::BuildInfo;
use crate::dwarf;
use crate::error::AttachError;
use crate::libs::{databasesql, nethttp};

// The fields each library reads are defined in its module (`crate::libs::<library>`); the
// runtime's, which every program reads, are here.

/// One field attach reads from a Go struct.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Field {
    pub strukt: &'static str,
    pub field: &'static str,
    /// Optional fields degrade one attribute when unknown (`Request.Pattern` before Go 1.23).
    pub optional: bool,
}

pub(crate) const fn req(strukt: &'static str, field: &'static str) -> Field {
    Field { strukt, field, optional: false }
}
pub(crate) const fn opt(strukt: &'static str, field: &'static str) -> Field {
    Field { strukt, field, optional: true }
}

pub const G_GOID: Field = req("runtime.g", "goid");
/// The creator's goid in a new goroutine (Go 1.21+).
pub const G_PARENTGOID: Field = req("runtime.g", "parentGoid");

/// Every standard-library field attach knows about (the generator records all of them).
pub const STD_FIELDS: &[Field] = &[
    G_GOID,
    G_PARENTGOID,
    nethttp::REQ_METHOD,
    nethttp::REQ_URL,
    nethttp::REQ_HEADER,
    nethttp::REQ_HOST,
    nethttp::REQ_PATTERN,
    nethttp::URL_SCHEME,
    nethttp::URL_HOST,
    nethttp::URL_PATH,
    nethttp::URL_RAWQUERY,
    nethttp::RESPONSE_STATUS,
    nethttp::H2_WRITER_STATE,
    nethttp::H2_STATE_STATUS,
    nethttp::H2_INTERNAL_WRITER_STATE,
    nethttp::H2_INTERNAL_STATE_STATUS,
    nethttp::RESP_STATUSCODE,
    nethttp::REQ_PROTOMAJOR,
    nethttp::REQ_PROTOMINOR,
    nethttp::REQ_REMOTEADDR,
    nethttp::REQ_TLS,
    nethttp::RESP_PROTOMAJOR,
    nethttp::RESP_PROTOMINOR,
    nethttp::MAP_DIRPTR,
    nethttp::MAP_DIRLEN,
    nethttp::TABLE_GROUPS,
    nethttp::GROUPSREF_DATA,
    nethttp::GROUPSREF_MASK,
    databasesql::STMT_QUERY,
    databasesql::DB_CONNECTOR,
    databasesql::CONN_DB,
    databasesql::TX_DB,
    databasesql::STMT_DB,
    databasesql::DSNCONNECTOR_DRIVER,
    nethttp::PERSISTCONN_BW,
    nethttp::BUFIO_WRITER_BUF,
    nethttp::BUFIO_WRITER_N,
    nethttp::TRANSFERWRITER_HEADER,
];

/// Library fields the table records per module version, and the probe program
/// (`testdata/apps/<probe>`) the generator builds against each listed release.
pub struct ModuleProbe {
    pub module: &'static str,
    pub probe: &'static str,
    pub versions: &'static [&'static str],
    pub fields: &'static [Field],
}

pub const MODULE_PROBES: &[ModuleProbe] = &[
    crate::libs::goredis::OFFSETS_PROBE,
    crate::libs::grpc::OFFSETS_PROBE,
    crate::libs::routes::GIN_OFFSETS_PROBE,
    crate::libs::routes::ECHO_OFFSETS_PROBE,
    crate::libs::kafkago::OFFSETS_PROBE,
];

/// Where an offset came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The target's own DWARF.
    Dwarf,
    /// The fallback table; the string is the entry's recorded provenance.
    Table(String),
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Dwarf => f.write_str("DWARF"),
            Source::Table(s) => write!(f, "table ({s})"),
        }
    }
}

/// The fallback table as stored in `offsets.json`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Table {
    pub about: String,
    pub fields: Vec<TableField>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TableField {
    #[serde(rename = "struct")]
    pub strukt: String,
    pub field: String,
    /// `std` for the standard library, else a module path.
    pub module: String,
    pub values: Vec<TableValue>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TableValue {
    pub offset: u64,
    /// Go releases (std) or module versions this offset was read from, e.g. `go1.22.12`.
    pub versions: Vec<String>,
    /// How it was obtained, e.g. `DWARF of testdata probe built by go1.22.12 linux/amd64`.
    pub source: String,
}

static TABLE_JSON: &str = include_str!("../offsets.json");

impl Table {
    /// The table compiled into this binary.
    pub fn embedded() -> Table {
        // The file is generated and checked by a unit test; an unreadable one degrades to
        // DWARF only instead of panicking inside the agent.
        serde_json::from_str(TABLE_JSON).unwrap_or_default()
    }

    /// Offset of a std field for this Go release: an entry recorded for the same release wins,
    /// else one recorded for the same minor release.
    pub fn lookup_std(&self, f: &Field, go_version: &str) -> Option<(u64, String)> {
        let minor = |v: &str| crate::buildinfo::parse_go_version(v).map(|(a, b, _)| (a, b));
        let want = minor(go_version)?;
        let entry = self
            .fields
            .iter()
            .find(|e| e.module == "std" && e.strukt == f.strukt && e.field == f.field)?;
        let exact = entry
            .values
            .iter()
            .find(|v| v.versions.iter().any(|x| x == go_version));
        let same_minor = || {
            entry
                .values
                .iter()
                .find(|v| v.versions.iter().any(|x| minor(x) == Some(want)))
        };
        exact
            .or_else(same_minor)
            .map(|v| (v.offset, v.source.clone()))
    }
}

impl Table {
    /// Offset of a library field for this module version: an entry recorded for the same
    /// version wins, else one recorded for the same `vMAJOR.MINOR` line.
    pub fn lookup_module(&self, f: &Field, module: &str, version: &str) -> Option<(u64, String)> {
        let line = |v: &str| -> Option<String> {
            let mut parts = v.trim_start_matches('v').split(['.', '-', '+']);
            Some(format!("{}.{}", parts.next()?, parts.next()?))
        };
        let entry = self
            .fields
            .iter()
            .find(|e| e.module == module && e.strukt == f.strukt && e.field == f.field)?;
        let exact = entry.values.iter().find(|v| v.versions.iter().any(|x| x == version));
        let want = line(version)?;
        let same_line = || {
            entry
                .values
                .iter()
                .find(|v| v.versions.iter().any(|x| line(x).as_deref() == Some(want.as_str())))
        };
        exact.or_else(same_line).map(|v| (v.offset, v.source.clone()))
    }
}

/// The resolved offsets for one binary.
#[derive(Debug, Clone, Default)]
pub struct Offsets {
    pub values: HashMap<Field, (u64, Source)>,
}

impl Offsets {
    pub fn get(&self, f: Field) -> Option<u64> {
        self.values.get(&f).map(|(o, _)| *o)
    }

    pub fn source(&self, f: Field) -> Option<&Source> {
        self.values.get(&f).map(|(_, s)| s)
    }

    /// Resolves `fields` for `bin`: DWARF first, then the table.
    pub fn resolve(
        bin: &Binary,
        info: &BuildInfo,
        fields: &[Field],
        table: &Table,
    ) -> Result<Offsets, AttachError> {
        let wanted: Vec<(&str, &str)> = fields.iter().map(|f| (f.strukt, f.field)).collect();
        let from_dwarf = dwarf::field_offsets(bin, &wanted)?;
        let mut values = HashMap::new();
        for f in fields {
            if let Some(off) = from_dwarf.get(&(f.strukt.to_owned(), f.field.to_owned())) {
                values.insert(*f, (*off, Source::Dwarf));
            } else if let Some(m) = info.module_of(f.strukt) {
                if let Some((off, src)) = table.lookup_module(f, &m.path, m.effective_version()) {
                    values.insert(*f, (off, Source::Table(src)));
                }
            } else if let Some((off, src)) = table.lookup_std(f, &info.go_version) {
                values.insert(*f, (off, Source::Table(src)));
            }
        }
        Ok(Offsets { values })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::libs::goredis::REDIS_BASECMD_ARGS;

    #[test]
    /// Stripped binaries get every field a library probe needs from the table, for every minor
    /// line of every library release listed (go-redis v9.7.0 once had no `baseCmd.args`, so
    /// stripped programs on it emitted no Redis spans; gin's and echo's route fields were once
    /// DWARF only), and every standard-library field the
    /// probes require for every Go release the table was generated with.
    fn embedded_table_covers_every_listed_release() {
        let t = Table::embedded();
        for mp in MODULE_PROBES {
            for version in mp.versions {
                // The release itself and its minor line's first patch (`v9.7.3` → `v9.7.0`).
                let minor_first = format!("{}.0", version.rsplit_once('.').expect("semver").0);
                for v in [version.to_string(), minor_first] {
                    for f in mp.fields.iter().filter(|f| !f.optional) {
                        assert!(
                            t.lookup_module(f, mp.module, &v).is_some(),
                            "{} {v}: no fallback offset for {}.{}",
                            mp.module,
                            f.strukt,
                            f.field
                        );
                    }
                }
            }
        }
        for go in ["go1.23.0", "go1.24.0", "go1.25.0", "go1.26.0", "go1.27.0"] {
            for f in STD_FIELDS.iter().filter(|f| !f.optional) {
                assert!(t.lookup_std(f, go).is_some(), "{go}: no fallback offset for {}.{}", f.strukt, f.field);
            }
        }
    }

    #[test]
    fn embedded_table_parses_and_covers_goid() {
        let t: Table = serde_json::from_str(TABLE_JSON).expect("offsets.json parses");
        assert!(!t.fields.is_empty());
        let goid = t.lookup_std(&G_GOID, "go1.26.0");
        assert!(goid.is_some(), "offsets.json has runtime.g.goid for go1.26");
        for e in &t.fields {
            for v in &e.values {
                assert!(!v.source.is_empty() && !v.versions.is_empty(), "{}.{} entry without provenance", e.strukt, e.field);
            }
        }
    }

    #[test]
    fn module_lookup_prefers_exact_then_minor() {
        let t = Table {
            about: String::new(),
            fields: vec![TableField {
                strukt: REDIS_BASECMD_ARGS.strukt.into(),
                field: "args".into(),
                module: "github.com/redis/go-redis/v9".into(),
                values: vec![
                    TableValue { offset: 16, versions: vec!["v9.0.0".into()], source: "a".into() },
                    TableValue { offset: 24, versions: vec!["v9.23.0".into()], source: "b".into() },
                ],
            }],
        };
        let m = "github.com/redis/go-redis/v9";
        assert_eq!(t.lookup_module(&REDIS_BASECMD_ARGS, m, "v9.23.0").map(|x| x.0), Some(24));
        assert_eq!(t.lookup_module(&REDIS_BASECMD_ARGS, m, "v9.0.7").map(|x| x.0), Some(16));
        assert_eq!(t.lookup_module(&REDIS_BASECMD_ARGS, m, "v9.5.0"), None);
        assert_eq!(t.lookup_module(&REDIS_BASECMD_ARGS, "other", "v9.0.0"), None);
    }

    #[test]
    fn lookup_prefers_exact_then_minor() {
        let t = Table {
            about: String::new(),
            fields: vec![TableField {
                strukt: "runtime.g".into(),
                field: "goid".into(),
                module: "std".into(),
                values: vec![
                    TableValue { offset: 1, versions: vec!["go1.22.0".into()], source: "a".into() },
                    TableValue { offset: 2, versions: vec!["go1.22.5".into()], source: "b".into() },
                ],
            }],
        };
        assert_eq!(t.lookup_std(&G_GOID, "go1.22.5").map(|x| x.0), Some(2));
        assert_eq!(t.lookup_std(&G_GOID, "go1.22.9").map(|x| x.0), Some(1));
        assert_eq!(t.lookup_std(&G_GOID, "go1.21.0"), None);
    }
}
