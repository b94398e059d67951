package otelsdk

import (
	"context"
	"reflect"
	"sync"
	"testing"
	"time"
	"unsafe"

	"autotel.dev/go/api"
	"autotel.dev/go/gls"
	"autotel.dev/go/internal/spantest"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// installAccessors registers, for one test, what rules/files/otelsdk_access.go
// registers in an instrumented program, reading and writing the same
// unexported fields of the SDK (through reflect: a unit test's SDK has no
// added file).
func installAccessors(t *testing.T) {
	prev := sdk
	tp := sdktrace.NewTracerProvider()
	tracerType := reflect.TypeOf(tp.Tracer("probe")).Elem()
	_, probe := tp.Tracer("probe").Start(context.Background(), "probe")
	spanType := reflect.TypeOf(probe)
	// The scope name's offset in the tracer, found once: reflect's FieldByName
	// allocates (Go 1.23), and the no-allocation test calls this accessor.
	scope, ok := tracerType.FieldByName("instrumentationScope")
	if !ok {
		t.Fatal("the SDK's tracer has no instrumentationScope field")
	}
	name, ok := scope.Type.FieldByName("Name")
	if !ok || name.Type.Kind() != reflect.String {
		t.Fatal("the SDK's instrumentation scope has no Name string")
	}
	nameOffset := scope.Offset + name.Offset
	registerAccessors(
		func(p unsafe.Pointer) string {
			return *(*string)(unsafe.Add(p, nameOffset))
		},
		func(span trace.Span, at time.Time) bool {
			v := reflect.ValueOf(span)
			if v.Type() != spanType {
				return false
			}
			mu := (*sync.Mutex)(unsafe.Pointer(v.Elem().FieldByName("mu").UnsafeAddr()))
			end := (*time.Time)(unsafe.Pointer(v.Elem().FieldByName("endTime").UnsafeAddr()))
			mu.Lock()
			defer mu.Unlock()
			if !end.IsZero() {
				return false
			}
			*end = at
			return true
		})
	t.Cleanup(func() { sdk = prev })
}

// recvOf is what the rewritten (*tracer).Start hands its enter hook as the
// receiver: the address of a variable holding the *tracer.
func recvOf(tr trace.Tracer) unsafe.Pointer {
	p := (*[2]unsafe.Pointer)(unsafe.Pointer(&tr))[1]
	return unsafe.Pointer(&p)
}

// startWith runs tr.Start the way the rewritten (*tracer).Start does: enter
// hook, the SDK's Start with what the hook left, exit hook when asked.
func startWith(tr trace.Tracer, ctx context.Context, name string, opts ...trace.SpanStartOption) (context.Context, trace.Span) {
	st, _ := startEnter(recvOf(tr), &ctx, &name, &opts)
	ctx, span := tr.Start(ctx, name, opts...)
	if st != nil {
		startExit(st, &ctx, &span)
	}
	return ctx, span
}

var (
	serverKind = trace.WithSpanKind(trace.SpanKindServer)
	clientKind = trace.WithSpanKind(trace.SpanKindClient)
)

// ended returns the spans that ended, by name.
func ended(rec *tracetest.SpanRecorder) map[string]sdktrace.ReadOnlySpan {
	out := map[string]sdktrace.ReadOnlySpan{}
	for _, s := range rec.Ended() {
		out[s.Name()] = s
	}
	return out
}

// A request with no caller's trace: autotel's SERVER span is a root, and the
// program's SERVER span (otelgin's, say) under it becomes the root instead;
// autotel's span is never exported; the program's span is current on the
// goroutine for context-less calls, and so is its trace for later spans
// started with autotel's context (a middleware before the wrapper's).
func TestServerSpanYieldsToTheProgramsServerSpan(t *testing.T) {
	defer gls.InstallFakeForTests()()
	rec := spantest.Record(t)
	installAccessors(t)
	ours := api.NewInstrumentation("nethttp").Tracer()
	app := otel.Tracer("go.opentelemetry.io/contrib/instrumentation/github.com/gin-gonic/gin/otelgin")

	handlerCtx, handler := api.Begin(context.Background(), ours, "GET", serverKind, trace.WithNewRoot())
	if !handler.Span().IsRecording() {
		t.Fatal("autotel's span does not record")
	}
	wrapperCtx, wrapper := startWith(app, handlerCtx, "GET /users/:id", serverKind)
	if !api.Yielded(handler.Span()) {
		t.Error("autotel's SERVER span did not yield to the program's")
	}
	_, manual := startWith(app, context.Background(), "manual")
	_, later := startWith(app, handlerCtx, "middleware after")
	manual.End()
	later.End()
	wrapper.End()
	handler.End()
	if api.Current() != context.Background() {
		t.Error("something stayed current after the handler's end")
	}

	spans := ended(rec)
	if _, ok := spans["GET"]; ok || len(spans) != 3 {
		t.Fatalf("autotel's span was exported, or a span is missing: %v", spans)
	}
	w := spans["GET /users/:id"]
	if w.Parent().IsValid() {
		t.Errorf("the program's span has parent %v, want none (autotel's was a root)", w.Parent())
	}
	if got := spans["manual"].Parent().SpanID(); got != w.SpanContext().SpanID() {
		t.Errorf("context-less span's parent %v, want the program's server span %v", got, w.SpanContext().SpanID())
	}
	if p := spans["middleware after"].Parent(); p.IsValid() {
		t.Errorf("a span under autotel's yielded span has parent %v, want none (its parent's)", p)
	}
	if trace.SpanFromContext(wrapperCtx) != wrapper {
		t.Error("Start's context does not carry the program's span")
	}
}

// A request with the caller's traceparent: the wrapper extracts it again, so
// its span's context holds the remote parent, not autotel's span; the rule
// finds autotel's SERVER span current on the goroutine with the same parent.
func TestServerSpanYieldsWhenTheWrapperExtractsTheSameParent(t *testing.T) {
	defer gls.InstallFakeForTests()()
	rec := spantest.Record(t)
	installAccessors(t)
	ours := api.NewInstrumentation("nethttp").Tracer()
	app := otel.Tracer("go.opentelemetry.io/contrib/instrumentation/github.com/labstack/echo/otelecho")
	remote := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{1}, SpanID: trace.SpanID{2}, TraceFlags: trace.FlagsSampled, Remote: true,
	})
	incoming := trace.ContextWithRemoteSpanContext(context.Background(), remote)

	handlerCtx, handler := api.Begin(incoming, ours, "GET", serverKind)
	extracted := trace.ContextWithRemoteSpanContext(handlerCtx, remote)
	_, wrapper := startWith(app, extracted, "/users/:id", serverKind)
	_, manual := startWith(app, nil, "manual")
	manual.End()
	wrapper.End()
	handler.End()

	spans := ended(rec)
	if len(spans) != 2 {
		t.Fatalf("want the program's two spans only: %v", spans)
	}
	w := spans["/users/:id"]
	if w.Parent().SpanID() != remote.SpanID() || w.SpanContext().TraceID() != remote.TraceID() {
		t.Errorf("the program's span has parent %v, want the caller's %v", w.Parent(), remote)
	}
	if spans["manual"].Parent().SpanID() != w.SpanContext().SpanID() {
		t.Error("the context-less span is not the program's server span's child")
	}

	// Another remote parent (the wrapper reads other headers): not the same
	// parent, so nothing yields.
	rec.Reset()
	handlerCtx, handler = api.Begin(incoming, ours, "GET", serverKind)
	other := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{3}, SpanID: trace.SpanID{4}, Remote: true})
	_, wrapper = startWith(app, trace.ContextWithRemoteSpanContext(handlerCtx, other), "/other", serverKind)
	if api.Yielded(handler.Span()) {
		t.Error("autotel's span yielded to a span of another trace")
	}
	wrapper.End()
	handler.End()
}

