package pgx

import (
	"autotel.dev/go/internal/spantest"
	"context"
	"errors"
	"testing"

	"autotel.dev/go/api"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// connected runs connectEnter on a config as the rewritten connect does
// and returns autotel's tracer from it.
func connected(t *testing.T, connString string, user pgx.QueryTracer) *tracer {
	t.Helper()
	config, err := pgx.ParseConfig(connString)
	if err != nil {
		t.Fatal(err)
	}
	config.Tracer = user
	ctx := context.Background()
	connectEnter(&ctx, &config)
	tr, ok := config.Tracer.(*tracer)
	if !ok {
		t.Fatalf("config.Tracer is %T, want autotel's", config.Tracer)
	}
	return tr
}

// appTracer is an application's own tracer: it records what it is called
// with, and marks the ctx it returns.
type appTracer struct{ calls []string }

type appKey struct{}

func (a *appTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	a.calls = append(a.calls, "query start "+d.SQL)
	if !trace.SpanContextFromContext(ctx).IsValid() {
		a.calls = append(a.calls, "no span in ctx")
	}
	return context.WithValue(ctx, appKey{}, true)
}

func (a *appTracer) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryEndData) {
	if ctx.Value(appKey{}) == nil {
		a.calls = append(a.calls, "end without the app's ctx")
	}
	a.calls = append(a.calls, "query end")
}

func (a *appTracer) TraceConnectStart(ctx context.Context, _ pgx.TraceConnectStartData) context.Context {
	a.calls = append(a.calls, "connect start")
	return ctx
}

func (a *appTracer) TraceConnectEnd(context.Context, pgx.TraceConnectEndData) {
	a.calls = append(a.calls, "connect end")
}

func TestQuerySpan(t *testing.T) {
	rec := spantest.Record(t)
	tr := connected(t, "postgres://u@db.example:6543/shop?sslmode=disable", nil)
	ctx := tr.TraceQueryStart(context.Background(), nil, pgx.TraceQueryStartData{SQL: "SELECT name FROM widgets WHERE id = 42"})
	tr.TraceQueryEnd(ctx, nil, pgx.TraceQueryEndData{})
	spans := rec.Ended()
	if len(spans) != 1 {
		t.Fatalf("%d spans, want 1", len(spans))
	}
	s := spans[0]
	if s.Name() != "SELECT widgets" || s.SpanKind() != trace.SpanKindClient || s.Status().Code == codes.Error {
		t.Errorf("span %q kind %v status %v", s.Name(), s.SpanKind(), s.Status())
	}
	want := map[string]attribute.Value{
		"db.system.name":     attribute.StringValue("postgresql"),
		"db.namespace":       attribute.StringValue("shop"),
		"server.address":     attribute.StringValue("db.example"),
		"server.port":        attribute.IntValue(6543),
		"db.query.text":      attribute.StringValue("SELECT name FROM widgets WHERE id = ?"),
		"db.query.summary":   attribute.StringValue("SELECT widgets"),
		"db.operation.name":  attribute.StringValue("SELECT"),
		"db.collection.name": attribute.StringValue("widgets"),
	}
	got := spantest.Attrs(s)
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k].Emit(), v.Emit())
		}
	}
	if len(got) != len(want) {
		t.Errorf("attributes %v", got)
	}
}

// A unix socket is no server.address.
func TestUnixSocketHasNoServerAddress(t *testing.T) {
	rec := spantest.Record(t)
	tr := connected(t, "host=/var/run/postgresql dbname=shop", nil)
	tr.TraceQueryEnd(tr.TraceQueryStart(context.Background(), nil, pgx.TraceQueryStartData{SQL: "SELECT 1"}), nil, pgx.TraceQueryEndData{})
	got := spantest.Attrs(rec.Ended()[0])
	if _, ok := got["server.address"]; ok {
		t.Errorf("server.address for a unix socket: %v", got)
	}
	if got["db.namespace"].AsString() != "shop" {
		t.Errorf("db.namespace %v", got["db.namespace"].Emit())
	}
}

