// Package glsrace hammers the recycling of goroutines under the race detector:
// built with `autotel go test -race -count=N` (crates/autotel/tests/gls), every
// request below is served on a new connection's goroutine and spawns another,
// and both exit, so the runtime reuses their g structures (and the
// goroutine-local slot autotel adds to them) for later, unrelated goroutines.
// A slot access the race detector cannot order fails the run with "DATA RACE".
package glsrace

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
)

const (
	waves   = 20
	perWave = 8
)

func TestRecycledGoroutines(t *testing.T) {
	var propagated atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("/leaf", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Traceparent") != "" {
			propagated.Add(1)
		}
	})
	var srv *httptest.Server
	mux.HandleFunc("/work", func(w http.ResponseWriter, r *http.Request) {
		// No ctx: the client span finds its parent in the goroutine-local
		// slot this goroutine inherited from the handler's.
		done := make(chan error, 1)
		go func() {
			resp, err := noKeepAlive.Get(srv.URL + "/leaf")
			if err == nil {
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			done <- err
		}()
		if err := <-done; err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
		}
	})
	srv = httptest.NewServer(mux)
	defer srv.Close()

	for range waves {
		var wg sync.WaitGroup
		for range perWave {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp, err := noKeepAlive.Get(srv.URL + "/work")
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Errorf("GET /work: %s", resp.Status)
				}
			}()
		}
		wg.Wait()
	}
	// What the end-to-end test checks to know that the runtime was
	// instrumented (a plain go test propagates nothing).
	fmt.Printf("leaf requests with a traceparent: %d of %d\n", propagated.Load(), waves*perWave)
}

// noKeepAlive opens a connection per request, so every request is served by
// a new goroutine.
var noKeepAlive = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