// A CLIENT span of the program (redisotel's, otelsql's) under autotel's
// CLIENT span, itself under the program's manual span: the program's span
// takes the manual span as parent, and so does its second span of the call
// (otelsql's query span after its reset-session span).
func TestClientSpanYieldsToTheProgramsClientSpans(t *testing.T) {
	defer gls.InstallFakeForTests()()
	rec := spantest.Record(t)
	installAccessors(t)
	ours := api.NewInstrumentation("databasesql").Tracer()
	app := otel.Tracer("github.com/XSAM/otelsql")

	jobCtx, job := startWith(app, context.Background(), "job")
	callCtx, call := api.Begin(jobCtx, ours, "SELECT widgets", clientKind)
	_, reset := startWith(app, callCtx, "sql.conn.reset_session", clientKind)
	reset.End()
	_, query := startWith(app, callCtx, "sql.conn.query", clientKind)
	query.End()
	call.End()
	job.End()

	spans := ended(rec)
	if _, ok := spans["SELECT widgets"]; ok || len(spans) != 3 {
		t.Fatalf("want the program's three spans only: %v", spans)
	}
	for _, name := range []string{"sql.conn.reset_session", "sql.conn.query"} {
		if got := spans[name].Parent().SpanID(); got != job.SpanContext().SpanID() {
			t.Errorf("%s: parent %v, want the job span %v", name, got, job.SpanContext().SpanID())
		}
	}
}

