//line input.go:1:1
package target; import __autotel_unsafe "unsafe"

type handler struct{ name string }

func (__autotel_recv /*line input.go:5:7*/handler) serve(code int) (__autotel_r0 int)/*line input.go:5:35*/ { if __autotel_st, __autotel_skip := __autotel_enter_0(&__autotel_recv, &code); __autotel_st != nil { defer __autotel_exit_0(__autotel_st, &__autotel_r0); if __autotel_skip { return } } else if __autotel_skip { return };/*line input.go:5:37*/ return code * 2 }

// Serve calls the unexported method of an unexported type.
func Serve(code int) int { return handler{name: "h"}.serve(code) }

//line autotel_generated.go:1
//go:linkname __autotel_enter_0 example.com/golden/hooks.serveEnter
func __autotel_enter_0(*handler, *int) (__autotel_unsafe.Pointer, bool)
//go:linkname __autotel_exit_0 example.com/golden/hooks.serveExit
func __autotel_exit_0(__autotel_unsafe.Pointer, *int)
