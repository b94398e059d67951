package franzgo

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"autotel.dev/go/internal/kafkaconv/kafkatest"
	"autotel.dev/go/internal/spantest"
	"github.com/twmb/franz-go/pkg/kgo"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// These tests call the hooks as kgo does, with a client made through the
// rewritten NewClient's hooks but no broker; the end-to-end test against a
// real one is crates/autotel/tests/build_mode/franzgo.rs.

// newClient runs the NewClient hooks around the real kgo.NewClient (which
// does not dial), and returns the hooks it installed.
func newClient(t *testing.T, opts ...kgo.Opt) (*kgo.Client, *clientHooks) {
	t.Helper()
	caller := len(opts)
	st, _ := newClientEnter(&opts)
	if len(opts) != caller+1 {
		t.Fatalf("%d options, want %d", len(opts), caller+1)
	}
	cl, err := kgo.NewClient(opts...)
	newClientExit(st, &cl, &err)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl, st.hooks
}

func header(r *kgo.Record, key string) (string, int) {
	v, n := "", 0
	for _, h := range r.Headers {
		if h.Key == key {
			v, n = string(h.Value), n+1
		}
	}
	return v, n
}

func TestNewClientReadsGroupAndBroker(t *testing.T) {
	_, h := newClient(t, kgo.SeedBrokers("127.0.0.1:9093", "127.0.0.1:9094"), kgo.ConsumerGroup("billing"), kgo.ConsumeTopics("orders"))
	if info := h.info.Load(); info == nil || info.group != "billing" || info.broker != "127.0.0.1:9093" || info.off {
		t.Fatalf("info %+v", info)
	}
	_, h = newClient(t, kgo.SeedBrokers("localhost"))
	if info := h.info.Load(); info.broker != "localhost:9092" || info.group != "" {
		t.Fatalf("info %+v", info)
	}
}

// kotelLike stands for kotel's tracer: depending on plugin/kotel here would
// raise the franz-go version this module requires, so the test points
// kotelPackage at this package instead.
type kotelLike struct{}

func (*kotelLike) OnProduceRecordBuffered(*kgo.Record) {}

// kotelMeter has no record hooks, as kotel's meter.
type kotelMeter struct{}

func (*kotelMeter) OnBrokerWrite(kgo.BrokerMetadata, int16, int, time.Duration, time.Duration, error) {
}

func TestKotelsTracerIsRecognisedByItsPackage(t *testing.T) {
	if usesKotel([]kgo.Hook{&kotelLike{}}) || usesKotel(nil) {
		t.Error("hooks of other packages are not kotel")
	}
	defer func(p string) { kotelPackage = p }(kotelPackage)
	kotelPackage = "autotel.dev/go/hooks/franzgo"
	if _, h := newClient(t, kgo.WithHooks(&kotelMeter{})); h.info.Load().off {
		t.Error("kotel's meter makes no spans")
	}
	_, h := newClient(t, kgo.WithHooks(&kotelMeter{}, &kotelLike{}))
	if info := h.info.Load(); !info.off {
		t.Error("a client with kotel's tracer is left to it")
	}
}