// What does not yield: a span of another kind, autotel's own nested span, a
// span of autotel's that has children already, and everything with the
// instrumentation disabled. Without the rule (the test of the rule itself),
// the first case of TestServerSpanYieldsToTheProgramsServerSpan fails.
func TestWhatDoesNotYield(t *testing.T) {
	defer gls.InstallFakeForTests()()
	rec := spantest.Record(t)
	installAccessors(t)
	ours := api.NewInstrumentation("nethttp").Tracer()
	alsoOurs := api.NewInstrumentation("grpc").Tracer()
	app := otel.Tracer("app")

	check := func(name string, yields bool, run func(ctx context.Context)) {
		t.Helper()
		rec.Reset()
		ctx, handler := api.Begin(context.Background(), ours, "server", serverKind, trace.WithNewRoot())
		run(ctx)
		if got := api.Yielded(handler.Span()); got != yields {
			t.Errorf("%s: yielded = %v, want %v", name, got, yields)
		}
		handler.End()
	}
	end := func(_ context.Context, s trace.Span) { s.End() }
	check("program's SERVER span", true, func(ctx context.Context) { end(startWith(app, ctx, "s", serverKind)) })
	check("program's INTERNAL span", false, func(ctx context.Context) { end(startWith(app, ctx, "i")) })
	check("program's CLIENT span", false, func(ctx context.Context) { end(startWith(app, ctx, "c", clientKind)) })
	check("autotel's own SERVER span", false, func(ctx context.Context) { end(startWith(alsoOurs, ctx, "s", serverKind)) })
	check("after a child", false, func(ctx context.Context) {
		end(startWith(app, ctx, "child"))
		end(startWith(app, ctx, "s", serverKind))
	})

	t.Cleanup(api.ReloadEnvironment) // runs after Setenv's restore (cleanups run last first)
	t.Setenv("OTEL_GO_DISABLED_INSTRUMENTATIONS", "otelsdk")
	api.ReloadEnvironment()
	check("instrumentation disabled", false, func(ctx context.Context) { end(startWith(app, ctx, "s", serverKind)) })
}

// The rule costs no allocation where the span in the context is not
// autotel's, nor under autotel's span for autotel's own spans.
func TestNoAllocationsOffTheRule(t *testing.T) {
	defer gls.InstallFakeForTests()()
	spantest.Record(t)
	installAccessors(t)
	ours := api.NewInstrumentation("nethttp").Tracer()
	app := otel.Tracer("app")
	appCtx, appSpan := app.Start(context.Background(), "app")
	defer appSpan.End()
	oursCtx, oursSpan := ours.Start(context.Background(), "ours", serverKind)
	defer oursSpan.End()
	opts := []trace.SpanStartOption{serverKind, trace.WithAttributes()}
	name := "x"
	for _, c := range []struct {
		what string
		recv unsafe.Pointer
		ctx  context.Context
	}{
		{"program's span in the context", recvOf(app), appCtx},
		{"autotel's tracer under autotel's span", recvOf(ours), oursCtx},
	} {
		allocs := testing.AllocsPerRun(100, func() {
			ctx := c.ctx
			startEnter(c.recv, &ctx, &name, &opts)
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations", c.what, allocs)
		}
	}
}
