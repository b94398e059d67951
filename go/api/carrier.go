package api

// This file owns the carrier that hooks hand the propagators for the headers
// of a net/http request or response.

import (
	"net/http"

	"go.opentelemetry.io/otel/propagation"
)

// HeaderCarrier is propagation.HeaderCarrier with the propagators' own keys
// ("traceparent", "tracestate", "baggage") looked up in their canonical form
// directly: http.Header canonicalises a lower-case key into a new string, an
// allocation for every key on every request, present or not.
type HeaderCarrier struct{ propagation.HeaderCarrier }

// Headers returns the carrier of h.
func Headers(h http.Header) HeaderCarrier { return HeaderCarrier{propagation.HeaderCarrier(h)} }

// Get returns the first value of key.
func (c HeaderCarrier) Get(key string) string { return c.HeaderCarrier.Get(canonicalKey(key)) }

// Values returns every value of key (the baggage propagator reads them all).
func (c HeaderCarrier) Values(key string) []string {
	return c.HeaderCarrier.Values(canonicalKey(key))
}

// Set sets key to value.
func (c HeaderCarrier) Set(key, value string) { c.HeaderCarrier.Set(canonicalKey(key), value) }

// canonicalKey is textproto's canonical form of the propagators' keys, key
// itself for any other.
func canonicalKey(key string) string {
	switch key {
	case "traceparent":
		return "Traceparent"
	case "tracestate":
		return "Tracestate"
	case "baggage":
		return "Baggage"
	}
	return key
}
