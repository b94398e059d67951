// Package logvalue names the value types and constructors of the
// OpenTelemetry Logs API, which changed between releases: up to
// go.opentelemetry.io/otel/log v0.x a record's values are log.Value and
// log.KeyValue; from v1.47.0 on they are attribute.Value and
// attribute.KeyValue. No Go source compiles against both, so module
// autotel.dev/go/logvalue has two directories, and autotel's alternate go.mod
// replaces it with the one that matches the otel/log version of the build
// (crates/build/src/otelalign.rs). This is the one for log v0.x.
package logvalue

import otellog "go.opentelemetry.io/otel/log"

// Value is the type of a log record's body and attribute values.
type Value = otellog.Value

// KeyValue is the type of a log record's attributes.
type KeyValue = otellog.KeyValue

// Pair makes an attribute.
func Pair(key string, v Value) KeyValue { return otellog.KeyValue{Key: key, Value: v} }

// Key is an attribute's key.
func Key(kv KeyValue) string { return kv.Key }

var (
	String  = otellog.StringValue
	Int64   = otellog.Int64Value
	Float64 = otellog.Float64Value
	Bool    = otellog.BoolValue
	Bytes   = otellog.BytesValue
	Map     = otellog.MapValue
)
