package target

// Work panics on a negative input; the stack trace must still name this file and line.
func Work(n int) int {
	if n < 0 {
		panic("negative")
	}
	return n + 1
}
