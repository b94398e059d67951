// gls-context is the test application of autotel's goroutine-local context
// (crates/autotel/tests/gls). None of its outgoing calls passes a
// context.Context: built with `autotel go build`, they must still join the
// trace of the request being served.
//
//	GET /direct      http.Get from the handler's goroutine
//	GET /spawn       http.Get from a goroutine the handler starts, and from a
//	                 goroutine that goroutine starts; many short goroutines too
//	GET /log         log and log/slog lines written inside the handler
//	GET /background  the main goroutine (outside any request) starts goroutines
//	                 that each call http.Get; they must carry no context, even
//	                 on recycled g structures
//	GET /leaf        answers "leaf"
//
// It listens on $LISTEN and calls itself.
package main

import (
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"sync"
)

var self string // http://$LISTEN

func get(from string) {
	resp, err := http.Get(self + "/leaf?from=" + from)
	if err != nil {
		log.Printf("get %s: %v", from, err)
		return
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

// background receives work from handlers; it runs on the main goroutine,
// which never has a span.
var background = make(chan int)
var backgroundDone = make(chan struct{})

func main() {
	addr := os.Getenv("LISTEN")
	self = "http://" + addr
	mux := http.NewServeMux()
	mux.HandleFunc("GET /leaf", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "leaf") })
	mux.HandleFunc("GET /direct", func(w http.ResponseWriter, r *http.Request) {
		get("direct")
		io.WriteString(w, "ok")
	})
	mux.HandleFunc("GET /spawn", func(w http.ResponseWriter, r *http.Request) {
		var wg sync.WaitGroup
		wg.Add(2)
		go func() {
			defer wg.Done()
			get("child")
			go func() {
				defer wg.Done()
				get("grandchild")
			}()
		}()
		wg.Wait()
		// Many goroutines that end at once: their g structures are
		// recycled by the goroutines /background starts later.
		var short sync.WaitGroup
		for range 200 {
			short.Add(1)
			go func() { short.Done() }()
		}
		short.Wait()
		io.WriteString(w, "ok")
	})
	mux.HandleFunc("GET /log", func(w http.ResponseWriter, r *http.Request) {
		log.Printf("std logger inside the handler")
		log.Default().Println("default logger inside the handler")
		slog.Info("slog inside the handler", "path", r.URL.Path)
		text := slog.New(slog.NewTextHandler(os.Stderr, nil))
		text.Info("text handler inside the handler")
		jsonLog := slog.New(slog.NewJSONHandler(os.Stderr, nil))
		jsonLog.InfoContext(r.Context(), "json handler inside the handler")
		io.WriteString(w, "ok")
	})
	mux.HandleFunc("GET /background", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		background <- n
		<-backgroundDone
		io.WriteString(w, "ok")
	})
	go func() {
		if err := http.ListenAndServe(addr, mux); err != nil {
			log.Fatal(err)
		}
	}()
	log.Printf("outside any request")
	for n := range background {
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				get(fmt.Sprint("background-", i))
			}()
		}
		wg.Wait()
		backgroundDone <- struct{}{}
	}
}
