package semconv

import (
	"context"
	"fmt"
	"testing"

	"autotel.dev/go/internal/conformance"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// kafkaRow is a row of testdata/semantics/kafka.json's operations.
type kafkaRow struct {
	About      string `json:"about"`
	Operation  string `json:"operation"`
	Topic      string `json:"topic"`
	BatchCount int    `json:"batch_count"`
	Partition  *int   `json:"partition"`
	Offset     *int64 `json:"offset"`
	Key        string `json:"key"`
	Group      string `json:"group"`
	Broker     string `json:"broker"`
	conformance.Expect
}

// Every row, through what the kafka-go hooks call: KafkaOperation's name,
// kind and attributes.
func TestConformanceKafkaOperations(t *testing.T) {
	for i, row := range conformance.Rows[kafkaRow](t, "kafka.json", "operations") {
		rec := tracetest.NewSpanRecorder()
		tracer := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)).Tracer("conformance")
		op := KafkaOperation{Operation: row.Operation, Topic: row.Topic, BatchCount: row.BatchCount, ConsumerGroup: row.Group, Broker: row.Broker, Key: row.Key}
		if row.Partition != nil {
			op.Partition, op.HasPartition = *row.Partition, true
		}
		if row.Offset != nil {
			op.Offset, op.HasOffset = *row.Offset, true
		}
		_, span := tracer.Start(context.Background(), op.SpanName(), trace.WithSpanKind(op.SpanKind()), trace.WithAttributes(op.Attributes()...))
		span.End()
		conformance.Check(t, fmt.Sprintf("#%d %s", i, row.About), rec.Ended(), row.Expect)
	}
}
