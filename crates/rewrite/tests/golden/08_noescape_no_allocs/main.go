package main

import (
	"fmt"
	"testing"

	"example.com/golden/hooks"
	"example.com/golden/target"
)

var sink int

func main() {
	fmt.Println(target.Add(1, 2), hooks.Calls)
	c := &target.Conn{Base: 1}
	fmt.Println(c.Query("q", 1))
	fmt.Println(c.Query("xy"))
	fmt.Println(target.Shadow("ab"))
	// With noescape trampolines a hooked call allocates nothing of its own.
	fmt.Println("Add allocs:", testing.AllocsPerRun(100, func() { sink += target.Add(sink, 1) }))
	fmt.Println("Query without exit allocs:", testing.AllocsPerRun(100, func() { n, _ := c.Query("q"); sink += n }))
	fmt.Println("Query with exit allocs:", testing.AllocsPerRun(100, func() { n, _ := c.Query("xy"); sink += n }))
	// What a parameter points to still escapes: the hook keeps it, so the Big is on the heap.
	fmt.Println("Keep allocs:", testing.AllocsPerRun(100, func() { sink += target.Keep(&target.Big{N: [4]int{sink}}) }))
}
