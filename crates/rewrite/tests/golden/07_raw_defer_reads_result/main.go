package main

import (
	"fmt"

	_ "example.com/golden/hooks"
	"example.com/golden/target"
)

func main() { fmt.Println(target.Chain()) }
