// Package kafkaconv holds what the Kafka client hooks (kafkago, franzgo, sarama) share about a
// message: its headers as a carrier of trace context, whether the application already propagates
// in them, the parent and link of its receive span (creation.go), and its key as an attribute. Every client's header type has the same shape, a Key
// (string, or []byte in sarama) and a Value []byte, which is all this package asks of it.
package kafkaconv

import (
	"strings"
	"unicode/utf8"

	"go.opentelemetry.io/otel/propagation"
)

// HeaderKey is the type of a header's Key: string (kafka.Header, kgo.RecordHeader) or []byte
// (sarama.RecordHeader).
type HeaderKey interface{ string | []byte }

// Header is a Kafka client's message header type.
type Header[K HeaderKey] interface {
	~struct {
		Key   K
		Value []byte
	}
}

type header[K HeaderKey] struct {
	Key   K
	Value []byte
}

// Carrier is a propagation.TextMapCarrier over a message's headers; Set appends.
type Carrier[H Header[K], K HeaderKey] struct{ Headers *[]H }

func (c Carrier[H, K]) Get(key string) string {
	for _, h := range *c.Headers {
		if kv := header[K](h); strings.EqualFold(string(kv.Key), key) {
			return string(kv.Value)
		}
	}
	return ""
}

func (c Carrier[H, K]) Set(key, value string) {
	*c.Headers = append(*c.Headers, H(header[K]{Key: K(key), Value: []byte(value)}))
}

func (c Carrier[H, K]) Keys() []string {
	keys := make([]string, 0, len(*c.Headers))
	for _, h := range *c.Headers {
		keys = append(keys, string(header[K](h).Key))
	}
	return keys
}

// Propagates reports whether headers already carry one of p's fields: the
// application propagates trace context itself, and its header stays as it is.
func Propagates[H Header[K], K HeaderKey](p propagation.TextMapPropagator, headers []H) bool {
	for _, f := range p.Fields() {
		for _, h := range headers {
			if strings.EqualFold(string(header[K](h).Key), f) {
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
