package target

type Conn struct{ Base int }

// Add is a leaf function; with //go:noescape trampolines a and b stay on its stack.
func Add(a, b int) int { return a + b }

// Query has a receiver, a variadic parameter and named results that its exit hook changes.
func (c *Conn) Query(q string, args ...any) (rows int, err error) {
	return c.Base + len(q) + len(args), nil
}

type Big struct{ N [4]int }

// Keep does not keep p, but its hook keeps *p: the caller's Big must still move to the heap.
func Keep(p *Big) int { return p.N[0] }

// Shadow names its parameter `any`: the generated code must not need the predeclared `any`.
func Shadow(any string) int { return len(any) }