// A server error's SQLSTATE is error.type and db.response.status_code; other
// errors get api.ErrorType.
func TestErrors(t *testing.T) {
	rec := spantest.Record(t)
	tr := connected(t, "postgres://u@127.0.0.1/shop", nil)
	for _, err := range []error{&pgconn.PgError{Code: "42P01", Message: "relation does not exist"}, context.DeadlineExceeded} {
		ctx := tr.TraceQueryStart(context.Background(), nil, pgx.TraceQueryStartData{SQL: "SELECT * FROM missing"})
		tr.TraceQueryEnd(ctx, nil, pgx.TraceQueryEndData{Err: err})
	}
	spans := rec.Ended()
	for i, want := range []string{"42P01", "timeout"} {
		got := spantest.Attrs(spans[i])
		if spans[i].Status().Code != codes.Error || got["error.type"].AsString() != want {
			t.Errorf("span %d: status %v error.type %q, want %q", i, spans[i].Status(), got["error.type"].AsString(), want)
		}
	}
	if spantest.Attrs(spans[0])["db.response.status_code"].AsString() != "42P01" || spantest.Attrs(spans[1])["db.response.status_code"].Type() != attribute.INVALID {
		t.Errorf("db.response.status_code: %v, %v", spantest.Attrs(spans[0]), spantest.Attrs(spans[1]))
	}
}

func batch(tr *tracer, queries ...string) {
	b := &pgx.Batch{}
	for _, q := range queries {
		b.Queue(q)
	}
	ctx := tr.TraceBatchStart(context.Background(), nil, pgx.TraceBatchStartData{Batch: b})
	for _, q := range queries {
		tr.TraceBatchQuery(ctx, nil, pgx.TraceBatchQueryData{SQL: q})
	}
	tr.TraceBatchEnd(ctx, nil, pgx.TraceBatchEndData{})
}

// One span per batch: "BATCH {operation} {collection}" when its statements
// share them, else "BATCH"; a batch of one is that statement.
func TestBatchSpans(t *testing.T) {
	rec := spantest.Record(t)
	tr := connected(t, "postgres://u@127.0.0.1/shop", nil)
	batch(tr, "INSERT INTO widgets VALUES ($1, 'a')", "INSERT INTO widgets VALUES ($1, 'b')")
	batch(tr, "INSERT INTO widgets VALUES (1)", "INSERT INTO gadgets VALUES (2)")
	batch(tr, "INSERT INTO widgets VALUES (1)", "DELETE FROM widgets")
	batch(tr, "UPDATE widgets SET n = 1")
	spans := rec.Ended()
	for i, want := range []struct{ name, op, size, text string }{
		{"BATCH INSERT widgets", "BATCH INSERT", "2", "INSERT INTO widgets VALUES ($1, ?); INSERT INTO widgets VALUES ($1, ?)"},
		{"BATCH INSERT", "BATCH INSERT", "2", "INSERT INTO widgets VALUES (?); INSERT INTO gadgets VALUES (?)"},
		{"BATCH", "BATCH", "2", "INSERT INTO widgets VALUES (?); DELETE FROM widgets"},
		{"UPDATE widgets", "UPDATE", "", "UPDATE widgets SET n = ?"},
	} {
		got := spantest.Attrs(spans[i])
		size := ""
		if v, ok := got["db.operation.batch.size"]; ok {
			size = v.Emit()
		}
		if spans[i].Name() != want.name || got["db.operation.name"].AsString() != want.op || size != want.size || got["db.query.text"].AsString() != want.text {
			t.Errorf("batch %d: %q %v, want %+v", i, spans[i].Name(), got, want)
		}
	}
}

