// Package logvalue names the value types and constructors of the
// OpenTelemetry Logs API, which changed between releases: up to
// go.opentelemetry.io/otel/log v0.20.0 a record's values are log.Value and
// log.KeyValue; from v0.21.0 (otel v1.45.0) on they are attribute.Value and
// attribute.KeyValue. No Go source compiles against both, so module
// autotel.dev/go/logvalue has two directories, and autotel's alternate go.mod
// replaces it with the one that matches the otel/log version of the build
// (crates/build/src/otelalign.rs). This is the one for log v0.21.0 and later.
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
	Slice   = attribute.SliceValue
)

// TextsValid reports whether every string in v (map keys included) satisfies ok.
func TextsValid(v Value, ok func(string) bool) bool {
	switch v.Type() {
	case attribute.STRING:
		return ok(v.AsString())
	case attribute.STRINGSLICE:
		for _, s := range v.AsStringSlice() {
			if !ok(s) {
				return false
			}
		}
	case attribute.SLICE:
		for _, e := range v.AsSlice() {
			if !TextsValid(e, ok) {
				return false
			}
		}
	case attribute.MAP:
		for _, kv := range v.AsMap() {
			if !ok(string(kv.Key)) || !TextsValid(kv.Value, ok) {
				return false
			}
		}
	}
	return true
}

// FixTexts returns v with every string in it (map keys included) passed
// through fix; v itself is not modified.
func FixTexts(v Value, fix func(string) string) Value {
	switch v.Type() {
	case attribute.STRING:
		return attribute.StringValue(fix(v.AsString()))
	case attribute.STRINGSLICE:
		ss := v.AsStringSlice() // a copy
		for i := range ss {
			ss[i] = fix(ss[i])
		}
		return attribute.StringSliceValue(ss)
	case attribute.SLICE:
		vs := append([]Value(nil), v.AsSlice()...)
		for i := range vs {
			vs[i] = FixTexts(vs[i], fix)
		}
		return attribute.SliceValue(vs...)
	case attribute.MAP:
		kvs := append([]KeyValue(nil), v.AsMap()...)
		for i := range kvs {
			kvs[i] = attribute.KeyValue{Key: attribute.Key(fix(string(kvs[i].Key))), Value: FixTexts(kvs[i].Value, fix)}
		}
		return attribute.MapValue(kvs...)
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

// Walk hands v's content to w (see Walker). The slices of one scalar type
// (attribute.BOOLSLICE and the like) arrive as slices of scalars.
func Walk(v Value, w Walker) {
	switch v.Type() {
	case attribute.EMPTY:
		w.Empty()
	case attribute.BOOL:
		w.Bool(v.AsBool())
	case attribute.INT64:
		w.Int64(v.AsInt64())
	case attribute.FLOAT64:
		w.Float64(v.AsFloat64())
	case attribute.STRING:
		w.String(v.AsString())
	case attribute.BYTESLICE:
		w.Bytes(v.AsByteSlice())
	case attribute.BOOLSLICE:
		walkSlice(w, v.AsBoolSlice(), Walker.Bool)
	case attribute.INT64SLICE:
		walkSlice(w, v.AsInt64Slice(), Walker.Int64)
	case attribute.FLOAT64SLICE:
		walkSlice(w, v.AsFloat64Slice(), Walker.Float64)
	case attribute.STRINGSLICE:
		walkSlice(w, v.AsStringSlice(), Walker.String)
	case attribute.SLICE:
		walkSlice(w, v.AsSlice(), walkTo)
	case attribute.MAP:
		w.BeginMap()
		for _, kv := range v.AsMap() {
			w.BeginEntry(string(kv.Key))
			Walk(kv.Value, w)
			w.EndEntry()
		}
		w.EndMap()
	default:
		w.String("INVALID")
	}
}

// walkSlice hands xs to w as a slice, each element through walk.
func walkSlice[T any](w Walker, xs []T, walk func(Walker, T)) {
	w.BeginSlice()
	for _, x := range xs {
		w.BeginElement()
		walk(w, x)
		w.EndElement()
	}
	w.EndSlice()
}

func walkTo(w Walker, v Value) { Walk(v, w) }
