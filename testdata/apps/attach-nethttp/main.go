// Command attach-nethttp is the net/http test program for autotel attach mode: a server with
// a few routes (some on a second mux mounted behind a middleware), one of which calls a downstream route of the same server through an
// http.Client, from the handler's goroutine and from a child goroutine without ctx.
//
// Usage: attach-nethttp -addr 127.0.0.1:0 -addrfile PATH [-h2c]
// It writes the bound address to PATH, serves until SIGTERM/SIGINT, and exits 0. With -h2c the
// server also speaks HTTP/2 without TLS, and /chain's client calls use it (Go 1.24 and later:
// net/http's own unencrypted HTTP/2; built with Go 1.23, -h2c exits with an error).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	addrFile := flag.String("addrfile", "", "file to write the bound address to")
	h2c := flag.Bool("h2c", false, "serve and call HTTP/2 without TLS too")
	flag.Parse()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "listen:", err)
		os.Exit(1)
	}
	base := "http://" + ln.Addr().String()

	mux := http.NewServeMux()
	mux.HandleFunc("GET /hello/{name}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello %s\n", r.PathValue("name"))
	})
	mux.HandleFunc("GET /teapot", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
	})
	// /chain calls /hello/downstream through the client, once directly and once from a child
	// goroutine; neither call passes the request's ctx.
	mux.HandleFunc("GET /chain", func(w http.ResponseWriter, r *http.Request) {
		if err := get(base + "/hello/direct"); err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		var wg sync.WaitGroup
		var childErr error
		wg.Add(1)
		go func() {
			defer wg.Done()
			childErr = get(base + "/hello/child")
		}()
		wg.Wait()
		if childErr != nil {
			http.Error(w, childErr.Error(), http.StatusBadGateway)
			return
		}
		fmt.Fprintln(w, "chained")
	})

	// /api/ is a mux of its own behind a middleware that gives the request a new context, as
	// real programs mount sub-routers: the inner mux records its pattern in the copy the
	// middleware made, not in the request the server holds, and that pattern names the span.
	api := http.NewServeMux()
	api.HandleFunc("GET /api/items/{id}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "item %s\n", r.PathValue("id"))
	})
	mux.Handle("/api/", withRequestContext(api))

	srv := &http.Server{Handler: mux}
	if *h2c {
		speakH2C(srv, client.Transport.(*http.Transport))
	}
	if *addrFile != "" {
		if err := os.WriteFile(*addrFile, []byte(ln.Addr().String()), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "addrfile:", err)
			os.Exit(1)
		}
	}
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

type contextKey struct{}

// withRequestContext serves next with a copy of the request carrying a context value.
func withRequestContext(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), contextKey{}, "mounted")))
	})
}

var client = &http.Client{Transport: &http.Transport{DisableKeepAlives: false}}

func get(url string) error {
	resp, err := client.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}
