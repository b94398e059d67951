// Command b is service B of the sample (see internal/serviceb): it listens on
// LISTEN (default 127.0.0.1:8081).
package main

import (
	"log"
	"net/http"
	"os"

	"example.com/sample/internal/backend"
	"example.com/sample/internal/serviceb"
	"github.com/redis/go-redis/v9"
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
	s := &serviceb.Service{DB: db, Redis: redis.NewClient(&redis.Options{Addr: addr}), Logs: backend.NewLogs("b")}
	listen := os.Getenv("LISTEN")
	if listen == "" {
		listen = "127.0.0.1:8081"
	}
	log.Fatal(http.ListenAndServe(listen, s.Handler(backend.Framework())))
}
