//! Which database a database/sql call talks to: `db.system.name` from the driver of the call's
//! DB, as build mode reads it from the driver's type (`go/hooks/databasesql/info.go`). The BPF
//! programs (`db_driver` in `bpf/lib/databasesql.bpf.h`) hand over two code addresses, the first method
//! of the DB's `driver.Connector` and of the `driver.Driver` a `database/sql.dsnConnector`
//! holds; this module names them by the functions of `.gopclntab` (present in stripped
//! binaries too) and the function's package by the shared driver table
//! (`crate::spans::SQL_DRIVERS`, checked against `testdata/semantics/sql.json`).

use crate::pclntab::Pclntab;
use crate::spans::sql_system_of;

/// What a code address of the driver's is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Owner {
    /// A function of a listed driver package: its `db.system.name`.
    Driver(&'static str),
    /// A method of `database/sql.dsnConnector`: the driver is the second address's.
    DsnConnector,
}

/// The functions that name a driver, by address: those of listed driver packages and
/// database/sql's `dsnConnector`; any other function names none (`other_sql`).
#[derive(Debug, Clone, Default)]
pub struct SqlDrivers {
    /// `[entry, end)` and owner, sorted by entry.
    funcs: Vec<(u64, u64, Owner)>,
}

impl SqlDrivers {
    pub fn from_pclntab(pcln: &Pclntab) -> SqlDrivers {
        let mut funcs: Vec<(u64, u64, Owner)> = pcln
            .funcs
            .iter()
            .filter_map(|f| {
                let owner = if f.name.starts_with("database/sql.dsnConnector.")
                    || f.name.starts_with("database/sql.(*dsnConnector).")
                {
                    Owner::DsnConnector
                } else {
                    Owner::Driver(sql_system_of(package_of(&f.name))?)
                };
                Some((f.entry, f.end, owner))
            })
            .collect();
        funcs.sort_unstable_by_key(|f| f.0);
        SqlDrivers { funcs }
    }

    fn owner(&self, addr: u64) -> Option<Owner> {
        let i = self.funcs.partition_point(|f| f.0 <= addr).checked_sub(1)?;
        let (entry, end, owner) = self.funcs[i];
        (entry <= addr && addr < end).then_some(owner)
    }

    /// `db.system.name` of a call whose driver the BPF programs read as `code` (see
    /// `SpanEvent::code`); `None` when they read nothing (the binary-wide guess applies).
    pub fn system(&self, code: [u64; 2]) -> Option<&'static str> {
        if code[0] == 0 {
            return None;
        }
        Some(match self.owner(code[0]) {
            Some(Owner::Driver(system)) => system,
            Some(Owner::DsnConnector) => match self.owner(code[1]) {
                Some(Owner::Driver(system)) => system,
                _ => "other_sql",
            },
            None => "other_sql",
        })
    }
}

/// The package path of a Go function symbol: `github.com/lib/pq.(*conn).Query` →
/// `github.com/lib/pq` (a generic instance's `[...]` may hold further paths).
fn package_of(symbol: &str) -> &str {
    let head = &symbol[..symbol.find('[').unwrap_or(symbol.len())];
    let slash = head.rfind('/').map_or(0, |i| i + 1);
    match head[slash..].find('.') {
        Some(dot) => &symbol[..slash + dot],
        None => head,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pclntab::Func;

    fn table(funcs: &[(&str, u64)]) -> SqlDrivers {
        let pcln = Pclntab {
            text_start: 0x1000,
            ptr_size: 8,
            funcs: funcs.iter().map(|(n, e)| Func { name: n.to_string(), entry: *e, end: e + 0x100 }).collect(),
        };
        SqlDrivers::from_pclntab(&pcln)
    }

    #[test]
    fn names_the_package_of_a_symbol() {
        assert_eq!(package_of("github.com/lib/pq.(*conn).Query"), "github.com/lib/pq");
        assert_eq!(package_of("modernc.org/sqlite.(*Driver).Open"), "modernc.org/sqlite");
        assert_eq!(package_of("database/sql.dsnConnector.Connect"), "database/sql");
        assert_eq!(package_of("main.main"), "main");
        assert_eq!(package_of("github.com/a/b.F[go.shape.*github.com/c/d.T]"), "github.com/a/b");
    }

    #[test]
    fn a_connector_or_the_driver_behind_a_dsn_connector_names_the_system() {
        let t = table(&[
            ("github.com/go-sql-driver/mysql.(*connector).Connect", 0x2000),
            ("database/sql.(*dsnConnector).Connect", 0x3000),
            ("modernc.org/sqlite.(*Driver).Open", 0x4000),
            ("example.com/wrapper.(*Connector).Connect", 0x5000),
        ]);
        assert_eq!(t.system([0x2000, 0]), Some("mysql"));
        assert_eq!(t.system([0x3000, 0x4000]), Some("sqlite"));
        // a connector or driver of no listed package: as build mode, other_sql
        assert_eq!(t.system([0x5000, 0x4000]), Some("other_sql"));
        assert_eq!(t.system([0x3000, 0x5000]), Some("other_sql"));
        assert_eq!(t.system([0x3000, 0]), Some("other_sql"));
        // nothing read: the caller's binary-wide answer
        assert_eq!(t.system([0, 0]), None);
        // an address past a function's end belongs to none
        assert_eq!(t.system([0x2100, 0]), Some("other_sql"));
    }
}
