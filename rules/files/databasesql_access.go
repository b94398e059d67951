// Added to package database/sql by autotel (rules/databasesql.yaml, file rule).
//
// It hands autotel's database/sql hooks (autotel.dev/go/hooks/databasesql)
// read-only access to what database/sql keeps unexported: the DB and query of
// a Stmt, the DB, context and state of a Tx, the DB of a Conn, a DB's connector (and its DSN
// when sql.Open made a dsnConnector), and the field autotel_info that
// rules/databasesql.yaml adds to DB, where the hooks cache what they learn
// about a DB once. Checked against Go 1.23 to 1.26: Stmt.db, Stmt.query,
// Tx.db, Tx.ctx, Tx.done (atomic.Bool), Conn.db, DB.connector and dsnConnector.dsn
// exist with these meanings in all of them.

package sql

import (
	"context"
	"database/sql/driver"
	"unsafe"
)

//go:linkname autotelRegisterSQLAccessors autotel.dev/go/hooks/databasesql.registerAccessors
func autotelRegisterSQLAccessors(
	stmt func(*Stmt) (*DB, string),
	tx func(*Tx) (*DB, context.Context, bool),
	connector func(*DB) (driver.Connector, string),
	info func(*DB) *unsafe.Pointer,
	conn func(*Conn) *DB,
)

func init() {
	autotelRegisterSQLAccessors(
		func(s *Stmt) (*DB, string) { return s.db, s.query },
		func(tx *Tx) (*DB, context.Context, bool) { return tx.db, tx.ctx, tx.done.Load() },
		func(db *DB) (driver.Connector, string) {
			if c, ok := db.connector.(dsnConnector); ok {
				return c, c.dsn
			}
			return db.connector, ""
		},
		func(db *DB) *unsafe.Pointer { return &db.autotel_info },
		func(c *Conn) *DB { return c.db },
	)
}
