package sdk

// otlpwire.go owns the protobuf wire encoding of OTLP's common messages
// (KeyValue, AnyValue, InstrumentationScope, Resource) as autotel's span
// exporter writes them: appended to one byte slice, without building the
// generated message structs first (spanexport.go says why). Field numbers are
// those of opentelemetry/proto/common/v1/common.proto and
// resource/v1/resource.proto.

import (
	"encoding/binary"
	"math"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"
)

// Wire types.
const (
	wireVarint  = 0
	wireFixed64 = 1
	wireBytes   = 2
	wireFixed32 = 5
)

func appendTag(b []byte, field int, wire int) []byte {
	return binary.AppendUvarint(b, uint64(field)<<3|uint64(wire))
}

func appendVarintField(b []byte, field int, v uint64) []byte {
	if v == 0 {
		return b
	}
	return binary.AppendUvarint(appendTag(b, field, wireVarint), v)
}

func appendFixed64Field(b []byte, field int, v uint64) []byte {
	if v == 0 {
		return b
	}
	return binary.LittleEndian.AppendUint64(appendTag(b, field, wireFixed64), v)
}

func appendFixed32Field(b []byte, field int, v uint32) []byte {
	if v == 0 {
		return b
	}
	return binary.LittleEndian.AppendUint32(appendTag(b, field, wireFixed32), v)
}

func appendStringField(b []byte, field int, s string) []byte {
	if s == "" {
		return b
	}
	b = binary.AppendUvarint(appendTag(b, field, wireBytes), uint64(len(s)))
	return append(b, s...)
}

func appendBytesField(b []byte, field int, p []byte) []byte {
	if len(p) == 0 {
		return b
	}
	b = binary.AppendUvarint(appendTag(b, field, wireBytes), uint64(len(p)))
	return append(b, p...)
}

// openMessage starts an embedded message field: its tag and one byte
// reserved for the length, which closeMessage fills in. Most messages here
// are shorter than 128 bytes, so their length fits that byte; a longer one
// is moved up by the extra bytes its length needs.
func openMessage(b []byte, field int) ([]byte, int) {
	b = append(appendTag(b, field, wireBytes), 0)
	return b, len(b)
}

func closeMessage(b []byte, start int) []byte {
	n := len(b) - start
	if n < 0x80 {
		b[start-1] = byte(n)
		return b
	}
	var length [binary.MaxVarintLen64]byte
	size := binary.PutUvarint(length[:], uint64(n))
	b = append(b, length[:size-1]...) // room for the extra bytes
	copy(b[start-1+size:], b[start:start+n])
	copy(b[start-1:], length[:size])
	return b
}

// appendKeyValues appends attrs as repeated KeyValue field `field`.
func appendKeyValues(b []byte, field int, attrs []attribute.KeyValue) []byte {
	for _, kv := range attrs {
		b = appendKeyValue(b, field, kv)
	}
	return b
}

func appendAttributeSet(b []byte, field int, set *attribute.Set) []byte {
	for iter := set.Iter(); iter.Next(); {
		b = appendKeyValue(b, field, iter.Attribute())
	}
	return b
}

func appendKeyValue(b []byte, field int, kv attribute.KeyValue) []byte {
	b, start := openMessage(b, field)
	b = appendStringField(b, 1, string(kv.Key))
	b, value := openMessage(b, 2)
	b = appendAnyValue(b, kv.Value)
	return closeMessage(closeMessage(b, value), start)
}

// AnyValue's fields.
const (
	anyString = 1
	anyBool   = 2
	anyInt    = 3
	anyDouble = 4
	anyArray  = 5
	anyKvlist = 6
	anyBytes  = 7
)