func TestCopyFromSpan(t *testing.T) {
	rec := spantest.Record(t)
	tr := connected(t, "postgres://u@127.0.0.1/shop", nil)
	ctx := tr.TraceCopyFromStart(context.Background(), nil, pgx.TraceCopyFromStartData{TableName: pgx.Identifier{"public", "widgets"}, ColumnNames: []string{"id"}})
	tr.TraceCopyFromEnd(ctx, nil, pgx.TraceCopyFromEndData{})
	s := rec.Ended()[0]
	if got := spantest.Attrs(s); s.Name() != "COPY public.widgets" || got["db.operation.name"].AsString() != "COPY" || got["db.collection.name"].AsString() != "public.widgets" {
		t.Errorf("%q %v", s.Name(), got)
	}
}

// The application's tracer keeps getting every call, with autotel's span
// in its ctx, and its own ctx back at the end.
func TestApplicationsTracerIsKept(t *testing.T) {
	rec := spantest.Record(t)
	app := &appTracer{}
	tr := connected(t, "postgres://u@127.0.0.1/shop", app)
	ctx := tr.TraceConnectStart(context.Background(), pgx.TraceConnectStartData{})
	tr.TraceConnectEnd(ctx, pgx.TraceConnectEndData{})
	ctx = tr.TraceQueryStart(context.Background(), nil, pgx.TraceQueryStartData{SQL: "SELECT 1"})
	tr.TraceQueryEnd(ctx, nil, pgx.TraceQueryEndData{})
	// Batch and CopyFrom: the app's tracer does not trace them; autotel still does.
	batch(tr, "SELECT 1", "SELECT 2")
	want := []string{"connect start", "connect end", "query start SELECT 1", "query end"}
	if len(app.calls) != len(want) {
		t.Fatalf("app tracer calls %q, want %q", app.calls, want)
	}
	for i := range want {
		if app.calls[i] != want[i] {
			t.Errorf("app tracer calls %q, want %q", app.calls, want)
		}
	}
	if n := len(rec.Ended()); n != 2 {
		t.Errorf("%d spans, want 2", n)
	}
	// Connecting again with a config that already holds autotel's tracer
	// does not wrap it twice.
	config, _ := pgx.ParseConfig("postgres://u@127.0.0.1/shop")
	config.Tracer = tr
	c := context.Background()
	connectEnter(&c, &config)
	if config.Tracer != tr {
		t.Errorf("wrapped twice: %T", config.Tracer)
	}
}

// A statement that database/sql already traces (its open CLIENT span in
// ctx, through pgx/v5/stdlib) gets no second span; one under a span of
// another kind, scope, or an ended one does.
func TestNoSecondSpanUnderDatabaseSQL(t *testing.T) {
	rec := spantest.Record(t)
	tr := connected(t, "postgres://u@127.0.0.1/shop", nil)
	run := func(ctx context.Context) {
		tr.TraceQueryEnd(tr.TraceQueryStart(ctx, nil, pgx.TraceQueryStartData{SQL: "SELECT 1"}), nil, pgx.TraceQueryEndData{})
	}
	sqlTracer := otel.Tracer(api.ScopePrefix + "databasesql")
	ctx, sqlSpan := sqlTracer.Start(context.Background(), "SELECT", trace.WithSpanKind(trace.SpanKindClient))
	run(ctx)
	if n := len(rec.Ended()); n != 0 {
		t.Fatalf("%d spans under database/sql's span, want none", n)
	}
	sqlSpan.End()
	run(ctx) // database/sql's span has ended: this is another call
	srvCtx, srv := sqlTracer.Start(context.Background(), "x", trace.WithSpanKind(trace.SpanKindServer))
	run(srvCtx)
	srv.End()
	otherCtx, other := otel.Tracer("app").Start(context.Background(), "x", trace.WithSpanKind(trace.SpanKindClient))
	run(otherCtx)
	other.End()
	pgxSpans := 0
	for _, s := range rec.Ended() {
		if s.InstrumentationScope().Name == inst.ScopeName() {
			pgxSpans++
		}
	}
	if pgxSpans != 3 {
		t.Errorf("%d pgx spans, want 3", pgxSpans)
	}
}

