package main

import (
	"fmt"

	_ "example.com/golden/hooks"
	"example.com/golden/target"
)

func main() {
	s := &target.Server{Handler: func(n int) { fmt.Println("handler", n) }}
	s.Serve()
}
