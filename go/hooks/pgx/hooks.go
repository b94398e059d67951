package pgx

import (
	"context"
	"errors"
	"reflect"
	"strings"

	"autotel.dev/go/api"
	sc "autotel.dev/go/internal/semconv/keys"
	"autotel.dev/go/internal/sqlconv"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

var inst = api.NewInstrumentation("pgx")

// system is db.system.name of every span.
const system = "postgresql"

// databasesqlScope is the instrumentation scope of autotel's database/sql
// hooks (autotel.dev/go/hooks/databasesql).
var databasesqlScope = api.ScopePrefix + "databasesql"

// connectEnter is the enter hook of connect(ctx, config) (*Conn, error),
// which Connect, ConnectWithOptions and ConnectConfig call with a config of
// their own (ConnectConfig copies the caller's): it sets autotel's tracer on
// that config, around the application's.
func connectEnter(_ *context.Context, config **pgx.ConnConfig) (*struct{}, bool) {
	defer api.Guard("pgx.connectEnter")
	if !inst.Enabled() || config == nil || *config == nil {
		return nil, false
	}
	c := *config
	if _, ours := c.Tracer.(*tracer); ours || ownOtel(c.Tracer) {
		return nil, false
	}
	c.Tracer = newTracer(c.Tracer, &c.Config)
	return nil, false
}

// configEnter is the enter hook of (*Conn).Config() *ConnConfig: it only
// asks for the exit call (also while the instrumentation is disabled: the
// connection may have been made before).
func configEnter(_ **pgx.Conn) (*struct{}, bool) {
	return &configMark, false
}

var configMark struct{}

// configExit is the exit hook of (*Conn).Config(), which returns a copy of
// the connection's config: the copy holds the application's own tracer
// again, as it would without autotel.
func configExit(_ *struct{}, config **pgx.ConnConfig) {
	defer api.Guard("pgx.configExit")
	if config == nil || *config == nil {
		return
	}
	if t, ok := (*config).Tracer.(*tracer); ok {
		(*config).Tracer = t.user
	}
}

// ownOtel reports whether the application's tracer is an OpenTelemetry
// instrumentation of pgx (otelpgx): it traces pgx itself.
func ownOtel(t pgx.QueryTracer) bool {
	if t == nil {
		return false
	}
	typ := reflect.TypeOf(t)
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	return strings.Contains(typ.PkgPath(), "otelpgx")
}

// tracer is the pgx tracer of one connection: autotel's spans around the
// application's own tracer (nil when it set none).
type tracer struct {
	user  pgx.QueryTracer
	attrs []attribute.KeyValue // db.system.name, db.namespace, server.*
}

func newTracer(user pgx.QueryTracer, c *pgconn.Config) *tracer {
	attrs := []attribute.KeyValue{sc.DBSystemNameKey.String(system)}
	if c.Database != "" {
		attrs = append(attrs, sc.DBNamespaceKey.String(c.Database))
	}
	if c.Host != "" && !strings.HasPrefix(c.Host, "/") {
		attrs = append(attrs, sc.ServerAddressKey.String(c.Host))
		if c.Port != 0 {
			attrs = append(attrs, sc.ServerPortKey.Int(int(c.Port)))
		}
	}
	return &tracer{user: user, attrs: attrs}
}

// operation is one traced call, from its start to its end.
type operation struct {
	span trace.Span
	// batch: the statements' facts, as TraceBatchQuery reports them.
	size    int
	queries []sqlconv.Facts
}

type operationKey struct{}

// begin starts a span for one call, named and described by describe (called
// only when the span will record), and returns ctx carrying it and the
// operation. When no span is started (disabled, suppressed, database/sql's
// call, or an unsampled parent: api's Quiet) it builds nothing, and ctx is
// returned as it is unless it carries an outer operation, which is hidden so
// that this call's end never ends it.
func (t *tracer) begin(ctx context.Context, describe func() (string, []attribute.KeyValue)) (context.Context, *operation) {
	defer api.Guard("pgx.begin")
	if inst.Quiet(ctx) || api.Suppressed(ctx) || tracedByDatabaseSQL(ctx) {
		if operationOf(ctx) == nil {
			return ctx, nil
		}
		return context.WithValue(ctx, operationKey{}, (*operation)(nil)), nil
	}
	name, attrs := describe()
	all := make([]attribute.KeyValue, 0, len(t.attrs)+len(attrs))
	all = append(append(all, t.attrs...), attrs...)
	spanCtx, span := inst.Tracer().Start(api.Parent(ctx), name,
		trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(all...))
	op := &operation{span: span}
	return context.WithValue(spanCtx, operationKey{}, op), op
}

func operationOf(ctx context.Context) *operation {
	if ctx == nil {
		return nil
	}
	op, _ := ctx.Value(operationKey{}).(*operation)
	return op
}

// end records err and ends the operation's span.
func (op *operation) end(err error) {
	defer api.Guard("pgx.end")
	if op == nil {
		return
	}
	recordError(op.span, err)
	op.span.End()
}

// tracedByDatabaseSQL reports whether this call is database/sql's, through
// pgx/v5/stdlib: the span in ctx, or the goroutine's current one (database/sql
// hands its funnels' drivers the caller's ctx), is autotel's database/sql
// CLIENT span, still open.
func tracedByDatabaseSQL(ctx context.Context) bool {
	return isDatabaseSQLSpan(trace.SpanFromContext(ctx)) || isDatabaseSQLSpan(trace.SpanFromContext(api.Current()))
}

func isDatabaseSQLSpan(s trace.Span) bool {
	ro, ok := s.(sdktrace.ReadOnlySpan)
	return ok && ro.SpanKind() == trace.SpanKindClient && ro.InstrumentationScope().Name == databasesqlScope && ro.EndTime().IsZero()
}

// recordError records err as the conventions ask: an exception event,
// status Error, error.type the SQLSTATE of a server error (and
// db.response.status_code), else api.ErrorType.
func recordError(span trace.Span, err error) {
	if err == nil || !span.IsRecording() {
		return
	}
	span.RecordError(err)
	span.SetStatus(codes.Error, err.Error())
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code != "" {
		span.SetAttributes(sc.ErrorTypeKey.String(pgErr.Code), sc.DBResponseStatusCodeKey.String(pgErr.Code))
		return
	}
	span.SetAttributes(sc.ErrorTypeKey.String(api.ErrorType(err)))
}

// TraceQueryStart starts the span of Query, QueryRow or Exec.
func (t *tracer) TraceQueryStart(ctx context.Context, conn *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	ctx, _ = t.begin(ctx, func() (string, []attribute.KeyValue) { return sqlconv.Describe("", data.SQL, system) })
	if t.user != nil {
		ctx = t.user.TraceQueryStart(ctx, conn, data)
	}
	return ctx
}

// TraceQueryEnd ends it (for Query: when the rows are closed).
func (t *tracer) TraceQueryEnd(ctx context.Context, conn *pgx.Conn, data pgx.TraceQueryEndData) {
	if t.user != nil {
		t.user.TraceQueryEnd(ctx, conn, data)
	}
	operationOf(ctx).end(data.Err)
}

// opBatch is db.operation.name of a batch (prefix of its statements' shared one).
const opBatch = "BATCH"

// TraceBatchStart starts the one span of SendBatch; its name and query
// attributes are set at its end, from the statements TraceBatchQuery saw.
func (t *tracer) TraceBatchStart(ctx context.Context, conn *pgx.Conn, data pgx.TraceBatchStartData) context.Context {
	size := 0
	if data.Batch != nil {
		size = data.Batch.Len()
	}
	ctx, op := t.begin(ctx, func() (string, []attribute.KeyValue) { return opBatch, nil })
	if op != nil {
		op.size = size
	}
	if bt, ok := t.user.(pgx.BatchTracer); ok {
		ctx = bt.TraceBatchStart(ctx, conn, data)
	}
	return ctx
}

// TraceBatchQuery notes one statement of the batch.
func (t *tracer) TraceBatchQuery(ctx context.Context, conn *pgx.Conn, data pgx.TraceBatchQueryData) {
	if bt, ok := t.user.(pgx.BatchTracer); ok {
		bt.TraceBatchQuery(ctx, conn, data)
	}
	if op := operationOf(ctx); op != nil && len(op.queries) < maxBatchTexts {
		op.queries = append(op.queries, sqlconv.Read(data.SQL))
	}
}

// maxBatchTexts bounds the statements a batch span describes.
const maxBatchTexts = 64

// TraceBatchEnd names and ends the batch's span.
func (t *tracer) TraceBatchEnd(ctx context.Context, conn *pgx.Conn, data pgx.TraceBatchEndData) {
	if bt, ok := t.user.(pgx.BatchTracer); ok {
		bt.TraceBatchEnd(ctx, conn, data)
	}
	op := operationOf(ctx)
	if op == nil {
		return
	}
	name, attrs := describeBatch(op.size, op.queries)
	op.span.SetName(name)
	op.span.SetAttributes(attrs...)
	op.end(data.Err)
}

// describeBatch names a batch of size statements, of which queries were read:
// a batch of one is that statement; otherwise "BATCH", followed by the
// operation and the collection its statements share.
func describeBatch(size int, queries []sqlconv.Facts) (string, []attribute.KeyValue) {
	if size <= 1 && len(queries) == 1 {
		q := queries[0]
		name := q.Summary
		if name == "" {
			name = system
		}
		attrs := []attribute.KeyValue{sc.DBQueryTextKey.String(q.Text)}
		if q.Summary != "" {
			attrs = append(attrs, sc.DBQuerySummaryKey.String(q.Summary))
		}
		if q.Operation != "" {
			attrs = append(attrs, sc.DBOperationNameKey.String(q.Operation))
		}
		if q.Collection != "" {
			attrs = append(attrs, sc.DBCollectionNameKey.String(q.Collection))
		}
		return name, attrs
	}
	op, coll := "", ""
	texts := make([]string, 0, len(queries))
	for i, q := range queries {
		texts = append(texts, q.Text)
		if i == 0 {
			op, coll = q.Operation, q.Collection
			continue
		}
		if q.Operation != op {
			op = ""
		}
		if q.Collection != coll {
			coll = ""
		}
	}
	operation := opBatch
	if op != "" {
		operation += " " + op
	}
	name := operation
	attrs := []attribute.KeyValue{sc.DBOperationNameKey.String(operation)}
	if op != "" && coll != "" {
		name += " " + coll
		attrs = append(attrs, sc.DBCollectionNameKey.String(coll))
	}
	if size >= 2 {
		attrs = append(attrs, sc.DBOperationBatchSizeKey.Int(size))
	}
	if len(texts) > 0 {
		attrs = append(attrs, sc.DBQueryTextKey.String(api.TruncateText(strings.Join(texts, "; "), maxBatchText)))
	}
	return name, attrs
}

// maxBatchText bounds a batch's db.query.text.
const maxBatchText = 4096

// opCopy is db.operation.name of CopyFrom.
const opCopy = "COPY"

// TraceCopyFromStart starts the span of CopyFrom: "COPY {table}".
func (t *tracer) TraceCopyFromStart(ctx context.Context, conn *pgx.Conn, data pgx.TraceCopyFromStartData) context.Context {
	ctx, _ = t.begin(ctx, func() (string, []attribute.KeyValue) { return describeCopy(data.TableName) })
	if ct, ok := t.user.(pgx.CopyFromTracer); ok {
		ctx = ct.TraceCopyFromStart(ctx, conn, data)
	}
	return ctx
}

// describeCopy names a CopyFrom into table (its identifier's parts).
func describeCopy(table pgx.Identifier) (string, []attribute.KeyValue) {
	name := opCopy
	attrs := []attribute.KeyValue{sc.DBOperationNameKey.String(opCopy)}
	if t := api.ValidText(strings.Join(table, ".")); t != "" {
		name += " " + t
		attrs = append(attrs, sc.DBCollectionNameKey.String(t), sc.DBQuerySummaryKey.String(name))
	}
	return name, attrs
}

// TraceCopyFromEnd ends it.
func (t *tracer) TraceCopyFromEnd(ctx context.Context, conn *pgx.Conn, data pgx.TraceCopyFromEndData) {
	if ct, ok := t.user.(pgx.CopyFromTracer); ok {
		ct.TraceCopyFromEnd(ctx, conn, data)
	}
	operationOf(ctx).end(data.Err)
}

// opPrepare is db.operation.name of a Prepare, as database/sql's.
const opPrepare = "PREPARE"

// TracePrepareStart starts the span of a Prepare the application calls:
// "PREPARE {table}", as database/sql's. pgx's own prepares (its statement
// cache) run inside the traced call that needs them and get none; their ctx
// hides that call's operation, so their end does not end it.
func (t *tracer) TracePrepareStart(ctx context.Context, conn *pgx.Conn, data pgx.TracePrepareStartData) context.Context {
	if operationOf(ctx) != nil {
		ctx = context.WithValue(ctx, operationKey{}, (*operation)(nil))
	} else {
		ctx, _ = t.begin(ctx, func() (string, []attribute.KeyValue) { return sqlconv.Describe(opPrepare, data.SQL, system) })
	}
	if pt, ok := t.user.(pgx.PrepareTracer); ok {
		ctx = pt.TracePrepareStart(ctx, conn, data)
	}
	return ctx
}

// TracePrepareEnd ends it.
func (t *tracer) TracePrepareEnd(ctx context.Context, conn *pgx.Conn, data pgx.TracePrepareEndData) {
	if pt, ok := t.user.(pgx.PrepareTracer); ok {
		pt.TracePrepareEnd(ctx, conn, data)
	}
	operationOf(ctx).end(data.Err)
}

// TraceConnectStart and TraceConnectEnd pass the application's tracer's
// calls on.
func (t *tracer) TraceConnectStart(ctx context.Context, data pgx.TraceConnectStartData) context.Context {
	if ct, ok := t.user.(pgx.ConnectTracer); ok {
		// The application's tracer sees the config it set: a copy with its
		// own tracer (the real one holds autotel's).
		if data.ConnConfig != nil {
			c := data.ConnConfig.Copy()
			c.Tracer = t.user
			data.ConnConfig = c
		}
		return ct.TraceConnectStart(ctx, data)
	}
	return ctx
}

func (t *tracer) TraceConnectEnd(ctx context.Context, data pgx.TraceConnectEndData) {
	if ct, ok := t.user.(pgx.ConnectTracer); ok {
		ct.TraceConnectEnd(ctx, data)
	}
}

var (
	_ pgx.QueryTracer    = (*tracer)(nil)
	_ pgx.BatchTracer    = (*tracer)(nil)
	_ pgx.CopyFromTracer = (*tracer)(nil)
	_ pgx.PrepareTracer  = (*tracer)(nil)
	_ pgx.ConnectTracer  = (*tracer)(nil)
)
