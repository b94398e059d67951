package main

import (
	"fmt"

	_ "example.com/golden/hooks"
	"example.com/golden/target"
)

func main() {
	fmt.Println(target.Unnamed(7, "x"))
	target.Blank(1, "never printed")
	fmt.Println(target.Sum("sum", 1, 2, 3))
}
