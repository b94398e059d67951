package nethttp

import (
	"io"
	"net/http"
	"testing"

	"autotel.dev/go/api"
	"autotel.dev/go/gls"
	"go.opentelemetry.io/otel/trace"
)

// TestGoroutineLocalContext: the server span is current on the handler's
// goroutine while it runs, a request without a span in its context (as
// http.Get makes) is a child of it, and nothing stays current afterwards.
// The runtime is simulated (gls.InstallFakeForTests); the instrumented one
// is tested end to end by crates/autotel/tests/gls.
func TestGoroutineLocalContext(t *testing.T) {
	defer gls.InstallFakeForTests()()
	tel := setup(t)
	withStatusAccessor(t)
	leaf := newEchoServer(t, http.StatusOK)

	var inHandler, afterClient trace.SpanContext
	m := newMux()
	m.HandleFunc("GET /call", func(w http.ResponseWriter, r *http.Request) {
		inHandler = api.CurrentSpanContext()
		req, _ := http.NewRequest("GET", leaf.URL, nil) // context.Background()
		resp, err := transport{&http.Transport{}}.RoundTrip(req)
		if err != nil {
			t.Error(err)
			return
		}
		resp.Body.Close()
		afterClient = api.CurrentSpanContext()
		io.WriteString(w, "ok")
	})
	srv := newServer(t, m)
	resp, err := http.Get(srv.URL + "/call") // uninstrumented client
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	server, client := tel.ended("server"), tel.ended("client")
	if len(server) != 1 || len(client) != 1 {
		t.Fatalf("%d server and %d client spans, want 1 and 1", len(server), len(client))
	}
	if !inHandler.Equal(server[0].SpanContext()) || !afterClient.Equal(server[0].SpanContext()) {
		t.Errorf("current in the handler %v (after the client call %v), want the server span %v", inHandler, afterClient, server[0].SpanContext())
	}
	if client[0].Parent().SpanID() != server[0].SpanContext().SpanID() || client[0].SpanContext().TraceID() != server[0].SpanContext().TraceID() {
		t.Errorf("client parent %v, want the server span %v", client[0].Parent(), server[0].SpanContext())
	}
	if server[0].Parent().IsValid() {
		t.Errorf("server span without traceparent has parent %v", server[0].Parent())
	}
	if api.CurrentSpanContext().IsValid() {
		t.Error("a span is current on the test goroutine")
	}
}
