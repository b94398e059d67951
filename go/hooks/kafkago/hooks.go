package kafkago

import (
	"context"
	"errors"
	"io"
	"strings"
	"time"

	"autotel.dev/go/api"
	"autotel.dev/go/internal/kafkaconv"
	"autotel.dev/go/internal/semconv"
	"github.com/segmentio/kafka-go"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace"
)

var inst = api.NewInstrumentation("kafkago")

// firstBroker returns the first "host:port" of a comma-separated list.
func firstBroker(s string) string {
	if i := strings.IndexByte(s, ','); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}

// writeState carries one WriteMessages from enter to exit (hook states are
// pointers: the trampoline passes one word).
type writeState struct{ span trace.Span }

// writeEnter is the enter hook of (*Writer).WriteMessages(ctx, msgs...).
func writeEnter(w **kafka.Writer, ctx *context.Context, msgs *[]kafka.Message) (*writeState, bool) {
	defer api.Guard("kafkago.writeEnter")
	if !inst.Enabled() || w == nil || *w == nil || len(*msgs) == 0 || api.Suppressed(*ctx) {
		return nil, false
	}
	op := semconv.KafkaOperation{Operation: "send", Topic: (*w).Topic, BatchCount: len(*msgs)}
	if op.Topic == "" {
		op.Topic = (*msgs)[0].Topic
		for _, m := range *msgs {
			if m.Topic != op.Topic {
				op.Topic = ""
				break
			}
		}
	}
	if len(*msgs) == 1 {
		op.Key = kafkaconv.Key((*msgs)[0].Key)
	}
	if (*w).Addr != nil {
		op.Broker = firstBroker((*w).Addr.String())
	}
	spanCtx, span := inst.Tracer().Start(api.Parent(*ctx), op.SpanName(),
		trace.WithSpanKind(op.SpanKind()), trace.WithAttributes(op.Attributes()...))
	st := &writeState{span: span}
	if !span.SpanContext().IsValid() {
		return st, false
	}
	prop := otel.GetTextMapPropagator()
	copied := make([]kafka.Message, len(*msgs))
	copy(copied, *msgs)
	for i := range copied {
		if kafkaconv.Propagates(prop, copied[i].Headers) {
			continue
		}
		// A new array: the caller's headers stay as they were.
		headers := make([]kafka.Header, len(copied[i].Headers), len(copied[i].Headers)+2)
		copy(headers, copied[i].Headers)
		prop.Inject(spanCtx, kafkaconv.Carrier[kafka.Header, string]{Headers: &headers})
		copied[i].Headers = headers
	}
	*msgs = copied
	return st, false
}

// writeExit is the exit hook of (*Writer).WriteMessages.
func writeExit(st *writeState, err *error) {
	defer api.Guard("kafkago.writeExit")
	if st == nil {
		return
	}
	api.RecordError(st.span, *err)
	st.span.End()
}

// fetchState carries one FetchMessage from enter to exit.
type fetchState struct {
	reader *kafka.Reader
	ctx    context.Context
	start  time.Time
}

// fetchEnter is the enter hook of (*Reader).FetchMessage(ctx).
func fetchEnter(r **kafka.Reader, ctx *context.Context) (*fetchState, bool) {
	defer api.Guard("kafkago.fetchEnter")
	if !inst.Enabled() || r == nil || *r == nil || api.Suppressed(*ctx) {
		return nil, false
	}
	return &fetchState{reader: *r, ctx: api.Parent(*ctx), start: time.Now()}, false
}

// fetchExit is the exit hook of (*Reader).FetchMessage: the receive span of
// the message returned.
func fetchExit(st *fetchState, m *kafka.Message, err *error) {
	defer api.Guard("kafkago.fetchExit")
	if st == nil {
		return
	}
	e := *err
	if errors.Is(e, io.EOF) || errors.Is(e, context.Canceled) || errors.Is(e, context.DeadlineExceeded) {
		return // the reader closed or the caller stopped waiting: no message
	}
	cfg := st.reader.Config()
	op := semconv.KafkaOperation{Operation: "receive", Topic: cfg.Topic, ConsumerGroup: cfg.GroupID}
	if len(cfg.Brokers) > 0 {
		op.Broker = firstBroker(cfg.Brokers[0])
	}
	parent := st.ctx
	opts := []trace.SpanStartOption{trace.WithSpanKind(op.SpanKind()), trace.WithTimestamp(st.start)}
	if e == nil {
		if m.Topic != "" {
			op.Topic = m.Topic
		}
		op.Partition, op.HasPartition = m.Partition, true
		op.Offset, op.HasOffset = m.Offset, true
		op.Key = kafkaconv.Key(m.Key)
		headers := m.Headers
		var link []trace.SpanStartOption
		parent, link = kafkaconv.Creation(parent, kafkaconv.Carrier[kafka.Header, string]{Headers: &headers})
		opts = append(opts, link...)
	}
	opts = append(opts, trace.WithAttributes(op.Attributes()...))
	_, span := inst.Tracer().Start(parent, op.SpanName(), opts...)
	api.RecordError(span, e)
	span.End()
}
