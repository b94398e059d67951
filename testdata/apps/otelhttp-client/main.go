// A service that traces its outgoing calls itself: GET /call calls GET /downstream on the same
// server through otelhttp's Transport, with the request's context. Built with autotel, the
// call must have one CLIENT span, otelhttp's, whose traceparent the downstream server span
// continues: autotel's net/http client hook steps aside.
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
	log.Fatal(http.Serve(listener, mux))
}
