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
