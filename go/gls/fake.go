package gls

import (
	"bytes"
	"runtime"
	"strconv"
	"sync"
	"unsafe"
)

// InstallFakeForTests makes goroutine-local context work in a program whose
// runtime is not instrumented, for unit tests of hooks: each goroutine gets a
// slot, found by parsing its id out of runtime.Stack (slow), and a new
// goroutine starts with an empty slot (nothing is inherited: that needs the
// instrumented runtime). It returns a function that removes it. Not for
// production: slots are never freed.
func InstallFakeForTests() (uninstall func()) {
	var mu sync.Mutex
	slots := map[uint64]*unsafe.Pointer{}
	prev := accessor
	registerAccessor(func() (*unsafe.Pointer, uint64) {
		id := goid()
		mu.Lock()
		defer mu.Unlock()
		s := slots[id]
		if s == nil {
			s = new(unsafe.Pointer)
			slots[id] = s
		}
		return s, id
	})
	return func() { accessor = prev }
}

// goid parses "goroutine 42 [running]:" from the current goroutine's stack.
func goid() uint64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = bytes.TrimPrefix(b, []byte("goroutine "))
	if i := bytes.IndexByte(b, ' '); i > 0 {
		b = b[:i]
	}
	id, _ := strconv.ParseUint(string(b), 10, 64)
	return id
}
