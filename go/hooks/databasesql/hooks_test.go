package databasesql

// The hooks are called here exactly as the trampolines call them, around the
// real database/sql methods, against a fake driver written for this test
// (database/sql/driver only; a real driver would add a dependency to the hook
// module). Real drivers are exercised end to end by crates/autotel/tests.

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"strings"
	"testing"
	"unsafe"

	"autotel.dev/go/api"
	"autotel.dev/go/gls"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// fakeDriver answers every query with one row (1) and fails queries that
// mention "missing_table".
type fakeDriver struct{}
type fakeConn struct{}
type fakeStmt struct{ query string }
type fakeTx struct{}
type fakeRows struct{ done bool }

var errNoTable = errors.New("no such table: missing_table")

func (fakeDriver) Open(string) (driver.Conn, error)            { return fakeConn{}, nil }
func (fakeConn) Prepare(q string) (driver.Stmt, error)         { return &fakeStmt{q}, nil }
func (fakeConn) Close() error                                  { return nil }
func (fakeConn) Begin() (driver.Tx, error)                     { return fakeTx{}, nil }
func (fakeTx) Commit() error                                   { return nil }
func (fakeTx) Rollback() error                                 { return nil }
func (s *fakeStmt) Close() error                               { return nil }
func (s *fakeStmt) NumInput() int                              { return -1 }
func (s *fakeStmt) Exec([]driver.Value) (driver.Result, error) { return s.result() }
func (s *fakeStmt) Query([]driver.Value) (driver.Rows, error) {
	if strings.Contains(s.query, "missing_table") {
		return nil, errNoTable
	}
	return &fakeRows{}, nil
}
func (s *fakeStmt) result() (driver.Result, error) {
	if strings.Contains(s.query, "missing_table") {
		return nil, errNoTable
	}
	return driver.RowsAffected(1), nil
}
func (r *fakeRows) Columns() []string { return []string{"n"} }
func (r *fakeRows) Close() error      { return nil }
func (r *fakeRows) Next(dest []driver.Value) error {
	if r.done {
		return io.EOF
	}
	r.done = true
	dest[0] = int64(1)
	return nil
}

func init() { sql.Register("autotel-fake", fakeDriver{}) }

type telemetry struct {
	spans   *tracetest.SpanRecorder
	metrics *sdkmetric.ManualReader
}

func setup(t *testing.T) *telemetry {
	t.Helper()
	tel := &telemetry{spans: tracetest.NewSpanRecorder(), metrics: sdkmetric.NewManualReader()}
	prevTP, prevMP := otel.GetTracerProvider(), otel.GetMeterProvider()
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(tel.spans)))
	otel.SetMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(tel.metrics)))
	t.Cleanup(func() { otel.SetTracerProvider(prevTP); otel.SetMeterProvider(prevMP) })
	return tel
}

// withAccessors registers what the file added to database/sql registers,
// from what the test knows (the real ones read unexported fields).
func withAccessors(t *testing.T, stmts map[*sql.Stmt]string, dbOf func() *sql.DB) {
	prev := accessors
	slots := map[*sql.DB]*unsafe.Pointer{}
	registerAccessors(
		func(s *sql.Stmt) (*sql.DB, string) { return dbOf(), stmts[s] },
		func(*sql.Tx) (*sql.DB, context.Context, bool) { return dbOf(), nil, false },
		func(*sql.DB) (driver.Connector, string) { return nil, "u:p@tcp(db.test:3307)/app" },
		func(db *sql.DB) *unsafe.Pointer {
			if slots[db] == nil {
				slots[db] = new(unsafe.Pointer)
			}
			return slots[db]
		},
		func(*sql.Conn) *sql.DB { return dbOf() },
	)
	t.Cleanup(func() { accessors = prev })
}

func attrs(kv []attribute.KeyValue) map[string]string {
	m := map[string]string{}
	for _, a := range kv {
		m[string(a.Key)] = a.Value.Emit()
	}
	return m
}

