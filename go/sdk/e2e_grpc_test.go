package sdk

import (
	"context"
	"net"
	"net/http"
	"slices"
	"sync"
	"testing"

	colltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"
)

// grpcCollector is an OTLP/gRPC trace receiver that records span names.
type grpcCollector struct {
	colltrace.UnimplementedTraceServiceServer
	mu    sync.Mutex
	spans []string
}

func (c *grpcCollector) Export(_ context.Context, req *colltrace.ExportTraceServiceRequest) (*colltrace.ExportTraceServiceResponse, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, rs := range req.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			for _, s := range ss.Spans {
				c.spans = append(c.spans, s.Name)
			}
		}
	}
	return &colltrace.ExportTraceServiceResponse{}, nil
}

func TestEndToEndGRPC(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	c := &grpcCollector{}
	colltrace.RegisterTraceServiceServer(srv, c)
	go srv.Serve(l)
	defer srv.Stop()

	res := runApp(t, "return", appEnv(
		"OTEL_EXPORTER_OTLP_PROTOCOL=grpc",
		"OTEL_EXPORTER_OTLP_ENDPOINT=http://"+l.Addr().String(),
		"OTEL_METRICS_EXPORTER=none",
	), nil)
	if code := res.state.ExitCode(); code != 0 {
		t.Fatalf("exit code %d; stderr:\n%s", code, res.stderr)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !slices.Equal(c.spans, []string{"return"}) {
		t.Errorf("spans %q, want [return]; stderr:\n%s", c.spans, res.stderr)
	}
}

// TestEndToEndDefaultEndpoint: with no endpoint configured, spans go to
// plain-text http://localhost:4318 (the specification's default; the Go
// exporter's own default would be TLS).
func TestEndToEndDefaultEndpoint(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:4318")
	if err != nil {
		t.Skipf("port 4318 is busy (%v); the default endpoint cannot be tested here", err)
	}
	c := &collector{}
	mux := newCollectorMux(t, c)
	srv := &http.Server{Handler: mux}
	go srv.Serve(l)
	defer srv.Close()

	res := runApp(t, "return", appEnv("OTEL_METRICS_EXPORTER=none"), nil)
	if code := res.state.ExitCode(); code != 0 {
		t.Fatalf("exit code %d; stderr:\n%s", code, res.stderr)
	}
	if spans, _, _, _ := c.snapshot(); !slices.Equal(spans, []string{"return"}) {
		t.Errorf("spans %q, want [return]; stderr:\n%s", spans, res.stderr)
	}
}
