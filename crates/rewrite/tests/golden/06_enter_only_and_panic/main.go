package main

import (
	"fmt"
	"runtime/debug"
	"strings"

	_ "example.com/golden/hooks"
	"example.com/golden/target"
)

func main() {
	fmt.Println(target.Work(1), target.Work(13))
	defer func() {
		recover()
		for _, line := range strings.Split(string(debug.Stack()), "\n") {
			if strings.Contains(line, "target/") {
				fmt.Println(strings.TrimSpace(line[strings.LastIndex(line, "/")+1:]))
			}
		}
	}()
	target.Work(-1)
}
