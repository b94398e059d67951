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

/// One field attach reads from a Go struct.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Field {
    pub strukt: &'static str,
    pub field: &'static str,
    /// Optional fields degrade one attribute when unknown (`Request.Pattern` before Go 1.23).
    pub optional: bool,
}

const fn req(strukt: &'static str, field: &'static str) -> Field {
    Field { strukt, field, optional: false }
}
const fn opt(strukt: &'static str, field: &'static str) -> Field {
    Field { strukt, field, optional: true }
}

pub const G_GOID: Field = req("runtime.g", "goid");
pub const G_M: Field = req("runtime.g", "m");
pub const M_CURG: Field = req("runtime.m", "curg");
pub const REQ_METHOD: Field = req("net/http.Request", "Method");
pub const REQ_URL: Field = req("net/http.Request", "URL");
pub const REQ_HEADER: Field = req("net/http.Request", "Header");
pub const REQ_HOST: Field = req("net/http.Request", "Host");
pub const REQ_PATTERN: Field = opt("net/http.Request", "Pattern");
pub const URL_SCHEME: Field = req("net/url.URL", "Scheme");
pub const URL_HOST: Field = req("net/url.URL", "Host");
pub const URL_PATH: Field = req("net/url.URL", "Path");
pub const URL_RAWQUERY: Field = req("net/url.URL", "RawQuery");
pub const RESPONSE_STATUS: Field = req("net/http.response", "status");
pub const H2_WRITER_STATE: Field = opt("net/http.http2responseWriter", "rws");
pub const H2_STATE_STATUS: Field = opt("net/http.http2responseWriterState", "status");
/// The same two fields from Go 1.27, whose HTTP/2 moved out of `h2_bundle.go`.
pub const H2_INTERNAL_WRITER_STATE: Field = opt("net/http/internal/http2.responseWriter", "rws");
pub const H2_INTERNAL_STATE_STATUS: Field = opt("net/http/internal/http2.responseWriterState", "status");
pub const RESP_STATUSCODE: Field = req("net/http.Response", "StatusCode");
pub const REQ_PROTOMAJOR: Field = opt("net/http.Request", "ProtoMajor");
pub const REQ_PROTOMINOR: Field = opt("net/http.Request", "ProtoMinor");
pub const REQ_REMOTEADDR: Field = opt("net/http.Request", "RemoteAddr");
pub const REQ_TLS: Field = opt("net/http.Request", "TLS");
pub const RESP_PROTOMAJOR: Field = opt("net/http.Response", "ProtoMajor");
pub const RESP_PROTOMINOR: Field = opt("net/http.Response", "ProtoMinor");
pub const MAP_DIRPTR: Field = opt("internal/runtime/maps.Map", "dirPtr");
pub const MAP_DIRLEN: Field = opt("internal/runtime/maps.Map", "dirLen");
pub const TABLE_GROUPS: Field = opt("internal/runtime/maps.table", "groups");
pub const GROUPSREF_DATA: Field = opt("internal/runtime/maps.groupsReference", "data");
pub const GROUPSREF_MASK: Field = opt("internal/runtime/maps.groupsReference", "lengthMask");

pub const PERSISTCONN_BW: Field = req("net/http.persistConn", "bw");
pub const BUFIO_WRITER_BUF: Field = req("bufio.Writer", "buf");
pub const BUFIO_WRITER_N: Field = req("bufio.Writer", "n");
pub const TRANSFERWRITER_HEADER: Field = req("net/http.transferWriter", "Header");
pub const STMT_QUERY: Field = req("database/sql.Stmt", "query");
/// The DB's `driver.Connector` (whose type names the driver), and the `*DB` of each other
/// receiver; unknown, `db.system.name` comes from the build info alone.
pub const DB_CONNECTOR: Field = opt("database/sql.DB", "connector");
pub const CONN_DB: Field = opt("database/sql.Conn", "db");
pub const TX_DB: Field = opt("database/sql.Tx", "db");
pub const STMT_DB: Field = opt("database/sql.Stmt", "db");
pub const DSNCONNECTOR_DRIVER: Field = opt("database/sql.dsnConnector", "driver");

/// The route each framework matched; without it the route probe is skipped (with a warning)
/// and server spans keep the method-only name.
pub const GIN_CONTEXT_FULLPATH: Field = req("github.com/gin-gonic/gin.Context", "fullPath");
pub const ECHO_CONTEXT_PATH: Field = req("github.com/labstack/echo/v4.context", "path");

pub const REDIS_BASECMD_ARGS: Field = req("github.com/redis/go-redis/v9.baseCmd", "args");
pub const REDIS_BASECLIENT_OPT: Field = opt("github.com/redis/go-redis/v9.baseClient", "opt");
pub const REDIS_OPTIONS_ADDR: Field = opt("github.com/redis/go-redis/v9.Options", "Addr");
pub const REDIS_OPTIONS_DB: Field = opt("github.com/redis/go-redis/v9.Options", "DB");

pub const GRPC_CC_TARGET: Field = opt("google.golang.org/grpc.ClientConn", "target");
pub const GRPC_ERROR_S: Field = opt("google.golang.org/grpc/internal/status.Error", "s");
pub const GRPC_STATUS_S: Field = opt("google.golang.org/grpc/internal/status.Status", "s");
pub const SPB_STATUS_CODE: Field = opt("google.golang.org/genproto/googleapis/rpc/status.Status", "Code");
/// Absent before grpc-go moved the server side of `transport.Stream` into `ServerStream`;
/// the method is then at `Stream.method` directly (offset 0 here).
pub const GRPC_SERVERSTREAM_STREAM: Field = opt("google.golang.org/grpc/internal/transport.ServerStream", "Stream");
pub const GRPC_STREAM_METHOD: Field = req("google.golang.org/grpc/internal/transport.Stream", "method");

