//line input.go:1:1
package target; import __autotel_unsafe "unsafe"

import "fmt"

// Divide is skipped by its hook when b is zero, which then supplies the results.
func Divide(a, b int) (q int, err error) { if __autotel_st, __autotel_skip := __autotel_enter_0(&a, &b); __autotel_st != nil { defer __autotel_exit_0(__autotel_st, &q, &err); if __autotel_skip { return } } else if __autotel_skip { return };/*line input.go:6:43*/ fmt.Println("Divide body runs"); return a / b, nil }

//line autotel_generated.go:1
//go:linkname __autotel_enter_0 example.com/golden/hooks.divideEnter
func __autotel_enter_0(*int, *int) (__autotel_unsafe.Pointer, bool)
//go:linkname __autotel_exit_0 example.com/golden/hooks.divideExit
func __autotel_exit_0(__autotel_unsafe.Pointer, *int, *error)
