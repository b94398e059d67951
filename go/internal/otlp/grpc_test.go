package otlp

// grpc_test.go: OTLP/gRPC against a real grpc-go server running the official
// collector services, over h2c and over TLS/mTLS: the request as the server
// decodes it, metadata, grpc-timeout, gzip both ways, partial success, error
// statuses (trailers-only), which codes are retried and RetryInfo; and
// against plain HTTP servers for what is not gRPC (HTTP status, HTTP/1.1).

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	collogs "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	colmetrics "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	_ "google.golang.org/grpc/encoding/gzip" // the server decompresses and answers gzip
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
)

// grpcCall is what the collector saw of one call.
type grpcCall struct {
	signal   Signal
	request  proto.Message
	md       metadata.MD
	deadline time.Duration // left when the call arrived (0: none)
	peerCN   string
	when     time.Time
}

// grpcCollector serves the three collector services; answer decides the
// outcome of the n-th call (nil: success) and the partial success.
type grpcCollector struct {
	mu     sync.Mutex
	calls  []grpcCall
	answer func(n int) (rejected int64, message string, err error)
	// read counts the bytes the server read from its connections.
	read atomic.Int64
}

func (c *grpcCollector) note(ctx context.Context, s Signal, req proto.Message) (int64, string, error) {
	call := grpcCall{signal: s, request: req, when: time.Now()}
	call.md, _ = metadata.FromIncomingContext(ctx)
	if d, ok := ctx.Deadline(); ok {
		call.deadline = time.Until(d)
	}
	if p, ok := peer.FromContext(ctx); ok {
		if ti, ok := p.AuthInfo.(credentials.TLSInfo); ok && len(ti.State.PeerCertificates) > 0 {
			call.peerCN = ti.State.PeerCertificates[0].Subject.CommonName
		}
	}
	c.mu.Lock()
	c.calls = append(c.calls, call)
	n := len(c.calls)
	c.mu.Unlock()
	if c.answer == nil {
		return 0, "", nil
	}
	return c.answer(n)
}

func (c *grpcCollector) seen() []grpcCall {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]grpcCall(nil), c.calls...)
}

type traceService struct {
	coltrace.UnimplementedTraceServiceServer
	c *grpcCollector
}

func (s traceService) Export(ctx context.Context, req *coltrace.ExportTraceServiceRequest) (*coltrace.ExportTraceServiceResponse, error) {
	n, msg, err := s.c.note(ctx, Traces, req)
	if err != nil {
		return nil, err
	}
	resp := &coltrace.ExportTraceServiceResponse{}
	if n != 0 || msg != "" {
		resp.PartialSuccess = &coltrace.ExportTracePartialSuccess{RejectedSpans: n, ErrorMessage: msg}
	}
	return resp, nil
}

type metricsService struct {
	colmetrics.UnimplementedMetricsServiceServer
	c *grpcCollector
}

func (s metricsService) Export(ctx context.Context, req *colmetrics.ExportMetricsServiceRequest) (*colmetrics.ExportMetricsServiceResponse, error) {
	n, msg, err := s.c.note(ctx, Metrics, req)
	if err != nil {
		return nil, err
	}
	resp := &colmetrics.ExportMetricsServiceResponse{}
	if n != 0 || msg != "" {
		resp.PartialSuccess = &colmetrics.ExportMetricsPartialSuccess{RejectedDataPoints: n, ErrorMessage: msg}
	}
	return resp, nil
}

type logsService struct {
	collogs.UnimplementedLogsServiceServer
	c *grpcCollector
}

func (s logsService) Export(ctx context.Context, req *collogs.ExportLogsServiceRequest) (*collogs.ExportLogsServiceResponse, error) {
	n, msg, err := s.c.note(ctx, Logs, req)
	if err != nil {
		return nil, err
	}
	resp := &collogs.ExportLogsServiceResponse{}
	if n != 0 || msg != "" {
		resp.PartialSuccess = &collogs.ExportLogsPartialSuccess{RejectedLogRecords: n, ErrorMessage: msg}
	}
	return resp, nil
}

// countingListener counts what the server reads.
type countingListener struct {
	net.Listener
	n *atomic.Int64
}

func (l countingListener) Accept() (net.Conn, error) {
	conn, err := l.Listener.Accept()
	return countingConn{conn, l.n}, err
}

type countingConn struct {
	net.Conn
	n *atomic.Int64
}

func (c countingConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.n.Add(int64(n))
	return n, err
}

