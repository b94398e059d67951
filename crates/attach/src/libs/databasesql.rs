//! database/sql: one client span per query, exec, prepare, begin, commit, rollback and ping of
//! `*DB`, `*Conn`, `*Tx` and `*Stmt`; the driver named from its code addresses
//! (`crate::drivers`), the server address from the socket the call sends on (`bpf/peer.bpf.h`).
//! BPF side: `bpf/lib/databasesql.bpf.h`; spans: `db_span` below (with `crate::sql`).

use opentelemetry_proto::tonic::trace::v1::span;

use super::{Analysis, Library, SpanParts};
use crate::event::{EventKind, SpanEvent};
use crate::offsets::*;
use crate::plan::{PlannedProbe, SkippedProbe};
#[cfg(bpf_built)]
use crate::plan::CheckReport;
use crate::probes::{ProbeId, ProbeSpec};
use crate::spans::{kv_str, server_address, split_host_port, QueryText, Semantics};
use crate::sql;

pub struct DatabaseSql;

pub const STMT_QUERY: Field = req("database/sql.Stmt", "query");

/// The DB's `driver.Connector` (whose type names the driver), and the `*DB` of each other
/// receiver; unknown, `db.system.name` comes from the build info alone.
pub const DB_CONNECTOR: Field = opt("database/sql.DB", "connector");
pub const CONN_DB: Field = opt("database/sql.Conn", "db");
pub const TX_DB: Field = opt("database/sql.Tx", "db");
pub const STMT_DB: Field = opt("database/sql.Stmt", "db");
pub const DSNCONNECTOR_DRIVER: Field = opt("database/sql.dsnConnector", "driver");

pub(crate) const PROBES: &[ProbeSpec] = &[
    sql(ProbeId::SqlQuery, "database/sql DB queries", "database/sql.(*DB).QueryContext"),
    sql(ProbeId::SqlExec, "database/sql DB execs", "database/sql.(*DB).ExecContext"),
    sql(ProbeId::SqlQuery, "database/sql Tx queries", "database/sql.(*Tx).QueryContext"),
    sql(ProbeId::SqlExec, "database/sql Tx execs", "database/sql.(*Tx).ExecContext"),
    sql(ProbeId::SqlQuery, "database/sql Conn queries", "database/sql.(*Conn).QueryContext"),
    sql(ProbeId::SqlExec, "database/sql Conn execs", "database/sql.(*Conn).ExecContext"),
    sql(ProbeId::SqlPrepare, "database/sql DB prepares", "database/sql.(*DB).PrepareContext"),
    sql(ProbeId::SqlPrepare, "database/sql Tx prepares", "database/sql.(*Tx).PrepareContext"),
    sql(ProbeId::SqlPrepare, "database/sql Conn prepares", "database/sql.(*Conn).PrepareContext"),
    ProbeSpec {
        fields: &[G_GOID, STMT_QUERY, DB_CONNECTOR, DSNCONNECTOR_DRIVER, STMT_DB],
        ..sql(ProbeId::SqlStmtQuery, "database/sql prepared-statement queries", "database/sql.(*Stmt).QueryContext")
    },
    ProbeSpec {
        fields: &[G_GOID, STMT_QUERY, DB_CONNECTOR, DSNCONNECTOR_DRIVER, STMT_DB],
        ..sql(ProbeId::SqlStmtExec, "database/sql prepared-statement execs", "database/sql.(*Stmt).ExecContext")
    },
    sql(ProbeId::SqlBegin, "database/sql DB transactions begun", "database/sql.(*DB).BeginTx"),
    sql(ProbeId::SqlBegin, "database/sql Conn transactions begun", "database/sql.(*Conn).BeginTx"),
    sql(ProbeId::SqlCommit, "database/sql commits", "database/sql.(*Tx).Commit"),
    ProbeSpec {
        ignore_calls_from: Some("database/sql.(*Tx).awaitDone"),
        ..sql(ProbeId::SqlRollback, "database/sql rollbacks", "database/sql.(*Tx).rollback")
    },
    sql(ProbeId::SqlPing, "database/sql DB pings", "database/sql.(*DB).PingContext"),
    sql(ProbeId::SqlPing, "database/sql Conn pings", "database/sql.(*Conn).PingContext"),
];

const fn sql(id: ProbeId, what: &'static str, function: &'static str) -> ProbeSpec {
    ProbeSpec {
        id,
        programs: programs(id),
        instrumentation: "databasesql",
        what,
        function,
        also: &[],
        fields: &[G_GOID, DB_CONNECTOR, DSNCONNECTOR_DRIVER, CONN_DB, TX_DB],
        ignore_calls_from: None,
        at_calls_to: None,
        also_calls_to: &[],
        exit_at_calls: None,
    }
}

/// The programs of each database/sql probe: an entry program per way the call gets its query,
/// an exit program per result shape (`Rows`, `Result` or an error alone).
const fn programs(id: ProbeId) -> (&'static str, Option<&'static str>) {
    match id {
        ProbeId::SqlQuery => ("db_query_enter", Some("db_query_ret")),
        ProbeId::SqlExec => ("db_query_enter", Some("db_exec_ret")),
        ProbeId::SqlPrepare => ("db_prepare_enter", Some("db_query_ret")),
        ProbeId::SqlStmtQuery => ("db_stmt_enter", Some("db_query_ret")),
        ProbeId::SqlStmtExec => ("db_stmt_enter", Some("db_exec_ret")),
        ProbeId::SqlBegin => ("db_begin_enter", Some("db_query_ret")),
        ProbeId::SqlCommit => ("db_commit_enter", Some("db_error_ret")),
        ProbeId::SqlRollback => ("db_rollback_enter", Some("db_error_ret")),
        ProbeId::SqlPing => ("db_ping_enter", Some("db_error_ret")),
        _ => panic!("not a database/sql probe"),
    }
}

