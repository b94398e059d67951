// Package target holds the functions whose call cost the benchmark measures, plain and
// instrumented through rules.yaml. It knows nothing of the hooks.
package target

// Add is a leaf function small enough to be inlined when it is not instrumented.
func Add(a, b int) int { return a + b }

// Work does a little more than Add and is never inlined, so plain and instrumented calls
// both pay for a call.
//
//go:noinline
func Work(a, b int) int {
	s := 0
	for i := a; i < b; i++ {
		s += i
	}
	return s
}