// newGRPCCollector starts a grpc-go server (TLS when tlsCfg is not nil)
// and returns it with its address, host:port.
func newGRPCCollector(t *testing.T, tlsCfg *tls.Config, answer func(int) (int64, string, error)) (*grpcCollector, string) {
	t.Helper()
	c := &grpcCollector{answer: answer}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var opts []grpc.ServerOption
	if tlsCfg != nil {
		opts = append(opts, grpc.Creds(credentials.NewTLS(tlsCfg)))
	}
	srv := grpc.NewServer(opts...)
	coltrace.RegisterTraceServiceServer(srv, traceService{c: c})
	colmetrics.RegisterMetricsServiceServer(srv, metricsService{c: c})
	collogs.RegisterLogsServiceServer(srv, logsService{c: c})
	go func() { _ = srv.Serve(countingListener{l, &c.read}) }()
	t.Cleanup(srv.Stop)
	return c, l.Addr().String()
}

func TestGRPCExportSendsTheRequest(t *testing.T) {
	for s, req := range testRequests(t) {
		t.Run(s.String(), func(t *testing.T) {
			col, addr := newGRPCCollector(t, nil, nil)
			c := newClient(t, s, ProtocolGRPC, map[string]string{
				"OTEL_EXPORTER_OTLP_ENDPOINT": "http://" + addr,
				"OTEL_EXPORTER_OTLP_HEADERS":  "api-key=s%3Dcret,X-Scope-OrgID=tenant-1",
				"OTEL_EXPORTER_OTLP_TIMEOUT":  "4000",
			})
			if err := c.Export(context.Background(), marshal(t, req)); err != nil {
				t.Fatal(err)
			}
			got := col.seen()
			if len(got) != 1 {
				t.Fatalf("%d calls, want 1", len(got))
			}
			call := got[0]
			if call.signal != s || !proto.Equal(call.request, req) {
				t.Errorf("the collector's %v service got %v, want %v", call.signal, call.request, req)
			}
			for k, want := range map[string]string{"api-key": "s=cret", "x-scope-orgid": "tenant-1"} {
				if v := call.md.Get(k); len(v) != 1 || v[0] != want {
					t.Errorf("metadata %s = %q, want %q", k, v, want)
				}
			}
			if call.deadline <= 3*time.Second || call.deadline > 4*time.Second {
				t.Errorf("the call's deadline was %v away, want the 4 s timeout", call.deadline)
			}
		})
	}
}

func TestGRPCHostPortWithInsecure(t *testing.T) {
	col, addr := newGRPCCollector(t, nil, nil)
	c := newClient(t, Logs, ProtocolGRPC, map[string]string{"OTEL_EXPORTER_OTLP_LOGS_ENDPOINT": addr, "OTEL_EXPORTER_OTLP_LOGS_INSECURE": "true"})
	if err := c.Export(context.Background(), marshal(t, testRequests(t)[Logs])); err != nil {
		t.Fatal(err)
	}
	if n := len(col.seen()); n != 1 {
		t.Errorf("%d calls, want 1", n)
	}
}

func TestGRPCGzipAndPartialSuccess(t *testing.T) {
	for _, compression := range []string{"none", "gzip"} {
		t.Run(compression, func(t *testing.T) {
			col, addr := newGRPCCollector(t, nil, func(int) (int64, string, error) { return 2, "2 spans without a name", nil })
			c := newClient(t, Traces, ProtocolGRPC, map[string]string{
				"OTEL_EXPORTER_OTLP_ENDPOINT":           "http://" + addr,
				"OTEL_EXPORTER_OTLP_TRACES_COMPRESSION": compression,
			})
			// 1 MB of one repeated name: gzip makes it a few kB.
			req := testRequests(t)[Traces].(*coltrace.ExportTraceServiceRequest)
			req.ResourceSpans[0].ScopeSpans[0].Spans[0].Name = strings.Repeat("compressible ", 80_000)
			body := marshal(t, req)
			err := c.Export(context.Background(), body)
			var ps *PartialSuccessError
			if !errors.As(err, &ps) || err.Error() != "OTLP partial success: 2 spans rejected: 2 spans without a name" {
				t.Errorf("Export = %v, want the partial success", err)
			}
			if got := col.seen(); len(got) != 1 || !proto.Equal(got[0].request, req) {
				t.Fatalf("the collector got %d calls, not the request", len(got))
			}
			read := col.read.Load()
			if compression == "gzip" && read > int64(len(body))/10 {
				t.Errorf("the server read %d bytes for a request of %d: not compressed", read, len(body))
			}
			if compression == "none" && read < int64(len(body)) {
				t.Errorf("the server read %d bytes for a request of %d", read, len(body))
			}
		})
	}
}

