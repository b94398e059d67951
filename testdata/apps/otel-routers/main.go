// A service whose routers trace their requests themselves: /gin/ is a gin engine with otelgin's
// middleware, /echo/ an echo server with otelecho's, /mux/ a gorilla/mux router with otelmux's,
// all behind one net/http server. Each handler starts a manual span with context.Background().
// Built with autotel, every request must have one SERVER span, the router's (autotel's net/http
// span steps aside: rules/otelsdk.yaml), whose parent is the caller's traceparent (or none), and
// the manual span must be its child (goroutine-local context follows the router's span).
package main

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"os"

	"github.com/gin-gonic/gin"
	"github.com/gorilla/mux"
	"github.com/labstack/echo/v4"
	"go.opentelemetry.io/contrib/instrumentation/github.com/gin-gonic/gin/otelgin"
	"go.opentelemetry.io/contrib/instrumentation/github.com/gorilla/mux/otelmux"
	"go.opentelemetry.io/contrib/instrumentation/github.com/labstack/echo/otelecho"
	"go.opentelemetry.io/otel"
)

// manual starts and ends a span without the request's context, as code that was never handed
// one does.
func manual(name string) {
	_, span := otel.Tracer("example.com/otel-routers").Start(context.Background(), name)
	span.End()
}

func main() {
	gin.SetMode(gin.ReleaseMode)
	g := gin.New()
	g.Use(otelgin.Middleware("routers"))
	g.GET("/gin/users/:id", func(c *gin.Context) {
		manual("manual gin")
		c.String(http.StatusOK, "gin %s", c.Param("id"))
	})

	e := echo.New()
	e.Use(otelecho.Middleware("routers"))
	e.GET("/echo/users/:id", func(c echo.Context) error {
		manual("manual echo")
		return c.String(http.StatusOK, "echo "+c.Param("id"))
	})

	m := mux.NewRouter()
	m.Use(otelmux.Middleware("routers"))
	m.HandleFunc("/mux/users/{id}", func(w http.ResponseWriter, r *http.Request) {
		manual("manual mux")
		fmt.Fprintf(w, "mux %s", mux.Vars(r)["id"])
	}).Methods("GET")

	root := http.NewServeMux()
	root.Handle("/gin/", g)
	root.Handle("/echo/", e)
	root.Handle("/mux/", m)
	log.Fatal(http.ListenAndServe(os.Getenv("LISTEN"), root))
}
