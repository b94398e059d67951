// Package kafkatest holds what the Kafka client hooks' unit tests (kafkago, franzgo, sarama)
// share: their set-up (a span recorder and W3C propagation for one test), the traceparent a test
// message carries as the application's own, and the check of the
// receive span of that message (topic "orders", partition 2, offset 41, key "k1", group
// "billing", broker 127.0.0.1:9092).
package kafkatest

import (
	"testing"

	"autotel.dev/go/internal/spantest"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// Setup records the test's spans and propagates W3C trace context and baggage until it ends.
func Setup(t testing.TB) *tracetest.SpanRecorder {
	t.Helper()
	rec := spantest.Record(t)
	spantest.Propagate(t)
	return rec
}

// OwnTraceparent is the creation context a test message carries in its headers.
const OwnTraceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"

// CheckReceive checks the CLIENT span "receive orders" of the test message: child of and
// linked to OwnTraceparent's context, with every messaging and broker attribute.
func CheckReceive(t testing.TB, s sdktrace.ReadOnlySpan) {
	t.Helper()
	if s.Name() != "receive orders" || s.SpanKind() != trace.SpanKindClient {
		t.Fatalf("span %q kind %v", s.Name(), s.SpanKind())
	}
	if s.Parent().TraceID().String() != "0af7651916cd43dd8448eb211c80319c" || s.Parent().SpanID().String() != "b7ad6b7169203331" {
		t.Errorf("parent %v", s.Parent())
	}
	if len(s.Links()) != 1 || !s.Links()[0].SpanContext.Equal(s.Parent()) {
		t.Errorf("links %v", s.Links())
	}
	spantest.WantAttrs(t, s, map[string]any{
		"messaging.system": "kafka", "messaging.operation.name": "receive", "messaging.operation.type": "receive",
		"messaging.destination.name": "orders", "messaging.destination.partition.id": "2", "messaging.kafka.offset": int64(41),
		"messaging.consumer.group.name": "billing", "messaging.kafka.message.key": "k1",
		"server.address": "127.0.0.1", "server.port": int64(9092),
	})
}
