package logvalue

import (
	"fmt"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
)

// render writes what Walk hands it as text, checking that every Begin has
// its End.
type render struct {
	strings.Builder
	open []string
	t    *testing.T
}

func (r *render) Empty()            { r.WriteString("∅ ") }
func (r *render) Bool(b bool)       { fmt.Fprintf(r, "%v ", b) }
func (r *render) Int64(n int64)     { fmt.Fprintf(r, "%d ", n) }
func (r *render) Float64(f float64) { fmt.Fprintf(r, "%g ", f) }
func (r *render) String(s string)   { fmt.Fprintf(r, "%q ", s) }
func (r *render) Bytes(p []byte)    { fmt.Fprintf(r, "0x%x ", p) }
func (r *render) BeginSlice()       { r.begin("[", "slice") }
func (r *render) BeginElement()     { r.begin("", "element") }
func (r *render) EndElement()       { r.end("", "element") }
func (r *render) EndSlice()         { r.end("] ", "slice") }
func (r *render) BeginMap()         { r.begin("{", "map") }
func (r *render) BeginEntry(k string) {
	r.begin(k+":", "entry")
}
func (r *render) EndEntry() { r.end("", "entry") }
func (r *render) EndMap()   { r.end("} ", "map") }

func (r *render) begin(text, what string) {
	r.WriteString(text)
	r.open = append(r.open, what)
}

func (r *render) end(text, what string) {
	if n := len(r.open); n == 0 || r.open[n-1] != what {
		r.t.Errorf("end of %s with %v open", what, r.open)
	} else {
		r.open = r.open[:n-1]
	}
	r.WriteString(text)
}

func TestWalkHandsOverEveryKind(t *testing.T) {
	for _, c := range []struct {
		v    Value
		want string
	}{
		{Value{}, `∅ `},
		{Bool(true), `true `},
		{Int64(-7), `-7 `},
		{Float64(2.5), `2.5 `},
		{String("s"), `"s" `},
		{Bytes([]byte{1, 0xff}), `0x01ff `},
		{Slice(), `[] `},
		{Slice(Int64(1), Slice(String("a"), Value{}), Map(Pair("k", Bool(false)))), `[1 ["a" ∅ ] {k:false } ] `},
		{Map(Pair("a", Map(Pair("b", Bytes(nil)))), Pair("c", Slice(Float64(0)))), `{a:{b:0x } c:[0 ] } `},
		{Map(), `{} `},
		{attribute.BoolSliceValue([]bool{true, false}), `[true false ] `},
		{attribute.Int64SliceValue([]int64{3}), `[3 ] `},
		{attribute.Float64SliceValue(nil), `[] `},
		{attribute.StringSliceValue([]string{"x", ""}), `["x" "" ] `},
	} {
		r := &render{t: t}
		Walk(c.v, r)
		if r.Builder.String() != c.want {
			t.Errorf("Walk(%v) = %s, want %s", c.v, r.Builder.String(), c.want)
		}
		if len(r.open) != 0 {
			t.Errorf("Walk(%v) left %v open", c.v, r.open)
		}
	}
}
