//go:build race

package gls

import (
	"context"
	"sync"
	"testing"
	"unsafe"
)

// TestRecycledSlotsAreRaceFree stands in for the runtime recycling g
// structures: goroutines find their slot by their id in a fixed table with
// no synchronisation of their own (as the runtime's gdestroy and newproc1
// are invisible to the race detector), so a slot written by one goroutine
// is read and written by later, unrelated ones. Every access to a slot and
// to the Scope it points to must be ordered for the race detector: it fails
// this test with "DATA RACE" otherwise. Only built with -race, where it can
// fail.
func TestRecycledSlotsAreRaceFree(t *testing.T) {
	var table [4]unsafe.Pointer
	prev := accessor
	registerAccessor(func() (*unsafe.Pointer, uint64) {
		id := goid()
		return &table[id%uint64(len(table))], id
	})
	t.Cleanup(func() { accessor = prev })

	for wave := 0; wave < 50; wave++ {
		var wg sync.WaitGroup
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ctx := context.WithValue(context.Background(), key{}, "work")
				s := Enter(ctx)
				_ = nameOf(Current())
				inner := Enter(ctx)
				inner.Exit()
				s.Exit()
			}()
		}
		wg.Wait()
	}
}
