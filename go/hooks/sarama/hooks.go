package sarama

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"autotel.dev/go/api"
	"autotel.dev/go/internal/kafkaconv"
	"autotel.dev/go/internal/semconv"
	"github.com/IBM/sarama"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace"
)

var inst = api.NewInstrumentation("sarama")

// interceptor is autotel's producer and consumer interceptor of one client.
type interceptor struct {
	broker  string                 // "host:port" of the first seed broker
	headers bool                   // the client's Kafka version has record headers
	group   atomic.Pointer[string] // the consumer group, nil without one
}

var (
	_ sarama.ProducerInterceptor = (*interceptor)(nil)
	_ sarama.ConsumerInterceptor = (*interceptor)(nil)
)

// newClientEnter is the enter hook of sarama.NewClient(addrs, conf): the
// client gets a copy of conf with autotel's interceptor after the
// application's.
func newClientEnter(addrs *[]string, conf **sarama.Config) (*interceptor, bool) {
	defer api.Guard("sarama.newClientEnter")
	c := *conf
	if c == nil {
		c = sarama.NewConfig() // what NewClient does with a nil conf
	}
	if slices.ContainsFunc(c.Producer.Interceptors, func(i sarama.ProducerInterceptor) bool { _, ours := i.(*interceptor); return ours }) {
		return nil, false // a config already made by this hook
	}
	it := &interceptor{headers: c.Version.IsAtLeast(sarama.V0_11_0_0)}
	if len(*addrs) > 0 {
		it.broker = strings.TrimSpace((*addrs)[0])
	}
	copied := *c
	copied.Producer.Interceptors = append(slices.Clip(c.Producer.Interceptors), it)
	copied.Consumer.Interceptors = append(slices.Clip(c.Consumer.Interceptors), it)
	*conf = &copied
	return nil, false
}

// newConsumerGroupEnter is the enter hook of newConsumerGroup(groupID, client).
func newConsumerGroupEnter(groupID *string, client *sarama.Client) (*interceptor, bool) {
	defer api.Guard("sarama.newConsumerGroupEnter")
	if *client == nil {
		return nil, false
	}
	group := *groupID
	for _, i := range (*client).Config().Consumer.Interceptors {
		if it, ours := i.(*interceptor); ours {
			it.group.Store(&group)
		}
	}
	return nil, false
}

// parents holds the parent context of a message a SyncProducer call is
// sending (*sarama.ProducerMessage → context.Context), from the call's enter
// hook until OnSend takes it or the call returns.
var parents sync.Map

// sendParent keeps the parent of msgs when ctx, or the calling goroutine,
// carries a span (or suppresses instrumentation).
func sendParent(ctx context.Context, msgs ...*sarama.ProducerMessage) bool {
	parent := api.Parent(ctx)
	if !api.Suppressed(parent) && !trace.SpanContextFromContext(parent).IsValid() {
		return false
	}
	for _, m := range msgs {
		if m != nil {
			parents.Store(m, parent)
		}
	}
	return true
}

// sending is the SyncProducer call whose messages have a parent in parents.
type sending struct{ msgs []*sarama.ProducerMessage }

func (s *sending) done() {
	for _, m := range s.msgs {
		parents.Delete(m)
	}
}

// sendMessageEnter is the enter hook of (*syncProducer).SendMessage(msg).
func sendMessageEnter(_ unsafe.Pointer, msg **sarama.ProducerMessage) (*sending, bool) {
	defer api.Guard("sarama.sendMessageEnter")
	return sendMessageContextEnter(nil, nil, msg)
}

// sendMessageContextEnter is the enter hook of (*syncProducer).SendMessageContext(ctx, msg).
func sendMessageContextEnter(_ unsafe.Pointer, ctx *context.Context, msg **sarama.ProducerMessage) (*sending, bool) {
	defer api.Guard("sarama.sendMessageContextEnter")
	var c context.Context
	if ctx != nil {
		c = *ctx
	}
	if !inst.Enabled() || !sendParent(c, *msg) {
		return nil, false
	}
	return &sending{msgs: []*sarama.ProducerMessage{*msg}}, false
}

// sendMessageExit is the exit hook of SendMessage and SendMessageContext.
func sendMessageExit(st *sending, _ *int32, _ *int64, _ *error) {
	defer api.Guard("sarama.sendMessageExit")
	st.done()
}

// sendMessagesEnter is the enter hook of (*syncProducer).SendMessages(msgs).
func sendMessagesEnter(_ unsafe.Pointer, msgs *[]*sarama.ProducerMessage) (*sending, bool) {
	defer api.Guard("sarama.sendMessagesEnter")
	return sendMessagesContextEnter(nil, nil, msgs)
}

// sendMessagesContextEnter is the enter hook of (*syncProducer).SendMessagesContext(ctx, msgs).
func sendMessagesContextEnter(_ unsafe.Pointer, ctx *context.Context, msgs *[]*sarama.ProducerMessage) (*sending, bool) {
	defer api.Guard("sarama.sendMessagesContextEnter")
	var c context.Context
	if ctx != nil {
		c = *ctx
	}
	if !inst.Enabled() || len(*msgs) == 0 || !sendParent(c, *msgs...) {
		return nil, false
	}
	return &sending{msgs: slices.Clone(*msgs)}, false
}

// sendMessagesExit is the exit hook of SendMessages and SendMessagesContext.
func sendMessagesExit(st *sending, _ *error) {
	defer api.Guard("sarama.sendMessagesExit")
	st.done()
}

