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

// Call is Work hooked by hooks written as autotel's own are (autotel.dev/go/api): a span when
// sampled, nothing built when the call would record nothing.
//
//go:noinline
func Call(a, b int) int {
	s := 0
	for i := a; i < b; i++ {
		s += i
	}
	return s
}

// Nest calls Call n times inside one span of its own: each Call's parent is that span (current
// on the goroutine), which is not sampled when the root was not (OTEL_TRACES_SAMPLER=always_off
// or a parentbased_* sampler that dropped the root).
//
//go:noinline
func Nest(n int) int {
	s := 0
	for i := range n {
		s += Call(i&7, 8)
	}
	return s
}
