// Service A: GET /call/{id} asks service B for the item, passing the request's context along.
// It knows nothing of tracing.
package main

import (
	"log"
	"net/http"
	"os"
)

func main() {
	addr := os.Getenv("LISTEN")
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	bURL := os.Getenv("B_URL")
	if bURL == "" {
		bURL = "http://127.0.0.1:8081"
	}
	log.Printf("a listening on %s, calling %s", addr, bURL)
	log.Fatal(http.ListenAndServe(addr, newMux(bURL)))
}
