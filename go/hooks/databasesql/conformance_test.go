package databasesql

import (
	"context"
	"database/sql"
	"fmt"
	"testing"

	"autotel.dev/go/gls"
	"autotel.dev/go/internal/conformance"
	sc "autotel.dev/go/internal/semconv/keys"
	"go.opentelemetry.io/otel/attribute"
)

// sqlQuery is a row of testdata/semantics/sql.json's queries.
type sqlQuery struct {
	About  string `json:"about"`
	System string `json:"system"`
	Call   string `json:"call"`
	Query  string `json:"query"`
	conformance.Expect
}

// sqlDriver is a row of its drivers.
type sqlDriver struct {
	Driver string `json:"driver"`
	System string `json:"system"`
}

// Every row of the conformance table gives the span it expects, started and
// ended by the hooks' own start/end on a DB whose system is the row's.
func TestConformanceQueries(t *testing.T) {
	defer gls.InstallFakeForTests()()
	for i, row := range conformance.Rows[sqlQuery](t, "sql.json", "queries") {
		tel := setup(t)
		db := new(sql.DB)
		infos.Store(db, &dbInfo{db: db, system: row.System, attrs: []attribute.KeyValue{sc.DBSystemNameKey.String(row.System)}})
		start(context.Background(), db, row.Call, row.Query).end(nil)
		infos.Delete(db)
		conformance.Check(t, fmt.Sprintf("sql.json query #%d %s %q", i, row.Call, row.Query), tel.spans.Ended(), row.Expect)
	}
}

func TestConformanceDrivers(t *testing.T) {
	for _, row := range conformance.Rows[sqlDriver](t, "sql.json", "drivers") {
		if got := systemOfPackage(row.Driver); got != row.System {
			t.Errorf("sql.json driver %s: db.system.name %q, want %q", row.Driver, got, row.System)
		}
	}
}
