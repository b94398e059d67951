// Command a is service A of the sample (see internal/servicea): it listens on
// LISTEN (default 127.0.0.1:8080) and calls service B at B_URL.
package main

import (
	"log"
	"net/http"
	"os"

	"example.com/sample/internal/backend"
	"example.com/sample/internal/servicea"
)

func main() {
	db, err := backend.OpenDB()
	if err != nil {
		log.Fatal(err)
	}
	addr, stop, err := backend.RedisAddr()
	if err != nil {
		log.Fatal(err)
	}
	defer stop()
	s := &servicea.Service{DB: db, Redis: servicea.NewPool(addr), BURL: env("B_URL", "http://127.0.0.1:8081"), Logs: backend.NewLogs("a")}
	log.Fatal(http.ListenAndServe(env("LISTEN", "127.0.0.1:8080"), s.Handler(backend.Framework())))
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