// send is a message's send span, from OnSend until sarama hands the message back.
type send struct {
	span       trace.Span
	appHeaders []sarama.RecordHeader // the headers the application gave
	headers    []sarama.RecordHeader // the array OnSend set in their place, nil when none
}

// sends holds the message in flight's *send (*sarama.ProducerMessage → *send).
var sends sync.Map

// OnSend starts the message's send span and injects its context.
func (it *interceptor) OnSend(msg *sarama.ProducerMessage) {
	defer api.Guard("sarama.OnSend")
	if msg == nil || !inst.Enabled() {
		return
	}
	if _, retried := sends.Load(msg); retried {
		return // sarama sends it again: the same span
	}
	parent := api.WithoutLocalParent(context.Background()) // not the dispatcher goroutine's
	if p, ok := parents.LoadAndDelete(msg); ok {
		parent = p.(context.Context)
	}
	if api.Suppressed(parent) {
		return
	}
	op := semconv.KafkaOperation{Operation: "send", Topic: msg.Topic, Key: key(msg.Key), Broker: it.broker}
	ctx, span := inst.Tracer().Start(parent, op.SpanName(),
		trace.WithSpanKind(op.SpanKind()), trace.WithAttributes(op.Attributes()...))
	st := &send{span: span, appHeaders: msg.Headers}
	if prop := otel.GetTextMapPropagator(); it.headers && span.SpanContext().IsValid() && !kafkaconv.Propagates(prop, msg.Headers) {
		// A new array: a header slice the application shares stays as it was.
		headers := make([]sarama.RecordHeader, len(msg.Headers), len(msg.Headers)+2)
		copy(headers, msg.Headers)
		prop.Inject(ctx, kafkaconv.Carrier[sarama.RecordHeader, []byte]{Headers: &headers})
		msg.Headers, st.headers = headers, headers
	}
	sends.Store(msg, st)
}

// key is messaging.kafka.message.key for sarama's own encoders; another
// Encoder is not called (its Encode may do work or fail).
func key(k sarama.Encoder) string {
	switch k := k.(type) {
	case sarama.StringEncoder:
		return kafkaconv.Key([]byte(k))
	case sarama.ByteEncoder:
		return kafkaconv.Key(k)
	}
	return ""
}

// returned ends the send span of a message sarama hands back.
func returned(msg *sarama.ProducerMessage, err error) {
	v, ok := sends.LoadAndDelete(msg)
	if !ok {
		return
	}
	st := v.(*send)
	if err == nil {
		st.span.SetAttributes(semconv.MessagingDestinationPartitionKey.String(strconv.Itoa(int(msg.Partition))),
			semconv.MessagingKafkaOffsetKey.Int64(msg.Offset))
	}
	api.RecordError(st.span, err)
	st.span.End()
	if len(st.headers) > 0 && len(msg.Headers) == len(st.headers) && &msg.Headers[0] == &st.headers[0] {
		msg.Headers = st.appHeaders
	}
}

// returnSuccessesEnter is the enter hook of (*asyncProducer).returnSuccesses(batch).
func returnSuccessesEnter(_ unsafe.Pointer, batch *[]*sarama.ProducerMessage) (*send, bool) {
	defer api.Guard("sarama.returnSuccessesEnter")
	for _, m := range *batch {
		returned(m, nil)
	}
	return nil, false
}

// returnErrorsEnter is the enter hook of (*asyncProducer).returnErrors(batch, err).
func returnErrorsEnter(_ unsafe.Pointer, batch *[]*sarama.ProducerMessage, err *error) (*send, bool) {
	defer api.Guard("sarama.returnErrorsEnter")
	for _, m := range *batch {
		returned(m, *err)
	}
	return nil, false
}

// returnErrorEnter is the enter hook of (*asyncProducer).returnError(msg, err).
func returnErrorEnter(_ unsafe.Pointer, msg **sarama.ProducerMessage, err *error) (*send, bool) {
	defer api.Guard("sarama.returnErrorEnter")
	returned(*msg, *err)
	return nil, false
}

// OnConsume makes the receive span of a message sarama is handing over.
func (it *interceptor) OnConsume(msg *sarama.ConsumerMessage) {
	defer api.Guard("sarama.OnConsume")
	if msg == nil || !inst.Enabled() {
		return
	}
	headers := make([]sarama.RecordHeader, 0, len(msg.Headers))
	for _, h := range msg.Headers {
		if h != nil {
			headers = append(headers, *h)
		}
	}
	// Not the partition consumer goroutine's span.
	parent, opts := kafkaconv.Creation(api.WithoutLocalParent(context.Background()), kafkaconv.Carrier[sarama.RecordHeader, []byte]{Headers: &headers})
	if len(opts) > 0 && inst.Quiet(parent) {
		return
	}
	op := semconv.KafkaOperation{Operation: "receive", Topic: msg.Topic, Broker: it.broker,
		Partition: int(msg.Partition), HasPartition: true, Offset: msg.Offset, HasOffset: true, Key: kafkaconv.Key(msg.Key)}
	if g := it.group.Load(); g != nil {
		op.ConsumerGroup = *g
	}
	opts = append(opts, trace.WithSpanKind(op.SpanKind()), trace.WithAttributes(op.Attributes()...))
	_, span := inst.Tracer().Start(parent, op.SpanName(), opts...)
	span.End()
}
