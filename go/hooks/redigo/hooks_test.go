package redigo

import (
	"autotel.dev/go/internal/spantest"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"
	"unsafe"

	"autotel.dev/go/internal/redistest"
	"github.com/gomodule/redigo/redis"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

func setup(t *testing.T) *tracetest.SpanRecorder {
	t.Helper()
	rec := spantest.Record(t)
	// What rules/files/redigo_conn.go registers in an instrumented build,
	// done here through reflection on the unexported field conn.conn.
	prevAccessor := connAddr
	t.Cleanup(func() { connAddr = prevAccessor })
	registerConnAccessor(func(p unsafe.Pointer) net.Addr {
		field, ok := connType.Elem().FieldByName("conn")
		if !ok {
			t.Fatal("redigo's conn has no field conn")
		}
		nc := *(*net.Conn)(unsafe.Add(p, field.Offset))
		if nc == nil {
			return nil
		}
		return nc.RemoteAddr()
	})
	return rec
}

var connType reflect.Type

// hooked wraps a redigo *conn and calls the hooks around each method exactly
// as the rewritten methods' trampolines do.
type hooked struct {
	c    redis.Conn
	self unsafe.Pointer // the *conn
}

func dial(t *testing.T, addr string) *hooked {
	t.Helper()
	c, err := redis.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	connType = reflect.TypeOf(c)
	return &hooked{c: c, self: unsafe.Pointer(reflect.ValueOf(c).Pointer())}
}

func (h *hooked) recv() unsafe.Pointer { return unsafe.Pointer(&h.self) }

func (h *hooked) Do(cmd string, args ...interface{}) (r0 interface{}, r1 error) {
	timeout := time.Duration(0)
	if st, skip := doEnter(h.recv(), &timeout, &cmd, &args); st != nil {
		defer doExit(st, &r0, &r1)
		if skip {
			return
		}
	}
	return h.c.Do(cmd, args...)
}

func (h *hooked) Send(cmd string, args ...interface{}) (r0 error) {
	if st, _ := sendEnter(h.recv(), &cmd, &args); st != nil {
		defer sendExit(st, &r0)
	}
	return h.c.Send(cmd, args...)
}

func (h *hooked) Receive() (reply interface{}, err error) {
	timeout := time.Duration(0)
	if st, _ := receiveEnter(h.recv(), &timeout); st != nil {
		defer receiveExit(st, &reply, &err)
	}
	return h.c.Receive()
}

func (h *hooked) Close() error {
	closeEnter(h.recv())
	return h.c.Close()
}

func TestDoMakesOneClientSpanPerCommand(t *testing.T) {
	rec := setup(t)
	addr := redistest.Start(t)
	c := dial(t, addr)

	if r, err := c.Do("SET", "user:1", "secret value"); err != nil || r != "OK" {
		t.Fatalf("SET = %v, %v", r, err)
	}
	if r, err := redis.String(c.Do("GET", "user:1")); err != nil || r != "secret value" {
		t.Fatalf("GET = %q, %v (the hook must not change replies)", r, err)
	}
	if _, err := redis.String(c.Do("GET", "missing")); err != redis.ErrNil {
		t.Fatalf("GET missing = %v, want ErrNil", err)
	}
	spans := rec.Ended()
	if len(spans) != 3 {
		t.Fatalf("%d spans, want 3", len(spans))
	}
	_, port, _ := net.SplitHostPort(addr)
	for i, want := range []struct{ name, query string }{{"SET", "SET user:1 ?"}, {"GET", "GET user:1"}, {"GET", "GET missing"}} {
		s := spans[i]
		a := spantest.Attrs(s)
		if s.Name() != want.name || s.SpanKind().String() != "client" {
			t.Errorf("span %d is %q (%s), want %q client", i, s.Name(), s.SpanKind(), want.name)
		}
		if a["db.system.name"].AsString() != "redis" || a["db.operation.name"].AsString() != want.name ||
			a["db.query.text"].AsString() != want.query || a["server.address"].AsString() != "127.0.0.1" ||
			port != a["server.port"].Emit() {
			t.Errorf("span %d attributes %v", i, a)
		}
		if s.Status().Code != codes.Unset {
			t.Errorf("span %d status %v: a missing key is not an error", i, s.Status())
		}
		if s.EndTime().Before(s.StartTime()) {
			t.Errorf("span %d ends before it starts", i)
		}
		if s.Parent().IsValid() {
			t.Errorf("span %d has a parent without any current span", i)
		}
	}
}

func TestFailingCommandIsAnErrorSpan(t *testing.T) {
	rec := setup(t)
	c := dial(t, redistest.Start(t))
	c.Do("SET", "k", "v")
	_, err := c.Do("INCR", "k")
	if err == nil || !strings.HasPrefix(err.Error(), "ERR") {
		t.Fatalf("INCR on a string = %v, want an ERR reply", err)
	}
	s := rec.Ended()[1]
	if s.Status().Code != codes.Error || spantest.Attrs(s)["error.type"].AsString() != "ERR" {
		t.Fatalf("INCR span status %v attributes %v", s.Status(), spantest.Attrs(s))
	}
	if len(s.Events()) != 1 || s.Events()[0].Name != "exception" {
		t.Fatalf("INCR span events %v, want one exception", s.Events())
	}
}

func TestSendReceiveMakesOneSpanPerCommand(t *testing.T) {
	rec := setup(t)
	c := dial(t, redistest.Start(t))
	c.Send("SET", "a", "1")
	c.Send("INCR", "a")
	c.Send("GET", "a")
	if err := c.c.Flush(); err != nil {
		t.Fatal(err)
	}
	if len(rec.Ended()) != 0 {
		t.Fatalf("spans ended before their replies: %d", len(rec.Ended()))
	}
	for _, want := range []interface{}{"OK", int64(2), []byte("2")} {
		got, err := c.Receive()
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("Receive = %v, %v; want %v", got, err, want)
		}
	}
	var names []string
	for _, s := range rec.Ended() {
		names = append(names, spantest.Attrs(s)["db.query.text"].AsString())
	}
	if strings.Join(names, "|") != "SET a ?|INCR a|GET a" {
		t.Fatalf("spans %q", names)
	}
	if _, ok := pending.Load(c.self); ok {
		t.Fatal("the pending queue of the connection was not released")
	}
}

