//line input.go:1:1
package target; import __autotel_unsafe "unsafe"

// Work panics on a negative input; the stack trace must still name this file and line.
func Work(n int) (__autotel_r0 int)/*line input.go:4:21*/ { if _, __autotel_skip := __autotel_enter_0(&n); __autotel_skip { return };
	if n < 0 {
		panic("negative")
	}
	return n + 1
}

//line autotel_generated.go:1
//go:linkname __autotel_enter_0 example.com/golden/hooks.workEnter
func __autotel_enter_0(*int) (__autotel_unsafe.Pointer, bool)
