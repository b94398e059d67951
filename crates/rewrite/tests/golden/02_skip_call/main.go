package main

import (
	"fmt"

	_ "example.com/golden/hooks"
	"example.com/golden/target"
)

func main() {
	fmt.Println(target.Divide(6, 3))
	fmt.Println(target.Divide(1, 0))
}
