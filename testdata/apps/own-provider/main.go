// A service that already uses OpenTelemetry: at the start of main it installs a TracerProvider
// and a MeterProvider of its own (resource service.name=own-provider-app, OTLP/HTTP exporters to
// APP_OTLP_ENDPOINT), and its handler starts manual spans: one with the request's context, under
// which it calls /downstream with that context, and one with context.Background(). Built with
// `autotel go build` by crates/autotel/tests/build_mode/coexistence.rs, which checks that
// autotel's spans and metrics go through these providers and that both manual spans join the
// request's trace.
package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

func main() {
	ctx := context.Background()
	endpoint := os.Getenv("APP_OTLP_ENDPOINT")
	res := resource.NewSchemaless(attribute.String("service.name", "own-provider-app"))
	spans, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(endpoint+"/v1/traces"))
	check(err)
	metrics, err := otlpmetrichttp.New(ctx, otlpmetrichttp.WithEndpointURL(endpoint+"/v1/metrics"))
	check(err)
	tp := sdktrace.NewTracerProvider(sdktrace.WithResource(res), sdktrace.WithBatcher(spans, sdktrace.WithBatchTimeout(100*time.Millisecond)))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithResource(res),
		sdkmetric.WithReader(sdkmetric.NewPeriodicReader(metrics, sdkmetric.WithInterval(200*time.Millisecond))))
	otel.SetTracerProvider(tp)
	otel.SetMeterProvider(mp)
	tracer := otel.Tracer("example.com/own-provider")

	http.HandleFunc("/work", func(w http.ResponseWriter, r *http.Request) {
		ctx, manual := tracer.Start(r.Context(), "with request context")
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+r.Host+"/downstream", nil)
		check(err)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			manual.End()
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		manual.End()

		_, background := tracer.Start(context.Background(), "with background context")
		background.End()
		fmt.Fprintf(w, "work: %s", body)
	})
	http.HandleFunc("/downstream", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "downstream")
	})

	server := &http.Server{Addr: os.Getenv("LISTEN")}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, os.Interrupt)
	go func() {
		<-stop
		server.Shutdown(context.Background())
	}()
	if err := server.ListenAndServe(); err != http.ErrServerClosed {
		check(err)
	}
	check(tp.Shutdown(context.Background()))
	check(mp.Shutdown(context.Background()))
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
