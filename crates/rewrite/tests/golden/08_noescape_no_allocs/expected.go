//line input.go:1:1
package target; import __autotel_unsafe "unsafe"

type Conn struct{ Base int }

// Add is a leaf function; with //go:noescape trampolines a and b stay on its stack.
func Add(a, b int) (__autotel_r0 int)/*line input.go:6:23*/ { if __autotel_escape_0.on { __autotel_escape_0.sink = [...]interface{}{a, b} }; if _, __autotel_skip := __autotel_enter_0(&a, &b); __autotel_skip { return };/*line input.go:6:25*/ return a + b }

// Query has a receiver, a variadic parameter and named results that its exit hook changes.
func (c *Conn) Query(q string, args ...any) (rows int, err error) { if __autotel_escape_1.on { __autotel_escape_1.sink = [...]interface{}{c, q, args, rows, err} }; if __autotel_st, __autotel_skip := __autotel_enter_1(&c, &q, &args); __autotel_st != nil { defer __autotel_exit_1(__autotel_st, &rows, &err); if __autotel_skip { return } } else if __autotel_skip { return };
	return c.Base + len(q) + len(args), nil
}

type Big struct{ N [4]int }

// Keep does not keep p, but its hook keeps *p: the caller's Big must still move to the heap.
func Keep(p *Big) (__autotel_r0 int)/*line input.go:16:22*/ { if __autotel_escape_2.on { __autotel_escape_2.sink = [...]interface{}{p} }; if _, __autotel_skip := __autotel_enter_2(&p); __autotel_skip { return };/*line input.go:16:24*/ return p.N[0] }

// Shadow names its parameter `any`: the generated code must not need the predeclared `any`.
func Shadow(any string) (__autotel_r0 int)/*line input.go:19:28*/ { if __autotel_escape_3.on { __autotel_escape_3.sink = [...]interface{}{any} }; if _, __autotel_skip := __autotel_enter_3(&any); __autotel_skip { return };/*line input.go:19:30*/ return len(any) }

//line autotel_generated.go:1
var __autotel_escape_0 struct { on bool; sink interface{} }
//go:noescape
//go:linkname __autotel_enter_0 example.com/golden/hooks.addEnter
func __autotel_enter_0(*int, *int) (__autotel_unsafe.Pointer, bool)
var __autotel_escape_1 struct { on bool; sink interface{} }
//go:noescape
//go:linkname __autotel_enter_1 example.com/golden/hooks.queryEnter
func __autotel_enter_1(**Conn, *string, *[]any) (__autotel_unsafe.Pointer, bool)
//go:noescape
//go:linkname __autotel_exit_1 example.com/golden/hooks.queryExit
func __autotel_exit_1(__autotel_unsafe.Pointer, *int, *error)
var __autotel_escape_2 struct { on bool; sink interface{} }
//go:noescape
//go:linkname __autotel_enter_2 example.com/golden/hooks.keepEnter
func __autotel_enter_2(**Big) (__autotel_unsafe.Pointer, bool)
var __autotel_escape_3 struct { on bool; sink interface{} }
//go:noescape
//go:linkname __autotel_enter_3 example.com/golden/hooks.shadowEnter
func __autotel_enter_3(*string) (__autotel_unsafe.Pointer, bool)
