//line input.go:1:1
package target; import __autotel_unsafe "unsafe"

import "fmt"

type Conn struct {
	Addr string ; traced __autotel_unsafe.Pointer; count int; /*line input.go:6:14*/}

// Open increments a field the rewrite added.
func (c *Conn) Open() { c.count++; c.traced = __autotel_unsafe.Pointer(&c.count);
	fmt.Println("open", c.Addr)
}

// Describe reads the added fields through reflection-free code in the same package.
func Describe(c *Conn) string { return fmt.Sprint(c.Addr, " opened ", c.count, " times, traced=", c.traced != nil) }
