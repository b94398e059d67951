//line input.go:1:1
package target

type T struct{ name string ; inherited int; /*line input.go:3:28*/}

// newT has an unnamed result; the raw code reads it in a deferred function, as the goroutine-local
// context does in runtime.newproc1.
func newT(parent *T, name string) (__autotel_r0 *T)/*line input.go:7:37*/ { defer func() { if __autotel_r0 != nil { __autotel_r0.inherited = parent.inherited + 1 } }();
	return &T{name: name}
}

// Chain makes a child of a child and reports how many ancestors the last one counted.
func Chain() (string, int) {
	root := &T{name: "root"}
	child := newT(newT(root, "a"), "b")
	return child.name, child.inherited
}
