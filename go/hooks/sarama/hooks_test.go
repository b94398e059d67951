package sarama

import (
	"context"
	"testing"

	"autotel.dev/go/api"
	"autotel.dev/go/gls"
	"autotel.dev/go/internal/kafkaconv/kafkatest"
	"autotel.dev/go/internal/spantest"
	"github.com/IBM/sarama"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// These tests call the hooks and interceptors as the rewritten sarama does,
// without a broker; the end-to-end test against a real one is
// crates/autotel/tests/build_mode/sarama.rs.

// newClient runs NewClient's enter hook on conf and returns the client's
// config and its interceptor.
func newClient(t *testing.T, conf *sarama.Config, addrs ...string) (*sarama.Config, *interceptor) {
	t.Helper()
	got := conf
	newClientEnter(&addrs, &got)
	if got == conf || len(got.Producer.Interceptors) == 0 {
		t.Fatalf("the client's config is not a copy with autotel's interceptor: %+v", got)
	}
	it, ok := got.Producer.Interceptors[len(got.Producer.Interceptors)-1].(*interceptor)
	if !ok || got.Consumer.Interceptors[len(got.Consumer.Interceptors)-1] != sarama.ConsumerInterceptor(it) {
		t.Fatalf("interceptors %v %v", got.Producer.Interceptors, got.Consumer.Interceptors)
	}
	return got, it
}

func header(hs []sarama.RecordHeader, key string) (string, int) {
	v, n := "", 0
	for _, h := range hs {
		if string(h.Key) == key {
			v, n = string(h.Value), n+1
		}
	}
	return v, n
}

type appInterceptor struct{}

func (appInterceptor) OnSend(*sarama.ProducerMessage)    {}
func (appInterceptor) OnConsume(*sarama.ConsumerMessage) {}

func TestNewClientGetsACopyOfTheConfigWithAutotelsInterceptorsLast(t *testing.T) {
	app := sarama.NewConfig()
	app.Producer.Interceptors = make([]sarama.ProducerInterceptor, 1, 4)
	app.Producer.Interceptors[0] = appInterceptor{}
	app.Consumer.Interceptors = []sarama.ConsumerInterceptor{appInterceptor{}}
	conf, it := newClient(t, app, " 127.0.0.1:9093", "127.0.0.1:9094")
	if len(app.Producer.Interceptors) != 1 || len(app.Consumer.Interceptors) != 1 || app.Producer.Interceptors[:2][1] != nil {
		t.Errorf("the application's config changed: %v %v", app.Producer.Interceptors, app.Consumer.Interceptors)
	}
	if len(conf.Producer.Interceptors) != 2 || conf.Producer.Interceptors[0] != (appInterceptor{}) || conf.ClientID != app.ClientID {
		t.Errorf("the copy: %+v", conf)
	}
	if it.broker != "127.0.0.1:9093" || !it.headers {
		t.Errorf("interceptor %+v", it)
	}
	// A config this hook made already (NewConsumerGroup's client, say) gets no second one.
	again, addrs := conf, []string{"x:1"}
	newClientEnter(&addrs, &again)
	if again != conf {
		t.Error("a second interceptor was added")
	}
	// A nil config is NewConfig's, as in NewClient.
	var none *sarama.Config
	if got, _ := newClient(t, none, "h:1"); got.Producer.Partitioner == nil {
		t.Error("nil config not defaulted")
	}
}

func TestSendMakesAProducerSpanEndedWhenSaramaHandsTheMessageBack(t *testing.T) {
	rec := kafkatest.Setup(t)
	_, it := newClient(t, sarama.NewConfig(), "127.0.0.1:9092")
	appHeaders := []sarama.RecordHeader{{Key: []byte("app"), Value: []byte("1")}}
	msg := &sarama.ProducerMessage{Topic: "orders", Key: sarama.StringEncoder("k1"), Value: sarama.StringEncoder("one"), Headers: appHeaders}
	it.OnSend(msg)
	it.OnSend(msg) // sarama's own retry: the same span
	if len(rec.Started()) != 1 || len(rec.Ended()) != 0 {
		t.Fatalf("%d started, %d ended", len(rec.Started()), len(rec.Ended()))
	}
	s := rec.Started()[0]
	tp := "00-" + s.SpanContext().TraceID().String() + "-" + s.SpanContext().SpanID().String() + "-01"
	if v, n := header(msg.Headers, "traceparent"); v != tp || n != 1 {
		t.Errorf("traceparent %q (%d), want %q", v, n, tp)
	}
	if v, _ := header(msg.Headers, "app"); v != "1" || len(appHeaders) != 1 {
		t.Errorf("the application's header: %q; its array %v", msg.Headers, appHeaders)
	}
	msg.Partition, msg.Offset = 2, 41
	batch := []*sarama.ProducerMessage{msg}
	returnSuccessesEnter(nil, &batch)
	returnSuccessesEnter(nil, &batch) // ended once
	spans := rec.Ended()
	if len(spans) != 1 {
		t.Fatalf("%d spans, want 1", len(spans))
	}
	if s.Name() != "send orders" || s.SpanKind() != trace.SpanKindProducer || s.Parent().IsValid() {
		t.Errorf("span %q kind %v parent %v", s.Name(), s.SpanKind(), s.Parent())
	}
	spantest.WantAttrs(t, spans[0], map[string]any{
		"messaging.system": "kafka", "messaging.operation.name": "send", "messaging.operation.type": "send",
		"messaging.destination.name": "orders", "messaging.destination.partition.id": "2", "messaging.kafka.offset": int64(41),
		"messaging.kafka.message.key": "k1", "server.address": "127.0.0.1", "server.port": int64(9092),
	})
	// What the application sees on Successes is its own message.
	if len(msg.Headers) != 1 || &msg.Headers[0] != &appHeaders[0] {
		t.Errorf("headers not given back: %q", msg.Headers)
	}
}

func TestAFailedMessageProducedAgainGetsANewSpanAndTraceparent(t *testing.T) {
	rec := kafkatest.Setup(t)
	_, it := newClient(t, sarama.NewConfig(), "127.0.0.1:9092")
	msg := &sarama.ProducerMessage{Topic: "orders", Value: sarama.StringEncoder("two")}
	it.OnSend(msg)
	failed := error(sarama.ErrLeaderNotAvailable)
	returnErrorEnter(nil, &msg, &failed)
	if len(rec.Ended()) != 1 || msg.Headers != nil {
		t.Fatalf("ended %d, headers %q", len(rec.Ended()), msg.Headers)
	}
	it.OnSend(msg)
	batch, err := []*sarama.ProducerMessage{msg}, error(sarama.ErrLeaderNotAvailable)
	second := rec.Started()[1]
	tp := "00-" + second.SpanContext().TraceID().String() + "-" + second.SpanContext().SpanID().String() + "-01"
	if v, n := header(msg.Headers, "traceparent"); v != tp || n != 1 {
		t.Errorf("traceparent %q (%d), want the new span's %q", v, n, tp)
	}
	returnErrorsEnter(nil, &batch, &err)
	spans := rec.Ended()
	if len(spans) != 2 || spans[1].Status().Code != codes.Error || spantest.Attrs(spans[1])["error.type"].AsString() == "" {
		t.Fatalf("spans %v", spans)
	}
	if _, ok := spantest.Attrs(spans[1])["messaging.kafka.offset"]; ok {
		t.Error("a failed send has no offset")
	}
	if spans[1].Parent().IsValid() {
		t.Error("the second attempt is not a child of the first")
	}
}

func TestTheApplicationsOwnTraceparentIsKeptAndOldKafkaGetsNoHeaders(t *testing.T) {
	kafkatest.Setup(t)
	_, it := newClient(t, sarama.NewConfig(), "h:1")
	own := []sarama.RecordHeader{{Key: []byte("traceparent"), Value: []byte(kafkatest.OwnTraceparent)}}
	msg := &sarama.ProducerMessage{Topic: "orders", Headers: own}
	it.OnSend(msg)
	if len(msg.Headers) != 1 || &msg.Headers[0] != &own[0] {
		t.Errorf("the application's traceparent: %q", msg.Headers)
	}
	old := sarama.NewConfig()
	old.Version = sarama.V0_10_2_0
	_, it = newClient(t, old, "h:1")
	msg = &sarama.ProducerMessage{Topic: "orders"}
	it.OnSend(msg)
	if msg.Headers != nil {
		t.Errorf("headers before Kafka 0.11 make sarama refuse the message: %q", msg.Headers)
	}
}

func TestASyncSendsParentIsItsCtxOrTheCallersSpan(t *testing.T) {
	rec := kafkatest.Setup(t)
	_, it := newClient(t, sarama.NewConfig(), "h:1")
	ctx, parent := otel.Tracer("test").Start(context.Background(), "parent")
	one := &sarama.ProducerMessage{Topic: "orders"}
	st, _ := sendMessageContextEnter(nil, &ctx, &one)
	it.OnSend(one) // in sarama's dispatcher goroutine
	sendMessageExit(st, nil, nil, nil)
	two, three := &sarama.ProducerMessage{Topic: "orders"}, &sarama.ProducerMessage{Topic: "orders"}
	msgs := []*sarama.ProducerMessage{two, three}
	st, _ = sendMessagesContextEnter(nil, &ctx, &msgs)
	it.OnSend(two)
	sendMessagesExit(st, nil) // three never reached the dispatcher (ctx ended)
	parent.End()
	if _, left := parents.Load(three); left {
		t.Error("the parent of a message the call did not send is kept")
	}
	for i, s := range rec.Started()[1:] {
		if s.Parent().SpanID() != parent.SpanContext().SpanID() {
			t.Errorf("send %d: parent %v", i, s.Parent())
		}
	}
	// Without a span anywhere, nothing is kept for the call.
	bg := context.Background()
	if st, _ := sendMessageContextEnter(nil, &bg, &three); st != nil {
		t.Error("state without a parent")
	}
}

// groupClient is a sarama.Client that only answers Config (newConsumerGroup's first call).
type groupClient struct {
	sarama.Client
	conf *sarama.Config
}

func (c groupClient) Config() *sarama.Config { return c.conf }

func TestConsumeMakesAReceiveSpanChildOfAndLinkedToTheProducer(t *testing.T) {
	rec := kafkatest.Setup(t)
	conf, it := newClient(t, sarama.NewConfig(), "127.0.0.1:9092")
	group, client := "billing", sarama.Client(groupClient{conf: conf})
	newConsumerGroupEnter(&group, &client)
	msg := &sarama.ConsumerMessage{Topic: "orders", Partition: 2, Offset: 41, Key: []byte("k1"),
		Headers: []*sarama.RecordHeader{{Key: []byte("traceparent"), Value: []byte(kafkatest.OwnTraceparent)}}}
	it.OnConsume(msg)
	it.OnConsume(&sarama.ConsumerMessage{Topic: "orders", Partition: 2, Offset: 42})
	spans := rec.Ended()
	if len(spans) != 2 {
		t.Fatalf("%d spans, want 2", len(spans))
	}
	s := spans[0]
	kafkatest.CheckReceive(t, s)
	if spans[1].Parent().IsValid() || len(spans[1].Links()) != 0 {
		t.Error("a message without a traceparent starts its own trace")
	}
}

func TestDisabledInstrumentationDoesNothing(t *testing.T) {
	rec := kafkatest.Setup(t)
	_, it := newClient(t, sarama.NewConfig(), "h:1")
	t.Cleanup(api.ReloadEnvironment) // runs after Setenv's restore
	t.Setenv("OTEL_GO_DISABLED_INSTRUMENTATIONS", "sarama")
	api.ReloadEnvironment()
	msg := &sarama.ProducerMessage{Topic: "orders"}
	it.OnSend(msg)
	it.OnConsume(&sarama.ConsumerMessage{Topic: "orders"})
	if len(rec.Started()) != 0 || msg.Headers != nil {
		t.Errorf("%d spans, headers %q", len(rec.Started()), msg.Headers)
	}
}

func TestASyncSendWithoutCtxTakesTheCallingGoroutinesSpan(t *testing.T) {
	rec := kafkatest.Setup(t)
	defer gls.InstallFakeForTests()()
	_, it := newClient(t, sarama.NewConfig(), "h:1")
	_, handler := api.Begin(context.Background(), otel.Tracer("test"), "handler")
	two, three := &sarama.ProducerMessage{Topic: "orders"}, &sarama.ProducerMessage{Topic: "orders"}
	msgs := []*sarama.ProducerMessage{two, three}
	st, _ := sendMessagesEnter(nil, &msgs)
	// sarama's dispatcher goroutine, whose own current span (inherited in a real program) is not
	// the parent of a message written to an AsyncProducer's Input.
	async := &sarama.ProducerMessage{Topic: "orders"}
	it.OnSend(two)
	it.OnSend(three)
	it.OnSend(async)
	sendMessagesExit(st, nil)
	handler.End()
	var parents []trace.SpanID
	for _, s := range rec.Started() {
		if s.Name() == "send orders" {
			parents = append(parents, s.Parent().SpanID())
		}
	}
	want := handler.Span().SpanContext().SpanID()
	if len(parents) != 3 || parents[0] != want || parents[1] != want || parents[2].IsValid() {
		t.Errorf("parents %v, want %v, %v and none", parents, want, want)
	}
}
