package kafkaconv

import (
	"testing"

	"go.opentelemetry.io/otel/propagation"
)

// clientHeader has the shape of kafka.Header and kgo.RecordHeader.
type clientHeader struct {
	Key   string
	Value []byte
}

// bytesHeader has the shape of sarama.RecordHeader.
type bytesHeader struct {
	Key   []byte
	Value []byte
}

func TestCarrierReadsAndAppendsHeaders(t *testing.T) {
	headers := []clientHeader{{Key: "Tenant", Value: []byte("a")}}
	c := Carrier[clientHeader, string]{&headers}
	if got := c.Get("tenant"); got != "a" {
		t.Errorf("Get is case-insensitive: %q", got)
	}
	c.Set("traceparent", "00-x")
	if len(headers) != 2 || headers[1].Key != "traceparent" || string(headers[1].Value) != "00-x" {
		t.Errorf("Set appends: %v", headers)
	}
	if keys := c.Keys(); len(keys) != 2 || keys[0] != "Tenant" {
		t.Errorf("Keys %v", keys)
	}
	tc := propagation.TraceContext{}
	if !Propagates(tc, headers) || Propagates(tc, headers[:1]) {
		t.Error("Propagates must see the traceparent header, and only it")
	}
	if Key([]byte("order-1")) != "order-1" || Key([]byte{0xff}) != "" || Key(nil) != "" {
		t.Error("Key keeps valid text only")
	}
}

func TestCarrierOverHeadersWithBytesKeys(t *testing.T) {
	headers := []bytesHeader{{Key: []byte("Tenant"), Value: []byte("a")}}
	c := Carrier[bytesHeader, []byte]{&headers}
	tc := propagation.TraceContext{}
	if Propagates(tc, headers) {
		t.Error("no traceparent yet")
	}
	c.Set("traceparent", "00-x")
	if c.Get("tenant") != "a" || c.Get("TRACEPARENT") != "00-x" || string(headers[1].Key) != "traceparent" {
		t.Errorf("headers %q", headers)
	}
	if keys := c.Keys(); len(keys) != 2 || keys[1] != "traceparent" {
		t.Errorf("Keys %v", keys)
	}
	if !Propagates(tc, headers) {
		t.Error("Propagates must see the traceparent header")
	}
}