impl Library for DatabaseSql {
    fn name(&self) -> &'static str {
        "databasesql"
    }

    fn probes(&self) -> &'static [ProbeSpec] {
        PROBES
    }

    fn span<'a>(&self, e: &'a SpanEvent, sem: &'a Semantics) -> Option<SpanParts<'a>> {
        matches!(e.kind, EventKind::DbQuery).then(|| db_span(e, sem))
    }

    fn review(&self, planned: &mut [PlannedProbe], _: &mut Vec<SkippedProbe>, a: &Analysis) -> Vec<String> {
        let ours = || planned.iter().filter(|p| p.spec.instrumentation == self.name());
        if ours().next().is_none() {
            return Vec::new();
        }
        let info = a.info;
        let system = crate::spans::sql_system(info);
        let drivers: Vec<&str> = crate::spans::SQL_DRIVERS
            .iter()
            .filter(|(m, _)| info.dep(m).is_some())
            .map(|(m, _)| *m)
            .collect();
        let read = if ours().all(|p| p.spec.fields.iter().all(|f| a.offsets.get(*f).is_some())) {
            "db.system.name from the driver of each call's DB, else "
        } else {
            ""
        };
        vec![format!(
            "database/sql spans get {read}db.system.name={system} ({})",
            if drivers.is_empty() {
                "no known driver module in the build info".to_owned()
            } else {
                format!("from the driver module{} {}", if drivers.len() == 1 { "" } else { "s" }, drivers.join(", "))
            }
        )]
    }

    /// Which receiver the method has (`DB_RECV_*` in `bpf/lib/databasesql.bpf.h`).
    fn entry_cookie_tag(&self, p: &PlannedProbe) -> u8 {
        ["database/sql.(*DB).", "database/sql.(*Conn).", "database/sql.(*Tx).", "database/sql.(*Stmt)."]
            .iter()
            .position(|r| p.func.name.starts_with(r))
            .unwrap_or(0) as u8
    }

    fn reads_peers(&self) -> bool {
        true
    }

    #[cfg(bpf_built)]
    fn configure(&self, ro: &mut super::Rodata, report: &CheckReport) {
        let o = &report.offsets;
        let get = |f: Field| o.get(f).unwrap_or(0);
        ro.off_stmt_query = get(STMT_QUERY);
        ro.off_db_connector = get(DB_CONNECTOR);
        ro.off_dsnconnector_driver = get(DSNCONNECTOR_DRIVER);
        ro.off_conn_db = get(CONN_DB);
        ro.off_tx_db = get(TX_DB);
        ro.off_stmt_db = get(STMT_DB);
        ro.have_db_driver = [DB_CONNECTOR, DSNCONNECTOR_DRIVER, CONN_DB, TX_DB, STMT_DB]
            .iter()
            .all(|f| o.get(*f).is_some()) as u8;
        if let Some(p) = report.probe(ProbeId::SqlRollback) {
            ro.rollback_entry = p.entry_addrs[0];
            if let Some(f) = &p.ignored_caller {
                (ro.rollback_ignored_lo, ro.rollback_ignored_hi) = (f.entry, f.end);
            }
        }
    }
}

/// database/sql, kind client: named by `db.query.summary` (`SELECT users`, `SELECT orders
/// customers`), or, for a call that names its operation (`PREPARE`, `BEGIN`, `COMMIT`,
/// `ROLLBACK`, `PING`, as build mode names it), `{operation} {collection}`; `db.operation.name`
/// and `db.collection.name` only when the query has one operation (and one table); the system
/// when nothing else is known. Calls without a query have no `db.query.text`.
fn db_span<'a>(e: &'a SpanEvent, sem: &'a Semantics) -> SpanParts<'a> {
    let system = sem.sql_drivers.system(e.code).unwrap_or(&sem.db_system);
    let mut attrs = vec![kv_str("db.system.name", system)];
    server_address(&mut attrs, split_host_port(&e.aux[0]));
    let facts = sql::summarize(&e.text);
    if !e.text.is_empty() {
        match sem.query_text {
            QueryText::Sanitized => attrs.push(kv_str("db.query.text", sql::sanitize(&e.text))),
            QueryText::Raw => attrs.push(kv_str("db.query.text", e.text.as_str())),
            QueryText::Off => {}
        }
    }
    let call = &e.aux[1];
    let (name, operation) = if !call.is_empty() {
        let name = match &facts.collection {
            Some(c) => format!("{call} {c}"),
            None => call.clone(),
        };
        (Some(name), Some(call.clone()))
    } else {
        if let Some(s) = &facts.summary {
            attrs.push(kv_str("db.query.summary", s.clone()));
        }
        (facts.summary.clone(), facts.operation.clone())
    };
    if let Some(op) = operation {
        attrs.push(kv_str("db.operation.name", op));
    }
    if let Some(c) = facts.collection {
        attrs.push(kv_str("db.collection.name", c));
    }
    if e.is_error {
        attrs.push(kv_str("error.type", "_OTHER"));
    }
    let name = name.unwrap_or_else(|| system.to_owned());
    (name, span::SpanKind::Client, e.is_error, attrs)
}
