// Command attach-unchanged is the test program of "attach leaves the target's own behaviour
// alone": it serves HTTP on loopback, calls itself through net/http (a handler calling back
// from its own goroutine and from a child goroutine, a request with an incoming traceparent,
// error statuses), prints on stdout a transcript of everything it saw, writes one line on
// stderr and exits with status 3. The transcript holds no address, port, time or id, so two
// runs print the same bytes.
//
// Usage: attach-unchanged [-warmup]
// With -warmup it makes one request to itself (GET /warmup) and exits 0 without output: the
// test runs it until attach reports that request's span, so the probes are in place before
// the run that counts.
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
)

// The traceparents the program sets on its own requests.
const (
	chainTraceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
	carolTraceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
)

var client = &http.Client{Timeout: 10 * time.Second}

func main() {
	warmup := flag.Bool("warmup", false, "make one request to itself and exit 0 without output")
	flag.Parse()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "listen:", err)
		os.Exit(1)
	}
	base := "http://" + ln.Addr().String()
	go http.Serve(ln, routes(base))

	if *warmup {
		if _, _, err := call("GET", base+"/warmup", "", ""); err != nil {
			fmt.Fprintln(os.Stderr, "warmup:", err)
			os.Exit(1)
		}
		return
	}
	for _, r := range []struct{ method, path, body, traceparent string }{
		{"GET", "/hello/alice", "", ""},
		{"GET", "/chain", "", chainTraceparent},
		{"GET", "/hello/carol", "", carolTraceparent},
		{"POST", "/echo", "ping", ""},
		{"GET", "/teapot", "", ""},
		{"GET", "/fail", "", ""},
	} {
		resp, body, err := call(r.method, base+r.path, r.body, r.traceparent)
		if err != nil {
			fmt.Fprintln(os.Stderr, "request:", err)
			os.Exit(1)
		}
		fmt.Printf("client %s %s -> %s content-type=%q x-echo-length=%q traceparent=%q body=%q\n",
			r.method, r.path, resp.Status, resp.Header.Get("Content-Type"),
			resp.Header.Get("X-Echo-Length"), resp.Header.Values("traceparent"), body)
	}
	fmt.Fprintln(os.Stderr, "attach-unchanged: 6 requests done, exiting with status 3")
	os.Exit(3)
}

// routes are the server's handlers; each prints what it received before it answers, so the
// transcript's order follows the requests.
func routes(base string) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /warmup", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("GET /hello/{name}", func(w http.ResponseWriter, r *http.Request) {
		seen(r)
		fmt.Fprintf(w, "hello %s\n", r.PathValue("name"))
	})
	mux.HandleFunc("POST /echo", func(w http.ResponseWriter, r *http.Request) {
		seen(r)
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Echo-Length", fmt.Sprint(len(body)))
		fmt.Fprintf(w, "echo: %s\n", body)
	})
	mux.HandleFunc("GET /teapot", func(w http.ResponseWriter, r *http.Request) {
		seen(r)
		w.WriteHeader(http.StatusTeapot)
		fmt.Fprintln(w, "short and stout")
	})
	mux.HandleFunc("GET /fail", func(w http.ResponseWriter, r *http.Request) {
		seen(r)
		http.Error(w, "boom", http.StatusInternalServerError)
	})
	// /chain calls /hello/direct from the handler's goroutine, then /hello/child from a
	// goroutine it creates; neither call passes the request's ctx or sets a traceparent.
	mux.HandleFunc("GET /chain", func(w http.ResponseWriter, r *http.Request) {
		seen(r)
		direct := get(base + "/hello/direct")
		var child string
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			child = get(base + "/hello/child")
		}()
		wg.Wait()
		fmt.Fprintf(w, "direct: %s; child: %s\n", direct, child)
	})
	return mux
}

// seen prints what a request brought to the server: its method, path, traceparent headers
// (all of them: none unless the client set one) and its other identifying headers.
func seen(r *http.Request) {
	fmt.Printf("server %s %s traceparent=%q user-agent=%q content-length=%d\n",
		r.Method, r.URL.Path, r.Header.Values("traceparent"), r.UserAgent(), r.ContentLength)
}

// call makes one request with the shared client and reads the whole response.
func call(method, url, body, traceparent string) (*http.Response, []byte, error) {
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	if traceparent != "" {
		req.Header.Set("traceparent", traceparent)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

// get is a handler's call without ctx or traceparent, summed up as status and body.
func get(url string) string {
	resp, body, err := call("GET", url, "", "")
	if err != nil {
		return "error: " + err.Error()
	}
	return fmt.Sprintf("%s %q", resp.Status, body)
}
