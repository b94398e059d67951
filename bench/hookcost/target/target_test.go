package target

import "testing"

var sink int

func BenchmarkAdd(b *testing.B) {
	for i := range b.N {
		sink += Add(i, 1)
	}
}

func BenchmarkWork(b *testing.B) {
	for i := range b.N {
		sink += Work(i&7, 8)
	}
}

// BenchmarkCall: Call as a root span (no parent).
func BenchmarkCall(b *testing.B) {
	for i := range b.N {
		sink += Call(i&7, 8)
	}
}

// BenchmarkCallInSpan: Call as the child of Nest's span; one Nest per benchmark run.
func BenchmarkCallInSpan(b *testing.B) {
	sink += Nest(b.N)
}
