// Command app is the program of the sdk package's end-to-end tests. It is
// what `autotel go build` makes of a small program: it imports the bootstrap
// blank, and its main and its calls to os.Exit and os/signal.Notify go
// through the sdk hooks exactly as the rewritten code does, through
// body-less declarations pulled with //go:linkname.
//
// Usage: app MODE, where MODE is
//
//	return    record a span and a metric, return from main
//	exit      record, then os.Exit(3)
//	sigterm   record, print "ready", wait to be killed by SIGTERM (or SIGINT)
//	handled   listen for SIGTERM itself, record, print "ready"; on SIGTERM
//	          record a "shutdown" span and os.Exit(7)
//	panic     record, then panic in main
//	counter   only metrics: add to the counter app.counter, run 1 s, return
//	observed  only metrics: observe the gauge app.observed, run 1 s, return
//	early     with APP_EARLY_PROVIDERS=1: record, then print what the
//	          providers the program installed before the bootstrap got
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
	"unsafe"

	_ "autotel.dev/go/sdk"
	"autotel.dev/go/sdk/testdata/app/early"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
)

//go:linkname __autotel_enter_main autotel.dev/go/sdk.mainEnter
func __autotel_enter_main() (unsafe.Pointer, bool)

//go:linkname __autotel_exit_main autotel.dev/go/sdk.mainExit
func __autotel_exit_main(unsafe.Pointer)

//go:linkname __autotel_enter_exit autotel.dev/go/sdk.osExitEnter
func __autotel_enter_exit(*int) (unsafe.Pointer, bool)

//go:linkname __autotel_enter_notify autotel.dev/go/sdk.signalNotifyEnter
func __autotel_enter_notify(*chan<- os.Signal, *[]os.Signal) (unsafe.Pointer, bool)

// exit is os.Exit as the rewritten os package runs it.
func exit(code int) {
	if st, skip := __autotel_enter_exit(&code); st != nil || skip {
		panic("osExitEnter must return (nil, false)")
	}
	os.Exit(code)
}

// notify is signal.Notify as the rewritten os/signal package runs it.
func notify(c chan<- os.Signal, sig ...os.Signal) {
	if st, skip := __autotel_enter_notify(&c, &sig); st != nil || skip {
		panic("signalNotifyEnter must return (nil, false)")
	}
	signal.Notify(c, sig...)
}

func main() {
	if __autotel_st, __autotel_skip := __autotel_enter_main(); __autotel_st != nil {
		defer __autotel_exit_main(__autotel_st)
		if __autotel_skip {
			return
		}
	} else if __autotel_skip {
		return
	}

	mode := os.Args[1]
	var term chan os.Signal
	if mode == "handled" {
		term = make(chan os.Signal, 1)
		notify(term, syscall.SIGTERM)
	}

	switch mode {
	case "counter", "observed":
		measure(mode)
		time.Sleep(time.Second)
		return
	}

	record(mode)

	switch mode {
	case "early":
		early.PrintMetrics()
	case "return":
	case "exit":
		exit(3)
	case "panic":
		panic("app panics")
	case "sigterm":
		fmt.Println("ready")
		time.Sleep(time.Minute)
		fmt.Println("SIGTERM did not end the program")
		exit(1)
	case "handled":
		fmt.Println("ready")
		select {
		case <-term:
		case <-time.After(time.Minute):
			fmt.Println("no SIGTERM")
		}
		_, span := otel.Tracer("app").Start(context.Background(), "shutdown")
		span.End()
		exit(7)
	default:
		fmt.Println("unknown mode", mode)
		exit(2)
	}
}

// record makes one span, named after the mode, and one counter point.
func record(mode string) {
	_, span := otel.Tracer("app").Start(context.Background(), mode)
	span.End()
	c, err := otel.Meter("app").Int64Counter("app.runs")
	if err != nil {
		panic(err)
	}
	c.Add(context.Background(), 1)
}

// measure records no span, only a metric: a counter point, or a gauge
// observed at each collection.
func measure(mode string) {
	m := otel.Meter("app")
	var err error
	if mode == "counter" {
		var c metric.Int64Counter
		if c, err = m.Int64Counter("app.counter"); err == nil {
			c.Add(context.Background(), 1)
		}
	} else {
		_, err = m.Int64ObservableGauge("app.observed", metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
			o.Observe(1)
			return nil
		}))
	}
	if err != nil {
		panic(err)
	}
}