func TestGRPCStatuses(t *testing.T) {
	retryIn := func(d time.Duration) error {
		st, err := status.New(codes.ResourceExhausted, "slow down").WithDetails(&errdetails.RetryInfo{RetryDelay: durationpb.New(d)})
		if err != nil {
			t.Fatal(err)
		}
		return st.Err()
	}
	tests := []struct {
		name string
		// errs are the answers of the first calls; later ones succeed.
		errs  []error
		calls int
		want  string // the error of Export ("": success)
		// gap is the least time between the first two calls.
		gap time.Duration
	}{
		{"invalid argument is not retried", []error{status.Error(codes.InvalidArgument, "bad data")}, 1,
			"rpc error: code = InvalidArgument desc = bad data", 0},
		{"message is percent-decoded", []error{status.Error(codes.PermissionDenied, "100% déjà\nvu")}, 1,
			"rpc error: code = PermissionDenied desc = 100% déjà\nvu", 0},
		{"unavailable is retried", []error{status.Error(codes.Unavailable, "restarting"), status.Error(codes.Unavailable, "restarting")}, 3, "", 0},
		{"aborted, out of range, data loss, deadline, canceled are retried", []error{
			status.Error(codes.Aborted, ""), status.Error(codes.OutOfRange, ""), status.Error(codes.DataLoss, ""),
			status.Error(codes.DeadlineExceeded, ""), status.Error(codes.Canceled, ""),
		}, 6, "", 0},
		{"resource exhausted without RetryInfo is not retried", []error{status.Error(codes.ResourceExhausted, "full")}, 1,
			"rpc error: code = ResourceExhausted desc = full", 0},
		{"resource exhausted with RetryInfo waits its delay", []error{retryIn(300 * time.Millisecond)}, 2, "", 300 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			col, addr := newGRPCCollector(t, nil, func(n int) (int64, string, error) {
				if n <= len(tt.errs) {
					return 0, "", tt.errs[n-1]
				}
				return 0, "", nil
			})
			c := newClient(t, Metrics, ProtocolGRPC, map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://" + addr})
			err := c.Export(context.Background(), marshal(t, testRequests(t)[Metrics]))
			if (tt.want == "" && err != nil) || (tt.want != "" && (err == nil || err.Error() != tt.want)) {
				t.Errorf("Export = %v, want %q", err, tt.want)
			}
			got := col.seen()
			if len(got) != tt.calls {
				t.Errorf("%d calls, want %d", len(got), tt.calls)
			}
			if tt.gap > 0 && len(got) >= 2 && got[1].when.Sub(got[0].when) < tt.gap {
				t.Errorf("retried after %v, before RetryInfo's %v", got[1].when.Sub(got[0].when), tt.gap)
			}
		})
	}
}

// TestGRPCUnregisteredService: the server answers a method it does not
// have with a trailers-only Unimplemented.
func TestGRPCUnregisteredService(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	coltrace.RegisterTraceServiceServer(srv, traceService{c: &grpcCollector{}})
	go func() { _ = srv.Serve(l) }()
	defer srv.Stop()
	c := newClient(t, Logs, ProtocolGRPC, map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://" + l.Addr().String()})
	err = c.Export(context.Background(), marshal(t, testRequests(t)[Logs]))
	want := "rpc error: code = Unimplemented desc = unknown service opentelemetry.proto.collector.logs.v1.LogsService"
	if err == nil || err.Error() != want {
		t.Errorf("Export = %v, want %s", err, want)
	}
}

func TestGRPCTLS(t *testing.T) {
	p := newPKI(t)
	for _, mutual := range []bool{false, true} {
		name := map[bool]string{false: "TLS", true: "mTLS"}[mutual]
		t.Run(name, func(t *testing.T) {
			col, addr := newGRPCCollector(t, p.serverTLS(mutual), nil)
			for _, endpoint := range []string{"https://" + addr, addr} {
				env := map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": endpoint, "OTEL_EXPORTER_OTLP_CERTIFICATE": p.caFile}
				if mutual {
					env["OTEL_EXPORTER_OTLP_METRICS_CLIENT_CERTIFICATE"] = p.clientCertFile
					env["OTEL_EXPORTER_OTLP_METRICS_CLIENT_KEY"] = p.clientKeyFile
				}
				c := newClient(t, Metrics, ProtocolGRPC, env)
				if err := c.Export(context.Background(), marshal(t, testRequests(t)[Metrics])); err != nil {
					t.Fatalf("%s: %v", endpoint, err)
				}
			}
			got := col.seen()
			if len(got) != 2 {
				t.Fatalf("%d calls, want 2", len(got))
			}
			if mutual && got[0].peerCN != "exporter" {
				t.Errorf("client certificate %q, want the exporter's", got[0].peerCN)
			}

			c := newClient(t, Metrics, ProtocolGRPC, map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "https://" + addr, "OTEL_EXPORTER_OTLP_TIMEOUT": "500"})
			if err := c.Export(context.Background(), marshal(t, testRequests(t)[Metrics])); err == nil ||
				!strings.HasPrefix(err.Error(), "rpc error: code = Unavailable desc = ") || !strings.Contains(err.Error(), "certificate signed by unknown authority") {
				t.Errorf("Export without the CA = %v", err)
			}
			if mutual {
				c = newClient(t, Metrics, ProtocolGRPC, map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "https://" + addr, "OTEL_EXPORTER_OTLP_CERTIFICATE": p.caFile})
				if err := c.Export(context.Background(), marshal(t, testRequests(t)[Metrics])); err == nil || !strings.Contains(err.Error(), "certificate required") {
					t.Errorf("Export without a client certificate = %v", err)
				}
			}
		})
	}
}

