// Command contract is the program of the nethttp contract test
// (contract_test.go). The test builds it with an -overlay that rewrites
// net/http the way autotel does: trampolines in serverHandler.ServeHTTP,
// (*ServeMux).ServeHTTP, (*Transport).RoundTrip and (*response).Hijack, the
// field added to response, and the files of the file rules. The program then
// serves and sends real requests, over HTTP/1.1 and HTTP/2, and upgrades
// (101, the connection hijacked and held open by the client for upgradeHold),
// and prints the spans it recorded as JSON lines.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	_ "autotel.dev/go/hooks/nethttp"
	"autotel.dev/go/internal/httpframework"
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
	// Duration in nanoseconds.
	Duration int64 `json:"duration"`
}

// upgradeHold is how long the client keeps an upgraded connection open.
const upgradeHold = 500 * time.Millisecond

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
	// Upgrades: the 101 written with WriteHeader before the hijack (as
	// coder/websocket does), on the raw connection (as gorilla/websocket
	// does), and on the raw connection announced the way the gorillawebsocket
	// hook announces it.
	mux.HandleFunc("GET /upgrade/header", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "Upgrade")
		w.Header().Set("Upgrade", "contract")
		w.WriteHeader(http.StatusSwitchingProtocols)
		c, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			fail(err)
		}
		drain(c)
	})
	mux.HandleFunc("GET /upgrade/raw", func(w http.ResponseWriter, r *http.Request) {
		drain(hijackAndSwitch(w))
	})
	mux.HandleFunc("GET /upgrade/announced", func(w http.ResponseWriter, r *http.Request) {
		s := httpframework.StartUpgrade(r.Context())
		c := hijackAndSwitch(w)
		s.EndUpgrade(http.StatusSwitchingProtocols)
		drain(c)
	})

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
	for _, path := range []string{"/upgrade/header", "/upgrade/raw", "/upgrade/announced"} {
		upgrade(ctx, h1.URL+path)
	}
	root.End()

	// 1 root + 7 client + 7 server spans; a server span may end just after
	// its client has the response.
	deadline := time.Now().Add(10 * time.Second)
	for len(exp.GetSpans()) < 15 && time.Now().Before(deadline) {
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

			Duration: s.EndTime.Sub(s.StartTime).Nanoseconds(),
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

// upgrade asks url for an upgrade, and holds the switched connection open
// for upgradeHold before closing it.
func upgrade(ctx context.Context, url string) {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		fail(err)
	}
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "contract")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fail(err)
	}
	conn, ok := resp.Body.(io.ReadWriteCloser)
	if resp.StatusCode != http.StatusSwitchingProtocols || !ok {
		fail(fmt.Errorf("%s: status %d, body %T", url, resp.StatusCode, resp.Body))
	}
	time.Sleep(upgradeHold)
	conn.Close()
}

// hijackAndSwitch hijacks w's connection and writes a 101 on it.
func hijackAndSwitch(w http.ResponseWriter) net.Conn {
	c, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		fail(err)
	}
	if _, err := io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: contract\r\n\r\n"); err != nil {
		fail(err)
	}
	return c
}

// drain reads c until the client closes it.
func drain(c net.Conn) {
	io.Copy(io.Discard, c)
	c.Close()
}
