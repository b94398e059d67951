package kafkago

import (
	"autotel.dev/go/internal/kafkaconv/kafkatest"
	"autotel.dev/go/internal/spantest"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// These tests call the hooks as the rewritten methods do, without a broker;
// the end-to-end test against a real one is crates/autotel/tests/build_mode/kafkago.rs.

// write runs the hooks around a stand-in for WriteMessages's body, which
// returns err and hands back the messages it was given.
func write(w *kafka.Writer, ctx context.Context, err error, msgs ...kafka.Message) (got []kafka.Message, r0 error) {
	if st, _ := writeEnter(&w, &ctx, &msgs); st != nil {
		defer writeExit(st, &r0)
	}
	return msgs, err
}

func header(m kafka.Message, key string) (string, int) {
	v, n := "", 0
	for _, h := range m.Headers {
		if h.Key == key {
			v, n = string(h.Value), n+1
		}
	}
	return v, n
}

func TestWriteMakesOneProducerSpanAndInjectsItsContext(t *testing.T) {
	rec := kafkatest.Setup(t)
	w := &kafka.Writer{Addr: kafka.TCP("127.0.0.1:9092", "127.0.0.1:9093"), Topic: "orders"}
	caller := []kafka.Message{
		{Value: []byte("a"), Headers: []kafka.Header{{Key: "app", Value: []byte("1")}}},
		{Value: []byte("b")},
		{Value: []byte("c"), Headers: []kafka.Header{{Key: "traceparent", Value: []byte(kafkatest.OwnTraceparent)}}},
	}
	got, err := write(w, context.Background(), nil, caller...)
	if err != nil {
		t.Fatal(err)
	}
	spans := rec.Ended()
	if len(spans) != 1 {
		t.Fatalf("%d spans, want 1", len(spans))
	}
	s := spans[0]
	a := spantest.Attrs(s)
	if s.Name() != "send orders" || s.SpanKind() != trace.SpanKindProducer {
		t.Fatalf("span %q kind %v", s.Name(), s.SpanKind())
	}
	want := map[string]any{
		"messaging.system": "kafka", "messaging.operation.name": "send", "messaging.operation.type": "send",
		"messaging.destination.name": "orders", "messaging.batch.message_count": int64(3),
		"server.address": "127.0.0.1", "server.port": int64(9092),
	}
	for k, v := range want {
		if a[k].AsInterface() != v {
			t.Errorf("%s = %v, want %v", k, a[k].AsInterface(), v)
		}
	}
	tp := "00-" + s.SpanContext().TraceID().String() + "-" + s.SpanContext().SpanID().String() + "-01"
	for i, m := range got[:2] {
		if v, n := header(m, "traceparent"); v != tp || n != 1 {
			t.Errorf("message %d: traceparent %q (%d), want %q", i, v, n, tp)
		}
	}
	if v, _ := header(got[0], "app"); v != "1" {
		t.Errorf("the app's header is lost: %v", got[0].Headers)
	}
	if v, n := header(got[2], "traceparent"); v != kafkatest.OwnTraceparent || n != 1 {
		t.Errorf("the app's own traceparent is replaced: %v", got[2].Headers)
	}
	// The caller's messages are untouched.
	if len(caller[0].Headers) != 1 || len(caller[1].Headers) != 0 || len(caller[2].Headers) != 1 {
		t.Errorf("caller's messages changed: %+v", caller)
	}
}

func TestWriteParentIsTheCallersSpanAndErrorsAreRecorded(t *testing.T) {
	rec := kafkatest.Setup(t)
	ctx, parent := otel.Tracer("test").Start(context.Background(), "parent")
	w := &kafka.Writer{Addr: kafka.TCP("127.0.0.1:9092")}
	boom := errors.New("boom")
	if _, err := write(w, ctx, boom, kafka.Message{Topic: "t1", Key: []byte("k"), Value: []byte("x")}); err != boom {
		t.Fatal(err)
	}
	parent.End()
	s := rec.Ended()[0]
	a := spantest.Attrs(s)
	if s.Name() != "send t1" || s.Parent().SpanID() != parent.SpanContext().SpanID() {
		t.Errorf("span %q parent %v", s.Name(), s.Parent().SpanID())
	}
	if s.Status().Code != codes.Error || a["error.type"].AsString() != "*errors.errorString" {
		t.Errorf("status %v error.type %v", s.Status(), a["error.type"])
	}
	if a["messaging.kafka.message.key"].AsString() != "k" {
		t.Errorf("key %v", a["messaging.kafka.message.key"])
	}
	if _, ok := a["messaging.batch.message_count"]; ok {
		t.Error("a single message has no batch count")
	}
}

// fetch runs the hooks around a stand-in for FetchMessage's body.
func fetch(r *kafka.Reader, ctx context.Context, m kafka.Message, err error) (r0 kafka.Message, r1 error) {
	if st, _ := fetchEnter(&r, &ctx); st != nil {
		defer fetchExit(st, &r0, &r1)
	}
	time.Sleep(time.Millisecond)
	return m, err
}

func TestFetchMakesAReceiveSpanChildOfAndLinkedToTheProducer(t *testing.T) {
	rec := kafkatest.Setup(t)
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{"127.0.0.1:9092"}, Topic: "orders", GroupID: "billing"})
	defer r.Close()
	m := kafka.Message{Topic: "orders", Partition: 2, Offset: 41, Key: []byte("k1"), Headers: []kafka.Header{{Key: "traceparent", Value: []byte(kafkatest.OwnTraceparent)}}}
	if _, err := fetch(r, context.Background(), m, nil); err != nil {
		t.Fatal(err)
	}
	// A closed reader and a caller giving up make no span.
	fetch(r, context.Background(), kafka.Message{}, errors.Join(errors.New("x"), context.Canceled))
	spans := rec.Ended()
	if len(spans) != 1 {
		t.Fatalf("%d spans, want 1", len(spans))
	}
	s := spans[0]
	kafkatest.CheckReceive(t, s)
	if !s.EndTime().After(s.StartTime()) {
		t.Error("the span starts when FetchMessage is called")
	}
}
