// Command contract is the program of the nethttp contract test
// (contract_test.go). The test builds it with an -overlay that rewrites
// net/http the way autotel does: trampolines in serverHandler.ServeHTTP,
// (*ServeMux).ServeHTTP and (*Transport).RoundTrip, and the files of the
// file rules. The program then serves and sends real requests, over HTTP/1.1
// and HTTP/2, and prints the spans it recorded as JSON lines.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	_ "autotel.dev/go/hooks/nethttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// span is what the test reads.
type span struct {
	Name   string            `json:"name"`
	Kind   string            `json:"kind"`
	Trace  string            `json:"trace"`
	ID     string            `json:"id"`
	Parent string            `json:"parent"`
	Status string            `json:"status"`
	Attrs  map[string]string `json:"attrs"`
}

func main() {
	exp := tracetest.NewInMemoryExporter()
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp)))
	otel.SetTextMapPropagator(propagation.TraceContext{})

	mux := http.NewServeMux()
	mux.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, "made "+r.PathValue("id"))
	})
	mux.HandleFunc("GET /boom", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "boom", http.StatusInternalServerError)
	})
	mux.HandleFunc("GET /quiet", func(http.ResponseWriter, *http.Request) {})

	h1 := httptest.NewServer(mux)
	defer h1.Close()
	h2 := httptest.NewUnstartedServer(mux)
	h2.EnableHTTP2 = true
	h2.StartTLS()
	defer h2.Close()

	ctx, root := otel.Tracer("contract").Start(context.Background(), "root")
	get(ctx, http.DefaultClient, h1.URL+"/items/42")
	get(ctx, http.DefaultClient, h1.URL+"/boom")
	get(ctx, http.DefaultClient, h1.URL+"/quiet")
	get(ctx, h2.Client(), h2.URL+"/items/7")
	root.End()

	// 1 root + 4 client + 4 server spans; a server span may end just after
	// its client has the response.
	deadline := time.Now().Add(10 * time.Second)
	for len(exp.GetSpans()) < 9 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	enc := json.NewEncoder(os.Stdout)
	for _, s := range exp.GetSpans() {
		out := span{
			Name:   s.Name,
			Kind:   s.SpanKind.String(),
			Trace:  s.SpanContext.TraceID().String(),
			ID:     s.SpanContext.SpanID().String(),
			Parent: s.Parent.SpanID().String(),
			Status: s.Status.Code.String(),
			Attrs:  map[string]string{},
		}
		for _, kv := range s.Attributes {
			out.Attrs[string(kv.Key)] = kv.Value.Emit()
		}
		enc.Encode(out)
	}
}

func get(ctx context.Context, c *http.Client, url string) {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		fail(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		fail(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.Request != req {
		fail(fmt.Errorf("%s: resp.Request is not the request sent", url))
	}
	if req.Header.Get("Traceparent") != "" {
		fail(fmt.Errorf("%s: the caller's request was given a traceparent", url))
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
