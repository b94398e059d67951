package sdk

import (
	"context"
	"net"
	"net/http"
	"slices"
	"testing"

	colllogs "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	collmetrics "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	colltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"
)

// newGRPCCollector is an OTLP/gRPC receiver of the three signals, recording
// into a collector as the OTLP/HTTP one does; it returns the collector and
// its endpoint URL.
func newGRPCCollector(t *testing.T) (*collector, string) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	c := &collector{}
	colltrace.RegisterTraceServiceServer(srv, grpcTraces{c: c})
	collmetrics.RegisterMetricsServiceServer(srv, grpcMetrics{c: c})
	colllogs.RegisterLogsServiceServer(srv, grpcLogs{c: c})
	go srv.Serve(l)
	t.Cleanup(srv.Stop)
	return c, "http://" + l.Addr().String()
}

type grpcTraces struct {
	colltrace.UnimplementedTraceServiceServer
	c *collector
}

func (g grpcTraces) Export(_ context.Context, req *colltrace.ExportTraceServiceRequest) (*colltrace.ExportTraceServiceResponse, error) {
	g.c.noteSpans(req)
	return &colltrace.ExportTraceServiceResponse{}, nil
}

type grpcMetrics struct {
	collmetrics.UnimplementedMetricsServiceServer
	c *collector
}

func (g grpcMetrics) Export(_ context.Context, req *collmetrics.ExportMetricsServiceRequest) (*collmetrics.ExportMetricsServiceResponse, error) {
	g.c.noteMetrics(req)
	return &collmetrics.ExportMetricsServiceResponse{}, nil
}

type grpcLogs struct {
	colllogs.UnimplementedLogsServiceServer
	c *collector
}

func (g grpcLogs) Export(_ context.Context, req *colllogs.ExportLogsServiceRequest) (*colllogs.ExportLogsServiceResponse, error) {
	g.c.noteLogs(req)
	return &colllogs.ExportLogsServiceResponse{}, nil
}

func TestEndToEndGRPC(t *testing.T) {
	c, endpoint := newGRPCCollector(t)
	res := runApp(t, "return", appEnv(
		"OTEL_EXPORTER_OTLP_PROTOCOL=grpc",
		"OTEL_EXPORTER_OTLP_ENDPOINT="+endpoint,
	), nil)
	if code := res.state.ExitCode(); code != 0 {
		t.Fatalf("exit code %d; stderr:\n%s", code, res.stderr)
	}
	spans, metrics, _, _ := c.snapshot()
	if !slices.Equal(spans, []string{"return"}) || !slices.Equal(metrics, []string{"app.runs"}) {
		t.Errorf("spans %q, metrics %q, want [return] and [app.runs]; stderr:\n%s", spans, metrics, res.stderr)
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
