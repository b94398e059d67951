// Command attach-redis is the Redis test program for autotel attach mode: an HTTP server
// whose /redis handler sends commands with go-redis v9 to the Redis server named by -redis:
// PING with the request's ctx, SET and GET with context.Background() (no request ctx), INCR
// from a child goroutine, a GET of a missing key (redis.Nil), and an unknown command that
// fails. /redigo sends the same commands with redigo through a pool (Do, no ctx at all; INCR
// with DoContext, which runs the command in a goroutine of redigo's own).
// /redis-binary and /redigo-binary SET a key of invalid UTF-8 (a Go string of raw bytes) to a
// binary value and GET it back, with either client.
//
// Usage: attach-redis -addr 127.0.0.1:0 -addrfile PATH -redis 127.0.0.1:6379
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
	"sync"
	"syscall"

	redigo "github.com/gomodule/redigo/redis"
	"github.com/redis/go-redis/v9"
)

// The binary key and value of /redis-binary and /redigo-binary: not UTF-8.
const binaryKey = "bin\xff\xfekey"

var binaryValue = []byte{0, 0xff, 0xc3}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	addrFile := flag.String("addrfile", "", "file to write the bound address to")
	redisAddr := flag.String("redis", "127.0.0.1:6379", "Redis server address")
	flag.Parse()

	rdb := redis.NewClient(&redis.Options{Addr: *redisAddr, Protocol: 2})

	mux := http.NewServeMux()
	mux.HandleFunc("GET /redis", func(w http.ResponseWriter, r *http.Request) {
		if err := rdb.Ping(r.Context()).Err(); err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		bg := context.Background()
		if err := rdb.Set(bg, "greeting", "hello", 0).Err(); err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		val, err := rdb.Get(bg, "greeting").Result()
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			rdb.Incr(bg, "visits")
		}()
		wg.Wait()
		_, missErr := rdb.Get(bg, "missing").Result()
		failErr := rdb.Do(bg, "nosuchcommand", "x").Err()
		fmt.Fprintf(w, "greeting=%s missing=%v failed=%v\n", val, missErr == redis.Nil, failErr != nil)
	})

	pool := &redigo.Pool{
		MaxIdle: 2,
		Dial:    func() (redigo.Conn, error) { return redigo.Dial("tcp", *redisAddr) },
	}
	mux.HandleFunc("GET /redigo", func(w http.ResponseWriter, r *http.Request) {
		conn := pool.Get()
		defer conn.Close()
		if _, err := conn.Do("PING"); err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		if _, err := conn.Do("SET", "greeting", "hello"); err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		val, err := redigo.String(conn.Do("GET", "greeting"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		if _, err := redigo.DoContext(conn, context.Background(), "INCR", "visits"); err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		_, missErr := redigo.String(conn.Do("GET", "missing"))
		_, failErr := conn.Do("nosuchcommand", "x")
		fmt.Fprintf(w, "greeting=%s missing=%v failed=%v\n", val, missErr == redigo.ErrNil, failErr != nil)
	})

	mux.HandleFunc("GET /redis-binary", func(w http.ResponseWriter, r *http.Request) {
		bg := context.Background()
		if err := rdb.Set(bg, binaryKey, binaryValue, 0).Err(); err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		val, err := rdb.Get(bg, binaryKey).Bytes()
		fmt.Fprintf(w, "same=%v err=%v\n", string(val) == string(binaryValue), err)
	})
	mux.HandleFunc("GET /redigo-binary", func(w http.ResponseWriter, r *http.Request) {
		conn := pool.Get()
		defer conn.Close()
		if _, err := conn.Do("SET", binaryKey, binaryValue); err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		val, err := redigo.Bytes(conn.Do("GET", binaryKey))
		fmt.Fprintf(w, "same=%v err=%v\n", string(val) == string(binaryValue), err)
	})

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
	rdb.Close()
	fmt.Println("bye")
}
