// Command attach-offsets-probe-gin is never run: crates/attach/examples/gen_offsets.rs builds
// it against each listed gin release and reads the struct layouts attach needs from its
// DWARF. It only has to link in the types involved.
package main

import (
	"os"

	"github.com/gin-gonic/gin"
)

func main() {
	if len(os.Args) > 1 {
		r := gin.New()
		r.GET("/users/:id", func(c *gin.Context) { c.String(200, c.FullPath()) })
		r.Run(os.Args[1])
	}
}
