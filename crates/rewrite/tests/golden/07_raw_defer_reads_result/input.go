package target

type T struct{ name string }

// newT has an unnamed result; the raw code reads it in a deferred function, as the goroutine-local
// context does in runtime.newproc1.
func newT(parent *T, name string) *T {
	return &T{name: name}
}

// Chain makes a child of a child and reports how many ancestors the last one counted.
func Chain() (string, int) {
	root := &T{name: "root"}
	child := newT(newT(root, "a"), "b")
	return child.name, child.inherited
}