// TestGRPCAnswersThatAreNotGRPC: an HTTP/2 server answering with an HTTP
// error status gets gRPC's mapping (503 is Unavailable, retried); an
// HTTP/1.1-only server is refused.
func TestGRPCAnswersThatAreNotGRPC(t *testing.T) {
	p := newPKI(t)
	var calls atomic.Int32
	h2 := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	h2.EnableHTTP2 = true
	h2.TLS = p.serverTLS(false)
	h2.StartTLS()
	defer h2.Close()
	c := newClient(t, Traces, ProtocolGRPC, map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": h2.URL, "OTEL_EXPORTER_OTLP_CERTIFICATE": p.caFile})
	c.retry = retryPolicy{initial: 20 * time.Millisecond, max: 20 * time.Millisecond, maxElapsed: 200 * time.Millisecond}
	err := c.Export(context.Background(), marshal(t, testRequests(t)[Traces]))
	if err == nil || !strings.HasPrefix(err.Error(), "rpc error: code = Unavailable desc = unexpected HTTP status 503 Service Unavailable (retries gave up") {
		t.Errorf("Export = %v", err)
	}
	if n := calls.Load(); n < 2 {
		t.Errorf("%d calls, want retries", n)
	}

	h1 := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	h1.TLS = p.serverTLS(false)
	h1.Config.ErrorLog = log.New(io.Discard, "", 0)
	h1.StartTLS()
	defer h1.Close()
	c = newClient(t, Traces, ProtocolGRPC, map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": h1.URL, "OTEL_EXPORTER_OTLP_CERTIFICATE": p.caFile})
	err = c.Export(context.Background(), marshal(t, testRequests(t)[Traces]))
	want := "OTLP/gRPC export to " + h1.URL + Traces.grpcPath() + ": the server answered over HTTP/1.1, not HTTP/2"
	if err == nil || err.Error() != want {
		t.Errorf("Export = %v\nwant %s", err, want)
	}
}

// TestGRPCCollectorDown: a refused connection is Unavailable, retried until
// the export's timeout.
func TestGRPCCollectorDown(t *testing.T) {
	addr := closedAddr(t)
	c := newClient(t, Traces, ProtocolGRPC, map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://" + addr, "OTEL_EXPORTER_OTLP_TIMEOUT": "300"})
	start := time.Now()
	err := c.Export(context.Background(), marshal(t, testRequests(t)[Traces]))
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("took %v, want the 300 ms timeout", took)
	}
	if err == nil || !strings.HasPrefix(err.Error(), "rpc error: code = Unavailable desc = ") || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("Export = %v", err)
	}
}

func TestGRPCTimeoutEncoding(t *testing.T) {
	for d, want := range map[time.Duration]string{
		time.Nanosecond:             "1n",
		99999999 * time.Nanosecond:  "99999999n",
		100000000 * time.Nanosecond: "100000u",
		10 * time.Second:            "10000000u",
		10*time.Second + 1:          "10000001u",
		100 * time.Second:           "100000m",
		200 * time.Hour:             "720000S",
		time.Duration(1<<63 - 1):    "2562048H",
		1500 * time.Microsecond:     "1500000n",
	} {
		if got := grpcTimeout(d); got != want {
			t.Errorf("grpcTimeout(%v) = %s, want %s", d, got, want)
		}
	}
}
