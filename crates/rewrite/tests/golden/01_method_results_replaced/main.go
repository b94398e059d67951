package main

import (
	"fmt"

	_ "example.com/golden/hooks"
	"example.com/golden/target"
)

func main() {
	resp, err := (&target.Client{Name: "c"}).Do("req")
	fmt.Printf("caller got %q, %v\n", resp, err)
}