// An operation whose span was not started never ends an outer one found in
// its ctx.
func TestSkippedOperationEndsNothing(t *testing.T) {
	rec := spantest.Record(t)
	tr := connected(t, "postgres://u@127.0.0.1/shop", nil)
	outer := tr.TraceQueryStart(context.Background(), nil, pgx.TraceQueryStartData{SQL: "SELECT 1"})
	inner := tr.TraceQueryStart(api.Suppress(outer), nil, pgx.TraceQueryStartData{SQL: "SELECT 2"})
	tr.TraceQueryEnd(inner, nil, pgx.TraceQueryEndData{Err: errors.New("inner")})
	if n := len(rec.Ended()); n != 0 {
		t.Fatalf("the suppressed call ended %d spans", n)
	}
	tr.TraceQueryEnd(outer, nil, pgx.TraceQueryEndData{})
	if s := rec.Ended(); len(s) != 1 || s[0].Status().Code == codes.Error {
		t.Errorf("outer span: %v", s)
	}
}

// Disabled (OTEL_GO_DISABLED_INSTRUMENTATIONS=pgx), connect keeps the
// application's tracer as it is.
func TestDisabledAddsNoTracer(t *testing.T) {
	t.Cleanup(api.ReloadEnvironment) // after t.Setenv's own cleanup
	t.Setenv("OTEL_GO_DISABLED_INSTRUMENTATIONS", "pgx")
	api.ReloadEnvironment()
	config, _ := pgx.ParseConfig("postgres://u@127.0.0.1/shop")
	app := &appTracer{}
	config.Tracer = app
	ctx := context.Background()
	connectEnter(&ctx, &config)
	if config.Tracer != pgx.QueryTracer(app) {
		t.Errorf("tracer %T", config.Tracer)
	}
}

// The program sees the config it set: (*Conn).Config's copy and the
// ConnectTracer's data hold the application's tracer (or none), not autotel's.
func TestConfigShowsTheApplicationsTracer(t *testing.T) {
	spantest.Record(t)
	for _, user := range []pgx.QueryTracer{nil, &appTracer{}} {
		config, _ := pgx.ParseConfig("postgres://u@127.0.0.1/shop")
		config.Tracer = user
		ctx := context.Background()
		connectEnter(&ctx, &config)
		if _, ok := config.Tracer.(*tracer); !ok {
			t.Fatalf("connect's config has %T", config.Tracer)
		}
		copied := config.Copy() // what Config() returns
		if st, _ := configEnter(nil); st != nil {
			configExit(st, &copied)
		}
		if copied.Tracer != user {
			t.Errorf("Config().Tracer = %T, want %T", copied.Tracer, user)
		}
	}
	app := &seeingTracer{}
	config, _ := pgx.ParseConfig("postgres://u@127.0.0.1/shop")
	config.Tracer = app
	ctx := context.Background()
	connectEnter(&ctx, &config)
	config.Tracer.(*tracer).TraceConnectStart(ctx, pgx.TraceConnectStartData{ConnConfig: config})
	if app.saw != pgx.QueryTracer(app) {
		t.Errorf("TraceConnectStart's config has %T", app.saw)
	}
	if _, ok := config.Tracer.(*tracer); !ok {
		t.Errorf("the connection's own config lost autotel's tracer: %T", config.Tracer)
	}
}

// seeingTracer notes the tracer in the config TraceConnectStart gets.
type seeingTracer struct {
	appTracer
	saw pgx.QueryTracer
}

func (s *seeingTracer) TraceConnectStart(ctx context.Context, d pgx.TraceConnectStartData) context.Context {
	s.saw = d.ConnConfig.Tracer
	return ctx
}

