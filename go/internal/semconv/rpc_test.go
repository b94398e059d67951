package semconv

import (
	"context"
	"fmt"
	"testing"

	"autotel.dev/go/internal/conformance"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// grpcRow is a row of testdata/semantics/grpc.json's calls.
type grpcRow struct {
	About  string `json:"about"`
	Side   string `json:"side"`
	Method string `json:"method"`
	Code   uint32 `json:"code"`
	Target string `json:"target"`
	conformance.Expect
}

// Every row, through what the grpc hooks call: the span named by GRPCMethod
// with GRPCCall's attributes (the client's address from GRPCTarget), ended
// with GRPCEndAttributes.
func TestConformanceGRPCCalls(t *testing.T) {
	for i, row := range conformance.Rows[grpcRow](t, "grpc.json", "calls") {
		rec := tracetest.NewSpanRecorder()
		tracer := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)).Tracer("conformance")
		server := row.Side == "server"
		call := GRPCCall{Method: GRPCMethod(row.Method)}
		kind := trace.SpanKindServer
		if !server {
			call.Address, call.Port = GRPCTarget(row.Target)
			kind = trace.SpanKindClient
		}
		_, span := tracer.Start(context.Background(), call.Method, trace.WithSpanKind(kind), trace.WithAttributes(call.SpanAttributes()...))
		attrs, spanStatus, _ := GRPCEndAttributes(row.Code, server)
		span.SetAttributes(attrs...)
		if spanStatus == codes.Error {
			span.SetStatus(codes.Error, "failed")
		}
		span.End()
		conformance.Check(t, fmt.Sprintf("#%d %s", i, row.About), rec.Ended(), row.Expect)
	}
}

// The conventions' examples for server.address and server.port of a client
// span, and the targets grpc-go itself accepts.
func TestGRPCTarget(t *testing.T) {
	for target, want := range map[string]struct {
		address string
		port    int
	}{
		"grpc.io:50051":                                  {"grpc.io", 50051},
		"127.0.0.1:8080":                                 {"127.0.0.1", 8080},
		"[::1]:8080":                                     {"::1", 8080},
		"dns:///grpc.io:50051":                           {"grpc.io", 50051},
		"dns://1.2.3.4/grpc.io:50051":                    {"grpc.io", 50051},
		"passthrough:///localhost:9000":                  {"localhost", 9000},
		"grpc.io":                                        {"grpc.io", 0},
		"unix:///run/containerd/containerd.sock":         {"/run/containerd/containerd.sock", 0},
		"unix:relative.sock":                             {"relative.sock", 0},
		"zk://zookeeper:2181/my-server":                  {"zk://zookeeper:2181/my-server", 0},
		"ipv4:198.51.100.123:50051,198.51.100.124:50051": {"ipv4:198.51.100.123:50051,198.51.100.124:50051", 0},
	} {
		if a, p := GRPCTarget(target); a != want.address || p != want.port {
			t.Errorf("GRPCTarget(%q) = %q, %d; want %q, %d", target, a, p, want.address, want.port)
		}
	}
}

// A server span is an error for six codes only; a client span for all but OK.
func TestGRPCStatus(t *testing.T) {
	serverErrors := map[string]bool{"UNKNOWN": true, "DEADLINE_EXCEEDED": true, "UNIMPLEMENTED": true, "INTERNAL": true, "UNAVAILABLE": true, "DATA_LOSS": true}
	for code := uint32(0); code <= 17; code++ {
		name := GRPCCodeName(code)
		if code == 17 && name != "" {
			t.Fatalf("code 17 has name %q", name)
		}
		wantName := name
		if code == 17 {
			wantName = "_OTHER"
		}
		c, et := GRPCStatus(code, true)
		if want := serverErrors[name]; (c == codes.Error) != want || (et != "") != want || (want && et != name) {
			t.Errorf("server %d %s: %v %q", code, name, c, et)
		}
		c, et = GRPCStatus(code, false)
		if want := code != 0; (c == codes.Error) != want || (want && et != wantName) {
			t.Errorf("client %d %s: %v %q", code, name, c, et)
		}
	}
	if GRPCMethod("/pkg.S/M") != "pkg.S/M" || GRPCMethod("") != "_OTHER" {
		t.Error("GRPCMethod")
	}
}
