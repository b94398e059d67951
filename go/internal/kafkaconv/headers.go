// Package kafkaconv holds what the Kafka client hooks (kafkago, franzgo) share about a message:
// its headers as a carrier of trace context, whether the application already propagates in them,
// and its key as an attribute. Every client's header type has the same shape, a Key string and
// a Value []byte, which is all this package asks of it.
package kafkaconv

import (
	"strings"
	"unicode/utf8"

	"go.opentelemetry.io/otel/propagation"
)

// Header is a Kafka client's message header type (kafka.Header, kgo.RecordHeader).
type Header interface {
	~struct {
		Key   string
		Value []byte
	}
}

type header = struct {
	Key   string
	Value []byte
}

// Carrier is a propagation.TextMapCarrier over a message's headers; Set appends.
type Carrier[H Header] struct{ Headers *[]H }

func (c Carrier[H]) Get(key string) string {
	for _, h := range *c.Headers {
		if kv := header(h); strings.EqualFold(kv.Key, key) {
			return string(kv.Value)
		}
	}
	return ""
}

func (c Carrier[H]) Set(key, value string) {
	*c.Headers = append(*c.Headers, H(header{Key: key, Value: []byte(value)}))
}

func (c Carrier[H]) Keys() []string {
	keys := make([]string, 0, len(*c.Headers))
	for _, h := range *c.Headers {
		keys = append(keys, header(h).Key)
	}
	return keys
}

// Propagates reports whether headers already carry one of p's fields: the
// application propagates trace context itself, and its header stays as it is.
func Propagates[H Header](p propagation.TextMapPropagator, headers []H) bool {
	for _, f := range p.Fields() {
		for _, h := range headers {
			if strings.EqualFold(header(h).Key, f) {
				return true
			}
		}
	}
	return false
}

// Key is messaging.kafka.message.key for a message key: the key when it is
// valid UTF-8 text, else "" (no attribute).
func Key(k []byte) string {
	if len(k) == 0 || !utf8.Valid(k) {
		return ""
	}
	return string(k)
}
