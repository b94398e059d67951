// Command kvtool has no tests: `go test ./...` must still say "no test files" for it.
package main

import (
	"fmt"

	"example.com/kvlib/kv"
	"example.com/kvlib/report"
)

func main() {
	s := kv.New()
	s.Put("tool", "kvtool")
	fmt.Println(report.Describe(s, "tool"))
}