func TestDoReadsPendingReplies(t *testing.T) {
	rec := setup(t)
	c := dial(t, redistest.Start(t))
	c.Send("SET", "a", "1")
	c.Send("GET", "a")
	r, err := c.Do("")
	if err != nil || len(r.([]interface{})) != 2 {
		t.Fatalf("Do(\"\") = %v, %v", r, err)
	}
	if n := len(rec.Ended()); n != 2 {
		t.Fatalf("%d spans, want 2 (one per sent command; Do(\"\") has none of its own)", n)
	}
	c.Send("SET", "b", "1")
	if r, err := c.Do("PING"); err != nil || r != "PONG" {
		t.Fatalf("PING = %v, %v", r, err)
	}
	if n := len(rec.Ended()); n != 4 {
		t.Fatalf("%d spans, want 4", n)
	}
	c.Send("GET", "b")
	c.Close()
	if n := len(rec.Ended()); n != 5 {
		t.Fatalf("%d spans after Close, want 5 (the unanswered GET ends)", n)
	}
}

func TestDisabledInstrumentationRecordsNothing(t *testing.T) {
	rec := setup(t)
	disable(t, "redigo")
	c := dial(t, redistest.Start(t))
	c.Do("PING")
	c.Send("PING")
	c.c.Flush()
	c.Receive()
	if n := len(rec.Ended()); n != 0 {
		t.Fatalf("%d spans with the instrumentation disabled", n)
	}
}

// Binary arguments (a key that is not UTF-8) give valid UTF-8 text: OTLP
// exporters reject a whole batch for one invalid string. The command and
// its reply are untouched.
func TestBinaryArgumentsGiveValidText(t *testing.T) {
	rec := setup(t)
	c := dial(t, redistest.Start(t))
	key := []byte("bin\xff\xfekey")
	if r, err := c.Do("SET", key, []byte{0, 0xff, 0xc3}); err != nil || r != "OK" {
		t.Fatalf("SET = %v, %v", r, err)
	}
	if r, err := redis.Bytes(c.Do("GET", key)); err != nil || string(r) != "\x00\xff\xc3" {
		t.Fatalf("GET = %q, %v (the hook must not change arguments or replies)", r, err)
	}
	spans := rec.Ended()
	if len(spans) != 2 {
		t.Fatalf("%d spans, want 2", len(spans))
	}
	for i, want := range []string{"SET bin\uFFFDkey ?", "GET bin\uFFFDkey"} {
		if got := spantest.Attrs(spans[i])["db.query.text"].AsString(); got != want {
			t.Errorf("span %d db.query.text = %q, want %q", i, got, want)
		}
	}
}