func TestSpansForEveryOperation(t *testing.T) {
	defer gls.InstallFakeForTests()()
	tel := setup(t)
	db, err := sql.Open("autotel-fake", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	stmts := map[*sql.Stmt]string{}
	withAccessors(t, stmts, func() *sql.DB { return db })

	_, parent := api.Begin(context.Background(), otel.Tracer("test"), "handler")
	ctx := context.Background() // no span in ctx: the goroutine's span is the parent

	// Query: DB.QueryContext's span; queryDC, reached with the marked ctx,
	// starts none.
	q := "SELECT n FROM users WHERE name = 'bob'"
	qctx := ctx
	st, _ := dbQueryEnter(&db, &qctx, &q, new([]any))
	if inner, _ := queryEnter(&db, &qctx, &qctx, nil, nil, &q, new([]any)); inner != nil {
		t.Error("queryDC started a second span under DB.QueryContext")
	}
	rows, err := db.QueryContext(qctx, q)
	queryExit(st, &rows, &err)
	if err != nil {
		t.Fatal(err)
	}
	rows.Close()

	// Exec that fails.
	e := "INSERT INTO missing_table VALUES (1)"
	ectx := ctx
	st, _ = dbExecEnter(&db, &ectx, &e, new([]any))
	res, err := db.ExecContext(ectx, e)
	execExit(st, &res, &err)
	if !errors.Is(err, errNoTable) {
		t.Fatalf("exec error %v, want the driver's (unchanged)", err)
	}

	// Prepare, then the statement's query.
	p := "SELECT n FROM orders WHERE id = ?"
	pctx := ctx
	st, _ = dbPrepareEnter(&db, &pctx, &p)
	stmt, err := db.PrepareContext(pctx, p)
	prepareExit(st, &stmt, &err)
	if err != nil {
		t.Fatal(err)
	}
	stmts[stmt] = p
	var args []any = []any{7}
	st, _ = stmtEnter(&stmt, &ctx, &args)
	srows, err := stmt.QueryContext(ctx, args...)
	stmtQueryExit(st, &srows, &err)
	srows.Close()

	// Begin, commit, and a rollback of a done transaction (no span).
	var opts *sql.TxOptions
	st, _ = beginEnter(&db, &ctx, &opts)
	tx, err := db.BeginTx(ctx, opts)
	beginExit(st, &tx, &err)
	st, _ = commitEnter(&tx)
	err = tx.Commit()
	txExit(st, &err)

	// Ping.
	st, _ = pingEnter(&db, &ctx)
	err = db.PingContext(ctx)
	pingExit(st, &err)

	// Tx.QueryContext reaches queryDC with the caller's ctx: its own span.
	tx, _ = db.BeginTx(ctx, nil)
	tq := "SELECT n FROM accounts"
	st, _ = queryEnter(&db, &ctx, &ctx, nil, nil, &tq, new([]any))
	trows, err := tx.QueryContext(ctx, tq)
	queryExit(st, &trows, &err)
	trows.Close()
	tx.Rollback()
	parent.End()

	type want struct {
		name, op, coll, text string
		err                  bool
	}
	wants := []want{
		{"SELECT users", "SELECT", "users", "SELECT n FROM users WHERE name = ?", false},
		{"INSERT missing_table", "INSERT", "missing_table", "INSERT INTO missing_table VALUES (?)", true},
		{"PREPARE orders", "PREPARE", "orders", p, false},
		{"SELECT orders", "SELECT", "orders", p, false},
		{"BEGIN", "BEGIN", "", "", false},
		{"COMMIT", "COMMIT", "", "", false},
		{"PING", "PING", "", "", false},
		{"SELECT accounts", "SELECT", "accounts", tq, false},
	}
	var got []sdktrace.ReadOnlySpan
	for _, s := range tel.spans.Ended() {
		if s.Name() != "handler" {
			got = append(got, s)
		}
	}
	if len(got) != len(wants) {
		names := []string{}
		for _, s := range got {
			names = append(names, s.Name())
		}
		t.Fatalf("spans %q, want %d", names, len(wants))
	}
	for i, w := range wants {
		s := got[i]
		a := attrs(s.Attributes())
		if s.Name() != w.name || a["db.operation.name"] != w.op || a["db.collection.name"] != w.coll || a["db.query.text"] != w.text {
			t.Errorf("span %d: %q %v, want %+v", i, s.Name(), a, w)
		}
		if s.SpanKind() != trace.SpanKindClient || s.Parent().SpanID() != parent.Span().SpanContext().SpanID() {
			t.Errorf("span %q: kind %v parent %v, want client child of the handler", s.Name(), s.SpanKind(), s.Parent().SpanID())
		}
		if a["db.system.name"] != "other_sql" || a["server.address"] != "db.test" || a["server.port"] != "3307" {
			t.Errorf("span %q: system/server %v", s.Name(), a)
		}
		if (s.Status().Code == codes.Error) != w.err {
			t.Errorf("span %q: status %v, want error=%v", s.Name(), s.Status(), w.err)
		}
	}
	if a := attrs(got[1].Attributes()); a["error.type"] != "*errors.errorString" {
		t.Errorf("error.type %q", a["error.type"])
	}

	// Rollback after Commit touches nothing: no span.
	prev := accessors.tx
	accessors.tx = func(*sql.Tx) (*sql.DB, context.Context, bool) { return db, nil, true }
	if st, _ := rollbackEnter(&tx); st != nil {
		t.Error("a span for Rollback of a done transaction")
	}
	accessors.tx = prev

	// Connection metrics.
	cst, _ := connEnter(&db, &ctx, nil)
	connExit(cst, nil, new(error))
	var rm metricdata.ResourceMetrics
	if err := tel.metrics.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	// The pool is named after the DB's address; other DBs of this process (other tests, earlier
	// runs of -count) have pools of their own, told apart by a "#N" suffix.
	poolName := infoOf(db).poolName
	if base, _, _ := strings.Cut(poolName, "#"); base != "db.test:3307" {
		t.Errorf("pool name %q, want db.test:3307 (with a #N suffix when an earlier DB has that name)", poolName)
	}
	found := map[string]bool{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			found[m.Name] = true
			if g, ok := m.Data.(metricdata.Sum[int64]); ok && m.Name == "db.client.connection.count" {
				for _, dp := range g.DataPoints {
					if pool, _ := dp.Attributes.Value("db.client.connection.pool.name"); pool.AsString() == poolName {
						found["count of "+poolName] = true
					}
				}
			}
		}
	}
	if !found["db.client.connection.count"] || !found["db.client.connection.wait_time"] || !found["count of "+poolName] {
		t.Errorf("metrics %v, want connection count (of pool %s) and wait time", found, poolName)
	}
}

