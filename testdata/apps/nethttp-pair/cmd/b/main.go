// Service B: GET /items/{id} answers with the item as JSON. It knows nothing of tracing.
package main

import (
	"encoding/json"
	"log"
	"net/http"
	"os"
)

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") == "404" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"id": r.PathValue("id"), "traceparent_seen": r.Header.Get("traceparent")})
	})
	addr := os.Getenv("LISTEN")
	if addr == "" {
		addr = "127.0.0.1:8081"
	}
	log.Printf("b listening on %s", addr)
	log.Fatal(http.ListenAndServe(addr, mux))
}
