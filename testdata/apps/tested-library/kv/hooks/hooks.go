// Package hooks holds the hooks of autotel/kv.yaml. Like autotel's hook packages of third-party
// libraries, it imports the library it instruments.
package hooks

import (
	"sync/atomic"
	"unsafe"

	"example.com/kvlib/kv"
)

var calls atomic.Int64

// getEnter runs at the start of (*kv.Store).Get when the program is built by autotel.
func getEnter(store **kv.Store, key *string) (unsafe.Pointer, bool) {
	if *store != nil && *key != "" {
		calls.Add(1)
	}
	return nil, false
}

// Calls is how many times getEnter ran.
func Calls() int64 { return calls.Load() }
