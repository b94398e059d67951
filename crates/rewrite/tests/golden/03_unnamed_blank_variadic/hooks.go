package hooks

import (
	"errors"
	"fmt"
)

func unnamedEnter(n *int, s *string) (*int, bool) {
	fmt.Printf("Unnamed(%d, %q)\n", *n, *s)
	return n, false
}

func unnamedExit(n *int, err *error) {
	*err = errors.New(fmt.Sprint("exit saw ", *n))
}

func blankEnter(n *int, s *string) (*int, bool) {
	fmt.Printf("Blank(%d, %q): skipping\n", *n, *s)
	return nil, true
}

type sumState struct{ prefix string }

func sumEnter(prefix *string, xs *[]int) (*sumState, bool) {
	*xs = append(*xs, 100)
	return &sumState{prefix: *prefix}, false
}

func sumExit(st *sumState, total *int) {
	fmt.Printf("%s total %d\n", st.prefix, *total)
}