func TestSystemOfDriver(t *testing.T) {
	if got := systemOf(fakeDriver{}); got != "other_sql" {
		t.Errorf("fake driver: %q", got)
	}
	if got := systemOf(nil); got != "other_sql" {
		t.Errorf("nil driver: %q", got)
	}
}

func TestDisabledDoesNothing(t *testing.T) {
	t.Cleanup(api.ReloadEnvironment) // runs after Setenv's restore
	t.Setenv("OTEL_GO_DISABLED_INSTRUMENTATIONS", "databasesql")
	api.ReloadEnvironment()
	db, _ := sql.Open("autotel-fake", "")
	defer db.Close()
	ctx := context.Background()
	q := "SELECT 1"
	allocs := testing.AllocsPerRun(50, func() {
		if st, skip := dbQueryEnter(&db, &ctx, &q, new([]any)); st != nil || skip {
			t.Fatal("queryEnter did something while disabled")
		}
	})
	if allocs > 1 { // new([]any) of the call itself
		t.Errorf("disabled queryEnter allocates %v", allocs)
	}
}

// TestUnsampledParentBuildsNothing: under a parent that is not sampled, with the runtime's
// parent-based sampler (api.SetSampler), a query starts no span and allocates nothing but
// the call's own arguments; the SDK would have started a non-recording one.
func TestUnsampledParentBuildsNothing(t *testing.T) {
	prevTP := otel.GetTracerProvider()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	otel.SetTracerProvider(tp)
	api.SetSampler(tp, "parentbased_always_on")
	t.Cleanup(func() { otel.SetTracerProvider(prevTP); api.SetSampler(nil, "") })
	db, _ := sql.Open("autotel-fake", "")
	defer db.Close()
	ctx := trace.ContextWithRemoteSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{1}, SpanID: trace.SpanID{2}}))
	q := "SELECT n FROM users WHERE name = 'bob'"
	allocs := testing.AllocsPerRun(50, func() {
		qctx := ctx
		if st, skip := dbQueryEnter(&db, &qctx, &q, new([]any)); st != nil || skip || qctx != ctx {
			t.Fatal("queryEnter started a span under an unsampled parent")
		}
	})
	if allocs > 1 { // new([]any) of the call itself
		t.Errorf("queryEnter under an unsampled parent allocates %v", allocs)
	}
	// A sampled parent still gets its child.
	sctx := trace.ContextWithRemoteSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{1}, SpanID: trace.SpanID{2}, TraceFlags: trace.FlagsSampled}))
	st, _ := dbQueryEnter(&db, &sctx, &q, new([]any))
	st.end(nil)
	if n := len(rec.Ended()); n != 1 {
		t.Fatalf("%d spans under a sampled parent, want 1", n)
	}
}
