// Command attach-offsets-probe-echo is never run: crates/attach/examples/gen_offsets.rs builds
// it against each listed echo v4 release and reads the struct layouts attach needs from its
// DWARF. It only has to link in the types involved.
package main

import (
	"os"

	"github.com/labstack/echo/v4"
)

func main() {
	if len(os.Args) > 1 {
		e := echo.New()
		e.GET("/users/:id", func(c echo.Context) error { return c.String(200, c.Path()) })
		e.Start(os.Args[1])
	}
}
