// A module whose go line predates Go 1.22's per-iteration loop variables: the closures below
// share one `i` under go 1.20 semantics (prints 333) and get one each from 1.22 on (prints 012).
// The hook runtime's go line is 1.23, so an instrumented build must not let it raise this
// module's language version (crates/autotel/tests/build_mode/language.rs).
package main

import (
	"fmt"
	"net/http"
)

func main() {
	var prints []func()
	for i := 0; i < 3; i++ {
		prints = append(prints, func() { fmt.Print(i) })
	}
	for _, p := range prints {
		p()
	}
	fmt.Println()
	_ = http.StatusOK // net/http is instrumented: the build really weaves hooks
}
