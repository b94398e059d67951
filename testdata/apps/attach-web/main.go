// Command attach-web is the test program for attach mode's web-framework routes: one net/http
// server whose ServeMux hands /gin/ to a gin engine and /echo/ to an echo v4 instance, each with
// a route that has a path parameter. Attached, the server span of GET /gin/users/7 must be named
// by gin's route template (`GET /gin/users/:id`, http.route `/gin/users/:id`), and that of
// GET /echo/users/7 by echo's, as build mode names them.
//
// Usage: attach-web -addr 127.0.0.1:0 -addrfile PATH
// It writes the bound address to PATH, serves until SIGTERM/SIGINT, and exits 0.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/gin-gonic/gin"
	"github.com/labstack/echo/v4"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	addrFile := flag.String("addrfile", "", "file to write the bound address to")
	flag.Parse()

	gin.SetMode(gin.ReleaseMode)
	g := gin.New()
	g.GET("/gin/users/:id", func(c *gin.Context) { c.String(http.StatusOK, "gin user %s\n", c.Param("id")) })
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.GET("/echo/users/:id", func(c echo.Context) error { return c.String(http.StatusOK, "echo user "+c.Param("id")+"\n") })

	mux := http.NewServeMux()
	mux.Handle("/gin/", g)
	mux.Handle("/echo/", e)

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "listen:", err)
		os.Exit(1)
	}
	if *addrFile != "" {
		if err := os.WriteFile(*addrFile, []byte(ln.Addr().String()), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "addrfile:", err)
			os.Exit(1)
		}
	}
	srv := &http.Server{Handler: mux}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-stop
		srv.Shutdown(context.Background())
	}()
	if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
		fmt.Fprintln(os.Stderr, "serve:", err)
		os.Exit(1)
	}
	fmt.Println("bye")
}