pub const KAFKA_WRITER_TOPIC: Field = req("github.com/segmentio/kafka-go.Writer", "Topic");
pub const KAFKA_MESSAGE_TOPIC: Field = req("github.com/segmentio/kafka-go.Message", "Topic");
pub const KAFKA_READER_CONFIG: Field = req("github.com/segmentio/kafka-go.Reader", "config");
pub const KAFKA_READERCFG_TOPIC: Field = req("github.com/segmentio/kafka-go.ReaderConfig", "Topic");
pub const KAFKA_READERCFG_GROUP: Field = opt("github.com/segmentio/kafka-go.ReaderConfig", "GroupID");
pub const KAFKA_READERCFG_BROKERS: Field = opt("github.com/segmentio/kafka-go.ReaderConfig", "Brokers");
pub const KAFKA_READERCFG_PARTITION: Field = opt("github.com/segmentio/kafka-go.ReaderConfig", "Partition");

/// Every standard-library field attach knows about (the generator records all of them).
pub const STD_FIELDS: &[Field] = &[
    G_GOID,
    G_M,
    M_CURG,
    REQ_METHOD,
    REQ_URL,
    REQ_HEADER,
    REQ_HOST,
    REQ_PATTERN,
    URL_SCHEME,
    URL_HOST,
    URL_PATH,
    URL_RAWQUERY,
    RESPONSE_STATUS,
    H2_WRITER_STATE,
    H2_STATE_STATUS,
    H2_INTERNAL_WRITER_STATE,
    H2_INTERNAL_STATE_STATUS,
    RESP_STATUSCODE,
    REQ_PROTOMAJOR,
    REQ_PROTOMINOR,
    REQ_REMOTEADDR,
    REQ_TLS,
    RESP_PROTOMAJOR,
    RESP_PROTOMINOR,
    MAP_DIRPTR,
    MAP_DIRLEN,
    TABLE_GROUPS,
    GROUPSREF_DATA,
    GROUPSREF_MASK,
    STMT_QUERY,
    DB_CONNECTOR,
    CONN_DB,
    TX_DB,
    STMT_DB,
    DSNCONNECTOR_DRIVER,
    PERSISTCONN_BW,
    BUFIO_WRITER_BUF,
    BUFIO_WRITER_N,
    TRANSFERWRITER_HEADER,
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
    ModuleProbe {
        module: "github.com/redis/go-redis/v9",
        probe: "attach-offsets-probe-redis",
        // The newest patch of every minor line: entries match a release's own minor line.
        versions: &["v9.0.0", "v9.0.5", "v9.2.1", "v9.3.1", "v9.4.0", "v9.5.5", "v9.6.3", "v9.7.3", "v9.8.0", "v9.9.0", "v9.10.0", "v9.11.0", "v9.12.1", "v9.13.0", "v9.14.1", "v9.16.0", "v9.17.3", "v9.18.0", "v9.19.0", "v9.20.1", "v9.21.0", "v9.22.0", "v9.23.0"],
        fields: &[REDIS_BASECMD_ARGS, REDIS_BASECLIENT_OPT, REDIS_OPTIONS_ADDR, REDIS_OPTIONS_DB],
    },
    ModuleProbe {
        module: "google.golang.org/grpc",
        probe: "attach-offsets-probe-grpc",
        // The newest patch of every minor line from v1.72 (build mode's floor, which attach
        // shares); v1.75.0 stays from the first table.
        versions: &[
            "v1.72.2", "v1.73.0", "v1.74.3", "v1.75.0", "v1.75.1", "v1.76.0", "v1.77.0", "v1.78.0", "v1.79.3",
            "v1.80.0", "v1.81.1", "v1.82.1", "v1.83.2", "v1.84.0", "v1.85.0",
        ],
        fields: &[
            GRPC_CC_TARGET,
            GRPC_ERROR_S,
            GRPC_STATUS_S,
            SPB_STATUS_CODE,
            GRPC_SERVERSTREAM_STREAM,
            GRPC_STREAM_METHOD,
        ],
    },
    ModuleProbe {
        module: "github.com/gin-gonic/gin",
        probe: "attach-offsets-probe-gin",
        // The newest patch of every minor line from v1.7 (the gin rule's floor).
        versions: &["v1.7.7", "v1.8.1", "v1.9.1", "v1.10.1", "v1.11.0", "v1.12.0"],
        fields: &[GIN_CONTEXT_FULLPATH],
    },
    ModuleProbe {
        module: "github.com/labstack/echo/v4",
        probe: "attach-offsets-probe-echo",
        // The newest patch of every minor line from v4.1 (the echo rule's floor, v4.1.16) the
        // module proxy serves (it lists no v4.3, v4.4 or v4.6).
        versions: &[
            "v4.1.17", "v4.2.1", "v4.5.0", "v4.7.2", "v4.8.0", "v4.9.1", "v4.10.2", "v4.11.4", "v4.12.0", "v4.13.4",
            "v4.14.0", "v4.15.4", "v4.16.6",
        ],
        fields: &[ECHO_CONTEXT_PATH],
    },
    ModuleProbe {
        module: "github.com/segmentio/kafka-go",
        probe: "attach-offsets-probe-kafka",
        versions: &["v0.4.47", "v0.4.51"],
        fields: &[
            KAFKA_WRITER_TOPIC,
            KAFKA_MESSAGE_TOPIC,
            KAFKA_READER_CONFIG,
            KAFKA_READERCFG_TOPIC,
            KAFKA_READERCFG_GROUP,
            KAFKA_READERCFG_BROKERS,
            KAFKA_READERCFG_PARTITION,
        ],
    },
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
