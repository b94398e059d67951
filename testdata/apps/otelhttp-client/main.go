// A service that traces some of its calls itself. GET /call calls GET /downstream on the same
// server through otelhttp's Transport, with the request's context: built with autotel, the
// call must have one CLIENT span, otelhttp's, whose traceparent the downstream server span
// continues (autotel's net/http client hook steps aside). GET /handled is served through
// otelhttp's handler and calls /downstream with http.Get (no context): one SERVER span,
// otelhttp's, parent of autotel's CLIENT span. GET /filtered goes through an otelhttp handler
// whose filter passes every request through untraced: autotel's SERVER span stays.
package main

import (
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
)

func main() {
	listener, err := net.Listen("tcp", os.Getenv("LISTEN"))
	if err != nil {
		log.Fatal(err)
	}
	downstream := "http://" + listener.Addr().String() + "/downstream"
	client := &http.Client{Transport: otelhttp.NewTransport(http.DefaultTransport)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /downstream", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "down")
	})
	mux.HandleFunc("GET /call", func(w http.ResponseWriter, r *http.Request) {
		req, err := http.NewRequestWithContext(r.Context(), "GET", downstream, nil)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		resp, err := client.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		fmt.Fprintf(w, "called: %s", body)
	})
	getDownstream := func(w http.ResponseWriter, r *http.Request) {
		resp, err := http.Get(downstream)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		fmt.Fprintf(w, "got: %s", body)
	}
	mux.Handle("GET /handled", otelhttp.NewHandler(http.HandlerFunc(getDownstream), "handled"))
	untraced := otelhttp.WithFilter(func(*http.Request) bool { return false })
	mux.Handle("GET /filtered", otelhttp.NewHandler(http.HandlerFunc(getDownstream), "filtered", untraced))
	log.Fatal(http.Serve(listener, mux))
}
