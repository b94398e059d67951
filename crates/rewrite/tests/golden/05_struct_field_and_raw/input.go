package target

import "fmt"

type Conn struct {
	Addr string }

// Open increments a field the rewrite added.
func (c *Conn) Open() {
	fmt.Println("open", c.Addr)
}

// Describe reads the added fields through reflection-free code in the same package.
func Describe(c *Conn) string { return fmt.Sprint(c.Addr, " opened ", c.count, " times, traced=", c.traced != nil) }
