package goredis

import (
	"autotel.dev/go/internal/spantest"
	"context"
	"errors"
	"net"
	"testing"
	"unsafe"

	"autotel.dev/go/api"
	"autotel.dev/go/internal/redistest"
	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// newClient calls NewClient as its rewritten version does: enter hook,
// body, deferred exit hook.
func newClient(opt *redis.Options) (c *redis.Client) {
	if st, _ := newClientEnter(unsafe.Pointer(&opt)); st != nil {
		defer newClientExit(st, &c)
	}
	return redis.NewClient(opt)
}

func TestCommandsMakeOneSpanEach(t *testing.T) {
	rec := spantest.Record(t)
	addr := redistest.Start(t)
	rdb := newClient(&redis.Options{Addr: addr, DB: 2})
	defer rdb.Close()
	ctx := context.Background()
	if err := rdb.Set(ctx, "user:1", "secret", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if v, err := rdb.Get(ctx, "user:1").Result(); v != "secret" || err != nil {
		t.Fatalf("GET = %q, %v", v, err)
	}
	if err := rdb.Get(ctx, "missing").Err(); err != redis.Nil {
		t.Fatalf("GET missing = %v, want redis.Nil", err)
	}
	if v, err := rdb.Ping(ctx).Result(); v != "PONG" || err != nil {
		t.Fatalf("PING = %q, %v", v, err)
	}
	spans := rec.Ended()
	// Connection set-up (HELLO, SELECT 2) has no span: exactly one per command.
	if len(spans) != 4 {
		var names []string
		for _, s := range spans {
			names = append(names, s.Name())
		}
		t.Fatalf("spans %q, want SET GET GET PING", names)
	}
	_, port, _ := net.SplitHostPort(addr)
	for i, want := range []struct{ name, query string }{{"SET", "SET user:1 ?"}, {"GET", "GET user:1"}, {"GET", "GET missing"}, {"PING", "PING"}} {
		s, a := spans[i], spantest.Attrs(spans[i])
		if s.Name() != want.name || s.SpanKind().String() != "client" || s.Status().Code != codes.Unset {
			t.Errorf("span %d: %q %s %v", i, s.Name(), s.SpanKind(), s.Status())
		}
		if a["db.system.name"].AsString() != "redis" || a["db.operation.name"].AsString() != want.name ||
			a["db.query.text"].AsString() != want.query || a["server.address"].AsString() != "127.0.0.1" ||
			a["server.port"].Emit() != port || a["db.namespace"].AsString() != "2" {
			t.Errorf("span %d attributes %v", i, a)
		}
		if s.EndTime().Before(s.StartTime()) {
			t.Errorf("span %d ends before it starts", i)
		}
	}
}

func TestParentIsTheSpanInContext(t *testing.T) {
	rec := spantest.Record(t)
	rdb := newClient(&redis.Options{Addr: redistest.Start(t)})
	defer rdb.Close()
	ctx, parent := otel.Tracer("test").Start(context.Background(), "request")
	rdb.Ping(ctx)
	parent.End()
	rdb.Ping(context.Background())
	spans := rec.Ended()
	if spans[0].Parent().SpanID() != parent.SpanContext().SpanID() {
		t.Fatalf("PING with ctx has parent %v, want %v", spans[0].Parent().SpanID(), parent.SpanContext().SpanID())
	}
	// Without a span in ctx and without goroutine-local context (this test
	// binary is not rewritten), there is no parent.
	if spans[2].Parent().IsValid() {
		t.Fatalf("PING without ctx has parent %v", spans[2].Parent())
	}
}

func TestFailingCommandIsAnErrorSpan(t *testing.T) {
	rec := spantest.Record(t)
	rdb := newClient(&redis.Options{Addr: redistest.Start(t)})
	defer rdb.Close()
	ctx := context.Background()
	rdb.Set(ctx, "k", "v", 0)
	err := rdb.Incr(ctx, "k").Err()
	if err == nil {
		t.Fatal("INCR on a string succeeded")
	}
	s := rec.Ended()[1]
	if s.Name() != "INCR" || s.Status().Code != codes.Error || spantest.Attrs(s)["error.type"].AsString() != "ERR" {
		t.Fatalf("span %q status %v attributes %v", s.Name(), s.Status(), spantest.Attrs(s))
	}
	if len(s.Events()) != 1 || s.Events()[0].Name != "exception" {
		t.Fatalf("events %v, want one exception", s.Events())
	}
}

func TestUnreachableServerIsAnErrorSpan(t *testing.T) {
	rec := spantest.Record(t)
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	rdb := newClient(&redis.Options{Addr: addr, MaxRetries: -1})
	defer rdb.Close()
	err := rdb.Ping(context.Background()).Err()
	var opErr *net.OpError
	if !errors.As(err, &opErr) {
		t.Fatalf("PING to a closed port = %v", err)
	}
	s := rec.Ended()[0]
	if s.Status().Code != codes.Error || spantest.Attrs(s)["error.type"].AsString() != "*net.OpError" {
		t.Fatalf("status %v attributes %v", s.Status(), spantest.Attrs(s))
	}
}

func TestPipelineIsOneSpan(t *testing.T) {
	rec := spantest.Record(t)
	rdb := newClient(&redis.Options{Addr: redistest.Start(t)})
	defer rdb.Close()
	ctx := context.Background()
	cmds, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, "a", "1", 0)
		p.Incr(ctx, "a")
		p.Get(ctx, "a")
		return nil
	})
	if err != nil || len(cmds) != 3 || cmds[2].(*redis.StringCmd).Val() != "2" {
		t.Fatalf("pipeline = %v, %v", cmds, err)
	}
	rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Get(ctx, "a")
		p.Get(ctx, "b")
		return nil
	})
	spans := rec.Ended()
	if len(spans) != 2 {
		t.Fatalf("%d spans, want 2", len(spans))
	}
	a := spantest.Attrs(spans[0])
	if spans[0].Name() != "PIPELINE" || a["db.operation.name"].AsString() != "PIPELINE" ||
		a["db.query.text"].AsString() != "SET a ?; INCR a; GET a" || a["db.operation.batch.size"].AsInt64() != 3 {
		t.Errorf("pipeline span %q %v", spans[0].Name(), a)
	}
	a = spantest.Attrs(spans[1])
	// GET b is redis.Nil: the transaction still succeeds.
	if spans[1].Name() != "MULTI GET" || a["db.query.text"].AsString() != "GET a; GET b" || spans[1].Status().Code != codes.Unset {
		t.Errorf("transaction span %q %v %v", spans[1].Name(), a, spans[1].Status())
	}
}

