// Package logvalue names the value types and constructors of the
// OpenTelemetry Logs API, which changed between releases: up to
// go.opentelemetry.io/otel/log v0.x a record's values are log.Value and
// log.KeyValue; from v1.47.0 on they are attribute.Value and
// attribute.KeyValue. No Go source compiles against both, so module
// autotel.dev/go/logvalue has two directories, and autotel's alternate go.mod
// replaces it with the one that matches the otel/log version of the build
// (crates/build/src/otelalign.rs). This is the one for log v1.x.
package logvalue

import "go.opentelemetry.io/otel/attribute"

// Value is the type of a log record's body and attribute values.
type Value = attribute.Value

// KeyValue is the type of a log record's attributes.
type KeyValue = attribute.KeyValue

// Pair makes an attribute.
func Pair(key string, v Value) KeyValue { return attribute.KeyValue{Key: attribute.Key(key), Value: v} }

// Key is an attribute's key.
func Key(kv KeyValue) string { return string(kv.Key) }

var (
	String  = attribute.StringValue
	Int64   = attribute.Int64Value
	Float64 = attribute.Float64Value
	Bool    = attribute.BoolValue
	Bytes   = attribute.ByteSliceValue
	Map     = attribute.MapValue
)
