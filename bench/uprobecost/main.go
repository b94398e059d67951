// uprobecost: the target of the benchmark's uprobe-hit measurement. It waits for a line on
// stdin (so that the benchmark can attach uprobes to this process first), then calls Work -n
// times and prints the nanoseconds per call. Work is a small non-leaf function with Go's usual
// stack-check prologue and one RET, like the functions attach probes; the benchmark compares
// the time per call with no probe, with a probe at Work's entry and with probes at its entry
// and RET, each running an empty BPF program.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"time"
)

func main() {
	n := flag.Int("n", 1_000_000, "calls of Work")
	flag.Parse()
	if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
		fmt.Fprintln(os.Stderr, "uprobecost: waiting for the start line:", err)
		os.Exit(1)
	}
	sum := 0
	t0 := time.Now()
	for i := 0; i < *n; i++ {
		sum += Work(i)
	}
	elapsed := time.Since(t0)
	fmt.Printf("{\"ns_per_call\": %.3f, \"sum\": %d}\n", float64(elapsed.Nanoseconds())/float64(*n), sum)
}

// Work is what the probes are attached to.
//
//go:noinline
func Work(x int) int {
	return leaf(x) + 1
}

//go:noinline
func leaf(x int) int {
	return x*7 ^ x>>3
}