func TestDisabledInstrumentationAddsNoHook(t *testing.T) {
	rec := spantest.Record(t)
	t.Cleanup(api.ReloadEnvironment)
	t.Setenv(api.EnvDisabledInstrumentations, "goredis")
	api.ReloadEnvironment()
	rdb := newClient(&redis.Options{Addr: redistest.Start(t)})
	defer rdb.Close()
	rdb.Ping(context.Background())
	if n := len(rec.Ended()); n != 0 {
		t.Fatalf("%d spans with the instrumentation disabled", n)
	}
}

// A binary key gives valid UTF-8 text (OTLP exporters reject a whole batch
// for one invalid string), in a command and in a pipeline; the commands and
// replies are untouched.
func TestBinaryKeysGiveValidText(t *testing.T) {
	rec := spantest.Record(t)
	rdb := newClient(&redis.Options{Addr: redistest.Start(t)})
	defer rdb.Close()
	ctx := context.Background()
	key := "bin\xff\xfekey"
	if err := rdb.Set(ctx, key, []byte{0, 0xff}, 0).Err(); err != nil {
		t.Fatal(err)
	}
	if v, err := rdb.Get(ctx, key).Result(); v != "\x00\xff" || err != nil {
		t.Fatalf("GET = %q, %v", v, err)
	}
	if _, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Get(ctx, key)
		p.Exists(ctx, "\xc3")
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	spans := rec.Ended()
	if len(spans) != 3 {
		t.Fatalf("%d spans, want SET, GET and the pipeline", len(spans))
	}
	for i, want := range []string{"SET bin\uFFFDkey ?", "GET bin\uFFFDkey", "GET bin\uFFFDkey; EXISTS \uFFFD"} {
		if got := spantest.Attrs(spans[i])["db.query.text"].AsString(); got != want {
			t.Errorf("span %d db.query.text = %q, want %q", i, got, want)
		}
	}
}

// TestUnsampledParentStartsNoSpan: under a parent that is not sampled and the runtime's
// parent-based sampler (api.SetSampler), a command builds no span; under a sampled one it does.
func TestUnsampledParentStartsNoSpan(t *testing.T) {
	rec := spantest.Record(t)
	api.SetSampler(otel.GetTracerProvider(), "parentbased_always_on")
	t.Cleanup(func() { api.SetSampler(nil, "") })
	rdb := newClient(&redis.Options{Addr: redistest.Start(t)})
	defer rdb.Close()
	parent := trace.SpanContextConfig{TraceID: trace.TraceID{1}, SpanID: trace.SpanID{2}}
	unsampled := trace.ContextWithRemoteSpanContext(context.Background(), trace.NewSpanContext(parent))
	if err := rdb.Ping(unsampled).Err(); err != nil {
		t.Fatal(err)
	}
	if n := len(rec.Ended()); n != 0 {
		t.Fatalf("%d spans under an unsampled parent", n)
	}
	if ctx, span := (hook{}).startCommand(unsampled, redis.NewCmd(unsampled, "ping")); span != nil || ctx != unsampled {
		t.Fatal("startCommand started a (non-recording) span under an unsampled parent")
	}
	parent.TraceFlags = trace.FlagsSampled
	rdb.Ping(trace.ContextWithRemoteSpanContext(context.Background(), trace.NewSpanContext(parent)))
	if spans := rec.Ended(); len(spans) != 1 || spans[0].Parent().SpanID() != parent.SpanID {
		t.Fatalf("under a sampled parent: %d spans, want 1 child", len(spans))
	}
}
