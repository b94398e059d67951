// loadgen: the load generator and the fake collectors of the runtime benchmarks.
//
//	loadgen run -url URL -n N -c C [-warmup W]   closed loop: C workers, each with its own
//	                                             keep-alive connection, send N requests in all
//	                                             (after W warm-up requests) and print one JSON
//	                                             object: requests, errors, seconds, rps, p50_us,
//	                                             p99_us, max_us
//	loadgen blackhole -listen ADDR              accept connections, read and never answer (a
//	                                             collector that hangs)
//
// Standard library only, so it builds in seconds and never depends on what it measures.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: loadgen run|blackhole [flags]")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "run":
		run(os.Args[2:])
	case "blackhole":
		blackhole(os.Args[2:])
	default:
		fmt.Fprintf(os.Stderr, "loadgen: unknown command %q\n", os.Args[1])
		os.Exit(2)
	}
}

type result struct {
	Requests int     `json:"requests"`
	Errors   int64   `json:"errors"`
	Seconds  float64 `json:"seconds"`
	RPS      float64 `json:"rps"`
	P50us    float64 `json:"p50_us"`
	P99us    float64 `json:"p99_us"`
	MaxUs    float64 `json:"max_us"`
}

func run(argv []string) {
	fs := flag.NewFlagSet("run", flag.ExitOnError)
	url := fs.String("url", "", "URL to GET")
	n := fs.Int("n", 10000, "requests to measure")
	c := fs.Int("c", 4, "concurrent workers (connections)")
	warmup := fs.Int("warmup", 500, "requests sent before measuring")
	fs.Parse(argv)
	client := &http.Client{
		Transport: &http.Transport{MaxIdleConnsPerHost: *c, MaxConnsPerHost: *c, DisableCompression: true},
		Timeout:   10 * time.Second,
	}
	var errors atomic.Int64
	get := func() {
		resp, err := client.Get(*url)
		if err != nil {
			errors.Add(1)
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			errors.Add(1)
		}
	}
	drive(*warmup, *c, func(int) { get() })
	errors.Store(0)
	latencies := make([]time.Duration, *n)
	start := time.Now()
	drive(*n, *c, func(i int) {
		t := time.Now()
		get()
		latencies[i] = time.Since(t)
	})
	elapsed := time.Since(start)
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	pct := func(p float64) float64 {
		return float64(latencies[int(p*float64(len(latencies)-1))].Nanoseconds()) / 1e3
	}
	json.NewEncoder(os.Stdout).Encode(result{
		Requests: *n, Errors: errors.Load(), Seconds: elapsed.Seconds(),
		RPS: float64(*n) / elapsed.Seconds(), P50us: pct(0.50), P99us: pct(0.99), MaxUs: pct(1),
	})
}

// drive calls do(i) for i in [0, n) from c goroutines; each takes the next index when done.
func drive(n, c int, do func(int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				do(i)
			}
		}()
	}
	wg.Wait()
}

func blackhole(argv []string) {
	fs := flag.NewFlagSet("blackhole", flag.ExitOnError)
	listen := fs.String("listen", "127.0.0.1:0", "address to listen on")
	fs.Parse(argv)
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(ln.Addr().String())
	for {
		conn, err := ln.Accept()
		if err != nil {
			continue
		}
		go io.Copy(io.Discard, conn) // never answers; the connection stays open
	}
}
