// A service that exports spans of its own, through its own TracerProvider and OTLP/HTTP exporter
// with a synchronous span processor: every span it ends is exported from inside the request
// handler, on the handler's goroutine. Built with `autotel go build` by
// crates/autotel/tests/build_mode/coexistence.rs, which checks that those exports are not traced.
package main

import (
	"context"
	"fmt"
	"net/http"
	"os"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

func main() {
	exporter, err := otlptracehttp.New(context.Background(), otlptracehttp.WithEndpointURL(os.Getenv("APP_OTLP_TRACES_URL")))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	own := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exporter))
	defer own.Shutdown(context.Background())

	http.HandleFunc("/work", func(w http.ResponseWriter, r *http.Request) {
		_, span := own.Tracer("own-exporter").Start(r.Context(), "own work")
		span.End() // exported here, by the handler's goroutine
		fmt.Fprintln(w, "done")
	})
	if err := http.ListenAndServe(os.Getenv("LISTEN"), nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
