// Command changed-gin serves GET /users/:id with gin on LISTEN. The drift test builds it against
// a modified copy of gin v1.7.0 whose hooked Engine.handleHTTPRequest changed its signature
// (crates/autotel/tests/build_mode/drift.rs), the way a future gin release might.
package main

import (
	"log"
	"os"

	"github.com/gin-gonic/gin"
)

func main() {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.GET("/users/:id", func(c *gin.Context) { c.String(200, "user "+c.Param("id")) })
	log.Fatal(r.Run(os.Getenv("LISTEN")))
}