func TestProduceMakesAProducerSpanPerRecordAndInjectsItsContext(t *testing.T) {
	rec := kafkatest.Setup(t)
	_, h := newClient(t, kgo.SeedBrokers("127.0.0.1:9092"))
	shared := []kgo.RecordHeader{{Key: "app", Value: []byte("1")}}
	r := &kgo.Record{Topic: "orders", Key: []byte("k1"), Value: []byte("a"), Headers: shared[:1:1], Context: context.Background()}
	own := &kgo.Record{Topic: "orders", Value: []byte("b"), Context: context.Background(),
		Headers: []kgo.RecordHeader{{Key: "traceparent", Value: []byte(kafkatest.OwnTraceparent)}}}
	for _, x := range []*kgo.Record{r, own} {
		h.OnProduceRecordBuffered(x)
	}
	r.Partition, r.Offset = 3, 41
	h.OnProduceRecordUnbuffered(r, nil)
	h.OnProduceRecordUnbuffered(own, errors.New("boom"))
	spans := rec.Ended()
	if len(spans) != 2 {
		t.Fatalf("%d spans, want 2", len(spans))
	}
	s := spans[0]
	if s.Name() != "send orders" || s.SpanKind() != trace.SpanKindProducer || s.Parent().IsValid() {
		t.Fatalf("span %q kind %v parent %v", s.Name(), s.SpanKind(), s.Parent())
	}
	a := spantest.Attrs(s)
	want := map[string]any{
		"messaging.system": "kafka", "messaging.operation.name": "send", "messaging.operation.type": "send",
		"messaging.destination.name": "orders", "messaging.kafka.message.key": "k1",
		"messaging.destination.partition.id": "3", "messaging.kafka.offset": int64(41),
		"server.address": "127.0.0.1", "server.port": int64(9092),
	}
	for k, v := range want {
		if a[k].AsInterface() != v {
			t.Errorf("%s = %v, want %v", k, a[k].AsInterface(), v)
		}
	}
	tp := "00-" + s.SpanContext().TraceID().String() + "-" + s.SpanContext().SpanID().String() + "-01"
	if v, n := header(r, "traceparent"); v != tp || n != 1 {
		t.Errorf("traceparent %q (%d), want %q", v, n, tp)
	}
	if v, _ := header(r, "app"); v != "1" || len(shared) != 1 {
		t.Errorf("the app's header: %v (shared %v)", r.Headers, shared)
	}
	if !trace.SpanContextFromContext(r.Context).Equal(s.SpanContext()) {
		t.Error("the record's context is the send span's")
	}
	if v, n := header(own, "traceparent"); v != kafkatest.OwnTraceparent || n != 1 {
		t.Errorf("the app's own traceparent is replaced: %v", own.Headers)
	}
	f := spans[1]
	if f.Status().Code != codes.Error || spantest.Attrs(f)["error.type"].AsString() != "*errors.errorString" {
		t.Errorf("status %v attrs %v", f.Status(), spantest.Attrs(f))
	}
	if _, ok := spantest.Attrs(f)["messaging.kafka.offset"]; ok {
		t.Error("a failed record has no offset")
	}
}

func TestProduceParentIsTheRecordsContext(t *testing.T) {
	rec := kafkatest.Setup(t)
	_, h := newClient(t)
	ctx, parent := otel.Tracer("test").Start(context.Background(), "parent")
	r := &kgo.Record{Topic: "t1", Context: ctx}
	h.OnProduceRecordBuffered(r)
	h.OnProduceRecordUnbuffered(r, nil)
	parent.End()
	if s := rec.Ended()[0]; s.Name() != "send t1" || s.Parent().SpanID() != parent.SpanContext().SpanID() {
		t.Errorf("span %q parent %v", s.Name(), s.Parent())
	}
}

func TestAProducedAgainRecordKeepsItsParent(t *testing.T) {
	rec := kafkatest.Setup(t)
	_, h := newClient(t)
	ctx, parent := otel.Tracer("test").Start(context.Background(), "parent")
	r := &kgo.Record{Topic: "t1", Context: ctx, Headers: []kgo.RecordHeader{{Key: "app", Value: []byte("1")}}}
	for i := 0; i < 2; i++ {
		h.OnProduceRecordBuffered(r)
		h.OnProduceRecordUnbuffered(r, nil)
		h.OnProduceRecordUnbuffered(r, nil) // ended once
	}
	parent.End()
	spans := rec.Ended()
	if len(spans) != 3 {
		t.Fatalf("%d spans, want 3", len(spans))
	}
	for _, s := range spans[:2] {
		if s.Parent().SpanID() != parent.SpanContext().SpanID() {
			t.Errorf("span %q parent %v", s.Name(), s.Parent())
		}
	}
	if v, n := header(r, "traceparent"); n != 1 || v != "00-"+spans[1].SpanContext().TraceID().String()+"-"+spans[1].SpanContext().SpanID().String()+"-01" {
		t.Errorf("a record produced again carries the last attempt's traceparent: %q %d", v, n)
	}
	if v, _ := header(r, "app"); v != "1" || len(r.Headers) != 2 {
		t.Errorf("the app's header: %v", r.Headers)
	}
}

func TestKotelClientsAndDisabledOnesAreLeftAlone(t *testing.T) {
	rec := kafkatest.Setup(t)
	h := &clientHooks{}
	h.info.Store(&clientInfo{off: true})
	r := &kgo.Record{Topic: "t", Context: context.Background()}
	h.OnProduceRecordBuffered(r)
	h.OnProduceRecordUnbuffered(r, nil)
	h.OnFetchRecordBuffered(r)
	h.OnFetchRecordUnbuffered(r, true)
	if len(rec.Ended()) != 0 || len(r.Headers) != 0 {
		t.Errorf("spans %d headers %v", len(rec.Ended()), r.Headers)
	}
}

