// Command attach-cgo is a cgo program for attach's binary-analysis tests: with C code linked
// in by the external linker, .text starts with C functions and the Go function table's own
// text start differs from the section's address.
package main

/*
static int twice(int x) { return 2 * x; }
*/
import "C"

import (
	"fmt"
	"net/http"
	"os"
)

func main() {
	fmt.Println(int(C.twice(21)))
	if len(os.Args) > 1 {
		resp, err := http.Get(os.Args[1])
		if err == nil {
			resp.Body.Close()
		}
	}
}
