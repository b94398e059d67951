//! The catalogue of pinned suites (`testdata/peer-suites.yaml`): its schema, its loader, and
//! the expansion of the `{server.field}` placeholders that env values and test arguments may use
//! to reach the servers the harness started. It does no I/O beyond reading that file.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A server the harness starts on loopback before a suite runs and stops after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ServerKind {
    /// Debian's `redis-server`; placeholders `{redis.addr}`, `{redis.port}`.
    Redis,
    /// Debian's `mariadbd` with a scratch datadir; placeholders `{mariadb.addr}`,
    /// `{mariadb.port}`, `{mariadb.user}`, `{mariadb.password}`, `{mariadb.database}`.
    Mariadb,
    /// An Apache Kafka broker (KRaft, jars from Maven Central: needs java and mvn);
    /// placeholders `{kafka.addr}`, `{kafka.port}`.
    Kafka,
    /// Debian's PostgreSQL (`initdb` + `postgres`) with a scratch data directory; placeholders
    /// `{postgres.addr}`, `{postgres.port}`, `{postgres.user}`, `{postgres.database}`,
    /// `{postgres.url}`.
    Postgres,
    /// FerretDB, a MongoDB-wire-compatible server (not MongoDB), with its SQLite backend in a
    /// scratch directory, built once from the module proxy; placeholders `{ferretdb.addr}`,
    /// `{ferretdb.port}`, `{ferretdb.uri}` (a `mongodb://` connection string).
    Ferretdb,
    /// Jaeger v2 with in-memory storage, built once from the module proxy, on free ports only;
    /// placeholders `{jaeger.otlp_grpc}`, `{jaeger.otlp_http}`, `{jaeger.query}` (`host:port`),
    /// `{jaeger.port}`.
    Jaeger,
    /// The minimal OpenTelemetry Collector of `testdata/collector`. It needs a configuration and
    /// a backend, which a catalogue entry cannot give: `servers::collector` starts it.
    Collector,
}

/// A server with an optional fixed port (for suites that hard-code one); otherwise a free port.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSpec {
    pub kind: ServerKind,
    #[serde(default)]
    pub port: Option<u16>,
}

/// A package whose test binary must contain a hook symbol when built by `autotel go`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HookProbe {
    /// Import path of the package whose test binary is built (`go test -c`).
    pub package: String,
    /// Linker symbol of a hook function, e.g. `autotel.dev/go/hooks/gin.handleEnter`.
    pub symbol: String,
}

/// One library's test suite at one pinned release.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Suite {
    pub name: String,
    /// `fast` or `slow`: CI runs the groups as separate steps.
    pub group: String,
    pub module: String,
    pub version: String,
    /// Why this suite runs what it runs (package selection, skipped tests, servers).
    #[serde(default)]
    pub notes: String,
    /// `go test` flags besides `-json -count=1`, identical on both sides (e.g. `-race`, `-skip`).
    #[serde(default)]
    pub flags: Vec<String>,
    /// Package patterns relative to the module root, e.g. `./...`.
    pub packages: Vec<String>,
    /// Arguments for the test binaries (after `-args`); may use placeholders.
    #[serde(default)]
    pub args: Vec<String>,
    /// Extra environment for both runs; values may use placeholders.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    #[serde(default)]
    pub servers: Vec<ServerSpec>,
    pub hooks: Vec<HookProbe>,
}