// appendAnyValue appends the fields of v's AnyValue. A value set in a oneof is
// written even when it is the zero value (false, 0, ""), as the generated code
// does. Types newer than the OpenTelemetry release the runtime requires
// (byte slices, slices and maps of values, v1.4x) are found by name, so the
// runtime compiles against every release of the table.
func appendAnyValue(b []byte, v attribute.Value) []byte {
	switch v.Type() {
	case attribute.BOOL:
		return appendBool(b, v.AsBool())
	case attribute.INT64:
		return appendInt(b, v.AsInt64())
	case attribute.FLOAT64:
		return appendDouble(b, v.AsFloat64())
	case attribute.STRING:
		return appendString(b, v.AsString())
	case attribute.BOOLSLICE:
		return appendArray(b, v.AsBoolSlice(), appendBool)
	case attribute.INT64SLICE:
		return appendArray(b, v.AsInt64Slice(), appendInt)
	case attribute.FLOAT64SLICE:
		return appendArray(b, v.AsFloat64Slice(), appendDouble)
	case attribute.STRINGSLICE:
		return appendArray(b, v.AsStringSlice(), appendString)
	}
	return appendNewerValue(b, v)
}

// appendArray appends an ArrayValue field of xs, each value's AnyValue
// fields written by appendValue.
func appendArray[T any](b []byte, xs []T, appendValue func([]byte, T) []byte) []byte {
	b, start := openMessage(b, anyArray)
	for _, x := range xs {
		var value int
		b, value = openMessage(b, 1)
		b = closeMessage(appendValue(b, x), value)
	}
	return closeMessage(b, start)
}

func appendBool(b []byte, x bool) []byte {
	var n uint64
	if x {
		n = 1
	}
	return binary.AppendUvarint(appendTag(b, anyBool, wireVarint), n)
}

func appendInt(b []byte, x int64) []byte {
	return binary.AppendUvarint(appendTag(b, anyInt, wireVarint), uint64(x))
}

func appendDouble(b []byte, x float64) []byte {
	return appendDoubleAlways(b, anyDouble, x)
}

// appendDoubleAlways appends a double field that is written even when zero
// (an optional field or a oneof).
func appendDoubleAlways(b []byte, field int, x float64) []byte {
	return binary.LittleEndian.AppendUint64(appendTag(b, field, wireFixed64), math.Float64bits(x))
}

// appendBytesValue writes the bytes_value of an AnyValue, even when p is
// empty (a oneof that is set).
func appendBytesValue(b []byte, p []byte) []byte {
	b = binary.AppendUvarint(appendTag(b, anyBytes, wireBytes), uint64(len(p)))
	return append(b, p...)
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(appendTag(b, anyString, wireBytes), uint64(len(s)))
	return append(b, s...)
}

// The accessors of the newer value types (see appendAnyValue).
type (
	byteSliceValue interface{ AsByteSlice() []byte }
	sliceValue     interface{ AsSlice() []attribute.Value }
	mapValue       interface{ AsMap() []attribute.KeyValue }
)

func appendNewerValue(b []byte, v attribute.Value) []byte {
	switch v.Type().String() {
	case "BYTESLICE":
		if x, ok := any(v).(byteSliceValue); ok {
			return appendBytesValue(b, x.AsByteSlice())
		}
	case "SLICE":
		if x, ok := any(v).(sliceValue); ok {
			return appendArray(b, x.AsSlice(), appendAnyValue)
		}
	case "MAP":
		if x, ok := any(v).(mapValue); ok {
			b, start := openMessage(b, anyKvlist)
			b = appendKeyValues(b, 1, x.AsMap())
			return closeMessage(b, start)
		}
	case "EMPTY":
		return b // an AnyValue with no value set
	}
	return appendString(b, "INVALID")
}

// appendScope appends the fields of scope's InstrumentationScope.
func appendScope(b []byte, scope instrumentation.Scope) []byte {
	b = appendStringField(b, 1, scope.Name)
	b = appendStringField(b, 2, scope.Version)
	return appendAttributeSet(b, 3, &scope.Attributes)
}

// appendResource appends the fields of r's Resource.
func appendResource(b []byte, r *resource.Resource) []byte {
	return appendAttributeSet(b, 1, r.Set())
}