// TestUnsampledParentBuildsNothing: under a parent that is not sampled, with
// the runtime's parent-based sampler (api.SetSampler), a statement starts no
// span, reads no SQL and allocates nothing: its ctx comes back as it was.
// Under a sampled parent the statement gets its child span.
func TestUnsampledParentBuildsNothing(t *testing.T) {
	rec := spantest.Record(t)
	api.SetSampler(otel.GetTracerProvider(), "parentbased_always_on")
	t.Cleanup(func() { api.SetSampler(nil, "") })
	tr := connected(t, "postgres://u@127.0.0.1/shop", nil)
	parent := trace.SpanContextConfig{TraceID: trace.TraceID{1}, SpanID: trace.SpanID{2}}
	unsampled := trace.ContextWithRemoteSpanContext(context.Background(), trace.NewSpanContext(parent))
	data := pgx.TraceQueryStartData{SQL: "SELECT n FROM users WHERE name = 'bob'"}
	allocs := testing.AllocsPerRun(50, func() {
		if ctx := tr.TraceQueryStart(unsampled, nil, data); ctx != unsampled {
			t.Fatal("TraceQueryStart changed the ctx under an unsampled parent")
		}
		tr.TraceQueryEnd(unsampled, nil, pgx.TraceQueryEndData{})
	})
	if allocs != 0 {
		t.Errorf("a statement under an unsampled parent allocates %v", allocs)
	}
	parent.TraceFlags = trace.FlagsSampled
	sampled := trace.ContextWithRemoteSpanContext(context.Background(), trace.NewSpanContext(parent))
	tr.TraceQueryEnd(tr.TraceQueryStart(sampled, nil, data), nil, pgx.TraceQueryEndData{})
	if spans := rec.Ended(); len(spans) != 1 || spans[0].Parent().SpanID() != parent.SpanID {
		t.Fatalf("under a sampled parent: %d spans, want 1 child", len(spans))
	}
}

// TestPrepareSpans: a Prepare the application calls is a span "PREPARE
// {table}"; one pgx makes inside a traced statement (its statement cache)
// is not, and its end does not end the statement's span.
func TestPrepareSpans(t *testing.T) {
	rec := spantest.Record(t)
	tr := connected(t, "postgres://u@127.0.0.1/shop", nil)
	prepare := pgx.TracePrepareStartData{Name: "by_id", SQL: "SELECT id FROM widgets WHERE id = $1"}
	tr.TracePrepareEnd(tr.TracePrepareStart(context.Background(), nil, prepare), nil, pgx.TracePrepareEndData{})
	spans := rec.Ended()
	if len(spans) != 1 {
		t.Fatalf("%d spans for an explicit Prepare, want 1", len(spans))
	}
	if a := spantest.Attrs(spans[0]); spans[0].Name() != "PREPARE widgets" || a["db.operation.name"].AsString() != "PREPARE" ||
		a["db.collection.name"].AsString() != "widgets" || a["db.system.name"].AsString() != "postgresql" {
		t.Errorf("span %q %v", spans[0].Name(), a)
	}

	query := tr.TraceQueryStart(context.Background(), nil, pgx.TraceQueryStartData{SQL: prepare.SQL})
	tr.TracePrepareEnd(tr.TracePrepareStart(query, nil, prepare), nil, pgx.TracePrepareEndData{Err: errors.New("cache")})
	if n := len(rec.Ended()); n != 1 {
		t.Fatalf("pgx's own prepare inside a statement ended %d more spans", n-1)
	}
	tr.TraceQueryEnd(query, nil, pgx.TraceQueryEndData{})
	if spans := rec.Ended(); len(spans) != 2 || spans[1].Name() != "SELECT widgets" || spans[1].Status().Code == codes.Error {
		t.Errorf("the statement's span: %v", spans[len(spans)-1])
	}
}
