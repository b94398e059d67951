package main

import (
	"fmt"

	_ "example.com/golden/hooks"
	"example.com/golden/target"
)

func main() {
	c := &target.Conn{Addr: "db:3306"}
	c.Open()
	c.Open()
	fmt.Println(target.Describe(c))
}