func TestPolledRecordsGetAReceiveSpanChildOfAndLinkedToTheProducer(t *testing.T) {
	rec := kafkatest.Setup(t)
	_, h := newClient(t, kgo.SeedBrokers("127.0.0.1:9092"), kgo.ConsumerGroup("billing"), kgo.ConsumeTopics("orders"))
	r := &kgo.Record{Topic: "orders", Partition: 2, Offset: 41, Key: []byte("k1"),
		Headers: []kgo.RecordHeader{{Key: "traceparent", Value: []byte(kafkatest.OwnTraceparent)}}}
	purged := &kgo.Record{Topic: "orders"}
	h.OnFetchRecordBuffered(r)
	h.OnFetchRecordBuffered(purged)
	time.Sleep(time.Millisecond)
	h.OnFetchRecordUnbuffered(r, true)
	h.OnFetchRecordUnbuffered(purged, false) // not polled: no span
	spans := rec.Ended()
	if len(spans) != 1 {
		t.Fatalf("%d spans, want 1", len(spans))
	}
	s := spans[0]
	kafkatest.CheckReceive(t, s)
	if !s.EndTime().After(s.StartTime()) {
		t.Error("the span starts when the record is buffered")
	}
	if !trace.SpanContextFromContext(r.Context).Equal(s.SpanContext()) {
		t.Error("the polled record's context carries the receive span")
	}
}

// appHook is a hook of the application's own.
type appHook struct{}

func (*appHook) OnNewClient(*kgo.Client) {}

func ours(value any) int {
	n := 0
	hooks, _ := hookList(value)
	for _, h := range hooks {
		if isOurs(h) {
			n++
		}
	}
	return n
}

// The application's OptValue(WithHooks) is the hooks it gave, as without
// autotel (franz-go's own TestOptValuesTxnIDAndShare checks it).
func TestOptValuesLeavesAutotelsHooksOut(t *testing.T) {
	app := &appHook{}
	cl, _ := newClient(t, kgo.WithHooks(app))
	values := cl.OptValues(kgo.WithHooks)
	if hooks, _ := hookList(values[0]); len(hooks) != 2 || ours(hooks) != 1 {
		t.Fatalf("kgo holds %v, want the application's hook and autotel's", hooks)
	}
	optValuesExit(nil, &values)
	if hooks, ok := hookList(values[0]); !ok || len(values) != 1 || len(hooks) != 1 || hooks[0] != kgo.Hook(app) {
		t.Fatalf("OptValues(WithHooks) = %v, want [[%v]]", values, app)
	}
	if raw, _ := hookList(cl.OptValues(kgo.WithHooks)[0]); len(raw) != 2 {
		t.Fatalf("the client's own hooks changed: %v", raw)
	}
	other := cl.OptValues(kgo.ClientID)
	optValuesExit(nil, &other)
	if len(other) != 2 || other[0] != "kgo" {
		t.Fatalf("OptValues(ClientID) = %v, want it unchanged", other)
	}
	if st, skip := optValuesEnter(nil, nil); st == nil || skip {
		t.Fatal("the exit hook must run, and OptValues too")
	}
}

// Opts gives the application the options it gave NewClient; a client made
// from them (or from the unfiltered ones) gets one set of autotel's hooks, its
// own, not also the first client's.
func TestAClientMadeFromAnothersOptsGetsItsOwnHooksOnly(t *testing.T) {
	first, _ := newClient(t, kgo.ClientID("app"), kgo.WithHooks(&appHook{}))
	raw := first.Opts()
	if len(raw) != 3 {
		t.Fatalf("kgo holds %d options, want the application's 2 and autotel's", len(raw))
	}
	opts := raw
	optsExit(nil, &opts)
	if len(opts) != 2 || len(first.Opts()) != 3 {
		t.Fatalf("Opts() = %d options, want the application's 2 (and the client's own unchanged)", len(opts))
	}
	for _, given := range [][]kgo.Opt{opts, slices.Clone(raw)} {
		st, _ := newClientEnter(&given)
		if len(given) != 3 {
			t.Fatalf("%d options, want the application's 2 and autotel's", len(given))
		}
		second, err := kgo.NewClient(given...)
		newClientExit(st, &second, &err)
		if err != nil {
			t.Fatal(err)
		}
		defer second.Close()
		h := st.hooks
		hooks, _ := hookList(second.OptValues(kgo.WithHooks)[0])
		if len(hooks) != 2 || ours(hooks) != 1 || !slices.Contains(hooks, kgo.Hook(h)) {
			t.Fatalf("the second client's hooks are %v, want the application's and its own autotel hooks", hooks)
		}
	}
}
