// Package logvalue names the value types and constructors of the
// OpenTelemetry Logs API, which changed between releases: up to
// go.opentelemetry.io/otel/log v0.20.0 a record's values are log.Value and
// log.KeyValue; from v0.21.0 (otel v1.45.0) on they are attribute.Value and
// attribute.KeyValue. No Go source compiles against both, so module
// autotel.dev/go/logvalue has two directories, and autotel's alternate go.mod
// replaces it with the one that matches the otel/log version of the build
// (crates/build/src/otelalign.rs). This is the one for log v0.20.0 and earlier.
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
	Slice   = otellog.SliceValue
)

// TextsValid reports whether every string in v (map keys included) satisfies ok.
func TextsValid(v Value, ok func(string) bool) bool {
	switch v.Kind() {
	case otellog.KindString:
		return ok(v.AsString())
	case otellog.KindSlice:
		for _, e := range v.AsSlice() {
			if !TextsValid(e, ok) {
				return false
			}
		}
	case otellog.KindMap:
		for _, kv := range v.AsMap() {
			if !ok(kv.Key) || !TextsValid(kv.Value, ok) {
				return false
			}
		}
	}
	return true
}

// FixTexts returns v with every string in it (map keys included) passed
// through fix; v itself is not modified.
func FixTexts(v Value, fix func(string) string) Value {
	switch v.Kind() {
	case otellog.KindString:
		return otellog.StringValue(fix(v.AsString()))
	case otellog.KindSlice:
		vs := append([]Value(nil), v.AsSlice()...)
		for i := range vs {
			vs[i] = FixTexts(vs[i], fix)
		}
		return otellog.SliceValue(vs...)
	case otellog.KindMap:
		kvs := append([]KeyValue(nil), v.AsMap()...)
		for i := range kvs {
			kvs[i] = otellog.KeyValue{Key: fix(kvs[i].Key), Value: FixTexts(kvs[i].Value, fix)}
		}
		return otellog.MapValue(kvs...)
	}
	return v
}

// A Walker receives a value's content from Walk, in order: a scalar as one
// call; a slice as BeginSlice, each element's content between BeginElement
// and EndElement, then EndSlice; a map as BeginMap, each entry's value
// between BeginEntry (with the entry's key) and EndEntry, then EndMap. A kind
// that no OTLP AnyValue holds arrives as String("INVALID"), as the official
// OTLP exporters send it.
type Walker interface {
	Empty()
	Bool(bool)
	Int64(int64)
	Float64(float64)
	String(string)
	Bytes([]byte)
	BeginSlice()
	BeginElement()
	EndElement()
	EndSlice()
	BeginMap()
	BeginEntry(key string)
	EndEntry()
	EndMap()
}

// Walk hands v's content to w (see Walker).
func Walk(v Value, w Walker) {
	switch v.Kind() {
	case otellog.KindEmpty:
		w.Empty()
	case otellog.KindBool:
		w.Bool(v.AsBool())
	case otellog.KindInt64:
		w.Int64(v.AsInt64())
	case otellog.KindFloat64:
		w.Float64(v.AsFloat64())
	case otellog.KindString:
		w.String(v.AsString())
	case otellog.KindBytes:
		w.Bytes(v.AsBytes())
	case otellog.KindSlice:
		w.BeginSlice()
		for _, e := range v.AsSlice() {
			w.BeginElement()
			Walk(e, w)
			w.EndElement()
		}
		w.EndSlice()
	case otellog.KindMap:
		w.BeginMap()
		for _, kv := range v.AsMap() {
			w.BeginEntry(kv.Key)
			Walk(kv.Value, w)
			w.EndEntry()
		}
		w.EndMap()
	default:
		w.String("INVALID")
	}
}