impl Suite {
    /// `module@version`, as the module proxy spells it.
    pub fn module_version(&self) -> String {
        format!("{}@{}", self.module, self.version)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Catalogue {
    suites: Vec<Suite>,
}

#[derive(Debug, thiserror::Error)]
pub enum SuitesError {
    #[error("{path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path}: {source}")]
    Parse { path: PathBuf, source: serde_yaml::Error },
    #[error("{path}: suite `{name}` is listed twice")]
    Duplicate { path: PathBuf, name: String },
    #[error("{path}: suite `{name}` has no hook probe: a comparison without hooks proves nothing")]
    NoHooks { path: PathBuf, name: String },
    #[error("unknown suite `{name}` (known: {known})")]
    Unknown { name: String, known: String },
    #[error("unknown placeholder `{{{name}}}` in `{text}` (the suite's servers give: {known})")]
    Placeholder { name: String, text: String, known: String },
}

/// Reads and checks the catalogue.
pub fn load(path: &Path) -> Result<Vec<Suite>, SuitesError> {
    let text = std::fs::read_to_string(path).map_err(|source| SuitesError::Read { path: path.into(), source })?;
    parse(&text, path)
}

/// Parses and checks catalogue text; `path` only names it in errors.
pub fn parse(text: &str, path: &Path) -> Result<Vec<Suite>, SuitesError> {
    let catalogue: Catalogue = serde_yaml::from_str(text).map_err(|source| SuitesError::Parse { path: path.into(), source })?;
    let mut seen = std::collections::BTreeSet::new();
    for suite in &catalogue.suites {
        if !seen.insert(suite.name.clone()) {
            return Err(SuitesError::Duplicate { path: path.into(), name: suite.name.clone() });
        }
        if suite.hooks.is_empty() {
            return Err(SuitesError::NoHooks { path: path.into(), name: suite.name.clone() });
        }
    }
    Ok(catalogue.suites)
}

/// The suites to run: those named (in catalogue order), else those of `group`, else all.
pub fn select(all: Vec<Suite>, names: &[String], group: Option<&str>) -> Result<Vec<Suite>, SuitesError> {
    for name in names {
        if !all.iter().any(|s| &s.name == name) {
            let known = all.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(", ");
            return Err(SuitesError::Unknown { name: name.clone(), known });
        }
    }
    Ok(all
        .into_iter()
        .filter(|s| names.is_empty() || names.contains(&s.name))
        .filter(|s| group.is_none_or(|g| s.group == g))
        .collect())
}

/// Replaces every `{name}` in `text` by its value in `values`; an unknown name is an error.
pub fn expand(text: &str, values: &BTreeMap<String, String>) -> Result<String, SuitesError> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else { break };
        let name = &rest[open + 1..open + close];
        let value = values.get(name).ok_or_else(|| SuitesError::Placeholder {
            name: name.to_string(),
            text: text.to_string(),
            known: values.keys().map(|k| format!("{{{k}}}")).collect::<Vec<_>>().join(", "),
        })?;
        out.push_str(&rest[..open]);
        out.push_str(value);
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> BTreeMap<String, String> {
        [("redis.port", "6400"), ("redis.addr", "127.0.0.1:6400")].into_iter().map(|(k, v)| (k.into(), v.into())).collect()
    }

    #[test]
    fn expand_replaces_every_placeholder() {
        let cases = [
            ("plain", "plain"),
            ("{redis.addr}", "127.0.0.1:6400"),
            ("-redis-port={redis.port} x{redis.port}y", "-redis-port=6400 x6400y"),
            ("unclosed {brace", "unclosed {brace"),
        ];
        for (input, expected) in cases {
            assert_eq!(expand(input, &values()).unwrap(), expected, "{input}");
        }
    }

    #[test]
    fn expand_names_an_unknown_placeholder() {
        let err = expand("{mariadb.addr}", &values()).unwrap_err().to_string();
        assert_eq!(err, "unknown placeholder `{mariadb.addr}` in `{mariadb.addr}` (the suite's servers give: {redis.addr}, {redis.port})");
    }

    const TWO: &str = "suites:\n  - {name: a, group: fast, module: m, version: v1.0.0, packages: [./...], hooks: [{package: m, symbol: h.f}]}\n  - {name: b, group: slow, module: m, version: v1.0.0, packages: [./...], hooks: [{package: m, symbol: h.f}]}\n";

    #[test]
    fn select_by_name_group_or_all() {
        let path = Path::new("s.yaml");
        let names = |s: Vec<Suite>| s.into_iter().map(|s| s.name).collect::<Vec<_>>();
        assert_eq!(names(select(parse(TWO, path).unwrap(), &[], None).unwrap()), ["a", "b"]);
        assert_eq!(names(select(parse(TWO, path).unwrap(), &[], Some("slow")).unwrap()), ["b"]);
        assert_eq!(names(select(parse(TWO, path).unwrap(), &["a".into()], None).unwrap()), ["a"]);
        let err = select(parse(TWO, path).unwrap(), &["c".into()], None).unwrap_err().to_string();
        assert_eq!(err, "unknown suite `c` (known: a, b)");
    }

    #[test]
    fn a_suite_without_hook_probes_is_refused() {
        let text = "suites:\n  - {name: a, group: fast, module: m, version: v1, packages: [./...], hooks: []}\n";
        let err = parse(text, Path::new("s.yaml")).unwrap_err().to_string();
        assert_eq!(err, "s.yaml: suite `a` has no hook probe: a comparison without hooks proves nothing");
    }
}
