package hooks

import (
	"unsafe"

	"example.com/golden/target"
)

// Calls counts the calls addEnter saw.
var Calls int

// addEnter reads its arguments and keeps none of the pointers.
func addEnter(a, b *int) (unsafe.Pointer, bool) {
	Calls += *a + *b
	return nil, false
}

type state struct{ query string }

// st is the one state queryEnter hands out (so the sampled-like path allocates nothing either).
var st state

// queryEnter asks for the exit hook only for queries starting with "x", as a hook asks for it
// only when it records something.
func queryEnter(c **target.Conn, q *string, args *[]any) (*state, bool) {
	if len(*q) == 0 || (*q)[0] != 'x' {
		return nil, false
	}
	st.query = *q
	return &st, false
}

func queryExit(s *state, rows *int, err *error) {
	*rows += 100 * len(s.query)
}

// Kept is the last *target.Big keepEnter saw: a hook may keep what a parameter points to.
var Kept *target.Big

func keepEnter(p **target.Big) (unsafe.Pointer, bool) {
	Kept = *p
	return nil, false
}

func shadowEnter(s *string) (unsafe.Pointer, bool) {
	*s += "!"
	return nil, false
}
