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

// sqlTable is testdata/semantics/sql.json.
type sqlTable struct {
	About   string `json:"about"`
	Drivers []struct {
		Driver string `json:"driver"`
		System string `json:"system"`
	} `json:"drivers"`
	Queries []struct {
		About  string `json:"about"`
		System string `json:"system"`
		Call   string `json:"call"`
		Query  string `json:"query"`
		conformance.Expect
	} `json:"queries"`
}

// Every row of the conformance table gives the span it expects, started and
// ended by the hooks' own start/end on a DB whose system is the row's.
func TestConformanceQueries(t *testing.T) {
	defer gls.InstallFakeForTests()()
	var table sqlTable
	conformance.Load(t, "sql.json", &table)
	if len(table.Queries) == 0 {
		t.Fatal("sql.json has no queries")
	}
	for i, row := range table.Queries {
		tel := setup(t)
		db := new(sql.DB)
		infos.Store(db, &dbInfo{db: db, system: row.System, attrs: []attribute.KeyValue{sc.DBSystemNameKey.String(row.System)}})
		start(context.Background(), db, row.Call, row.Query).end(nil)
		infos.Delete(db)
		spans := tel.spans.Ended()
		if len(spans) != 1 {
			t.Fatalf("row %d (%q): %d spans, want 1", i, row.Query, len(spans))
		}
		conformance.Check(t, fmt.Sprintf("sql.json query #%d %s %q", i, row.Call, row.Query), spans[0], row.Expect)
	}
}

func TestConformanceDrivers(t *testing.T) {
	var table sqlTable
	conformance.Load(t, "sql.json", &table)
	for _, row := range table.Drivers {
		if got := systemOfPackage(row.Driver); got != row.System {
			t.Errorf("sql.json driver %s: db.system.name %q, want %q", row.Driver, got, row.System)
		}
	}
}
