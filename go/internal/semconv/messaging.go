package semconv

import (
	"net"
	"strconv"

	sc "autotel.dev/go/internal/semconv/keys"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// Messaging attribute keys (messaging conventions, v1.37.0; development
// status, so they live here rather than in the generated keys package).
const (
	MessagingSystemKey               = attribute.Key("messaging.system")
	MessagingOperationNameKey        = attribute.Key("messaging.operation.name")
	MessagingOperationTypeKey        = attribute.Key("messaging.operation.type")
	MessagingDestinationNameKey      = attribute.Key("messaging.destination.name")
	MessagingDestinationPartitionKey = attribute.Key("messaging.destination.partition.id")
	MessagingConsumerGroupNameKey    = attribute.Key("messaging.consumer.group.name")
	MessagingBatchMessageCountKey    = attribute.Key("messaging.batch.message_count")
	MessagingKafkaOffsetKey          = attribute.Key("messaging.kafka.offset")
	MessagingKafkaMessageKeyKey      = attribute.Key("messaging.kafka.message.key")
	messagingServerAddressKey        = attribute.Key("server.address")
	messagingServerPortKey           = attribute.Key("server.port")
)

// KafkaOperation is one Kafka client operation as the messaging conventions
// describe it: a send (PRODUCER span, its context injected into the messages
// it creates) or a receive of one message (CLIENT span). Zero fields are
// left out.
type KafkaOperation struct {
	Operation     string // "send" or "receive" (operation name and type)
	Topic         string // messaging.destination.name; "" when unknown or mixed
	Partition     int    // messaging.destination.partition.id, when HasPartition
	HasPartition  bool
	Offset        int64 // messaging.kafka.offset, when HasOffset
	HasOffset     bool
	ConsumerGroup string
	Key           string // messaging.kafka.message.key (valid UTF-8 keys only)
	BatchCount    int    // messaging.batch.message_count when > 1
	Broker        string // "host:port" of the first bootstrap broker
}

// SpanName is "{operation} {topic}", or the operation alone without a topic.
func (k KafkaOperation) SpanName() string {
	if k.Topic == "" {
		return k.Operation
	}
	return k.Operation + " " + k.Topic
}

// SpanKind is PRODUCER for send (it creates the messages) and CLIENT for receive.
func (k KafkaOperation) SpanKind() trace.SpanKind {
	if k.Operation == "send" {
		return trace.SpanKindProducer
	}
	return trace.SpanKindClient
}

// Attributes are the span's attributes.
func (k KafkaOperation) Attributes() []attribute.KeyValue {
	attrs := []attribute.KeyValue{
		MessagingSystemKey.String("kafka"),
		MessagingOperationNameKey.String(k.Operation),
		MessagingOperationTypeKey.String(k.Operation),
	}
	if k.Topic != "" {
		attrs = append(attrs, MessagingDestinationNameKey.String(k.Topic))
	}
	if k.HasPartition {
		attrs = append(attrs, MessagingDestinationPartitionKey.String(strconv.Itoa(k.Partition)))
	}
	if k.HasOffset {
		attrs = append(attrs, MessagingKafkaOffsetKey.Int64(k.Offset))
	}
	if k.ConsumerGroup != "" {
		attrs = append(attrs, MessagingConsumerGroupNameKey.String(k.ConsumerGroup))
	}
	if k.Key != "" {
		attrs = append(attrs, MessagingKafkaMessageKeyKey.String(k.Key))
	}
	if k.BatchCount > 1 {
		attrs = append(attrs, MessagingBatchMessageCountKey.Int(k.BatchCount))
	}
	if host, port, err := net.SplitHostPort(k.Broker); err == nil && host != "" {
		attrs = append(attrs, sc.ServerAddressKey.String(host))
		if p, err := strconv.Atoi(port); err == nil && p > 0 {
			attrs = append(attrs, sc.ServerPortKey.Int(p))
		}
	}
	return attrs
}
