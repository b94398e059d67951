package hooks

import (
	"fmt"
	"unsafe"
)

// The receiver's type is unexported: the hook takes an unsafe.Pointer of the same shape.
func serveEnter(recv unsafe.Pointer, code *int) (unsafe.Pointer, bool) {
	fmt.Println("serve enter, code", *code)
	return unsafe.Pointer(code), false
}

func serveExit(st unsafe.Pointer, result *int) {
	fmt.Println("serve exit, code", *(*int)(st), "result", *result)
}
