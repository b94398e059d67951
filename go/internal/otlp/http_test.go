package otlp

// http_test.go: OTLP/HTTP against real HTTP servers (httptest, TLS and mTLS
// with certificates made by the test): the request as sent, gzip, headers,
// partial success, error bodies, retries (503 + Retry-After, the elapsed
// bound, the export timeout), the proxy of the environment, shutdown and
// the goroutines a client leaves.

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	colmetrics "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// received is what a test collector saw of one request.
type received struct {
	method, path string
	header       http.Header
	body         []byte // decompressed
	when         time.Time
}

// httpCollector records every request and answers with answer.
type httpCollector struct {
	mu       sync.Mutex
	requests []received
	answer   func(w http.ResponseWriter, r *http.Request, n int)
}

func (c *httpCollector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err == nil && r.Header.Get("Content-Encoding") == "gzip" {
		var zr *gzip.Reader
		if zr, err = gzip.NewReader(bytes.NewReader(body)); err == nil {
			body, err = io.ReadAll(zr)
		}
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	c.mu.Lock()
	c.requests = append(c.requests, received{r.Method, r.URL.Path, r.Header.Clone(), body, time.Now()})
	n := len(c.requests)
	c.mu.Unlock()
	if c.answer != nil {
		c.answer(w, r, n)
		return
	}
	w.Header().Set("Content-Type", "application/x-protobuf")
}

func (c *httpCollector) seen() []received {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]received(nil), c.requests...)
}

func newHTTPCollector(t *testing.T, answer func(w http.ResponseWriter, r *http.Request, n int)) (*httpCollector, *httptest.Server) {
	c := &httpCollector{answer: answer}
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	return c, srv
}

func TestHTTPExportSendsTheRequest(t *testing.T) {
	for s, req := range testRequests(t) {
		t.Run(s.String(), func(t *testing.T) {
			col, srv := newHTTPCollector(t, nil)
			c := newClient(t, s, ProtocolHTTPProtobuf, map[string]string{
				"OTEL_EXPORTER_OTLP_ENDPOINT": srv.URL,
				"OTEL_EXPORTER_OTLP_HEADERS":  "api-key=s%3Dcret,X-Scope-OrgID=tenant-1",
			})
			body := marshal(t, req)
			if err := c.Export(context.Background(), body); err != nil {
				t.Fatal(err)
			}
			got := col.seen()
			if len(got) != 1 {
				t.Fatalf("%d requests, want 1", len(got))
			}
			r := got[0]
			if r.method != http.MethodPost || r.path != s.httpPath() {
				t.Errorf("%s %s, want POST %s", r.method, r.path, s.httpPath())
			}
			for k, want := range map[string]string{
				"Content-Type": "application/x-protobuf", "Api-Key": "s=cret", "X-Scope-Orgid": "tenant-1", "Content-Encoding": "",
			} {
				if v := r.header.Get(k); v != want {
					t.Errorf("header %s = %q, want %q", k, v, want)
				}
			}
			if !bytes.Equal(r.body, body) {
				t.Errorf("body differs from the request")
			}
			decoded := proto.Clone(req)
			proto.Reset(decoded)
			if err := proto.Unmarshal(r.body, decoded); err != nil || !proto.Equal(decoded, req) {
				t.Errorf("the collector decoded %v (%v), want %v", decoded, err, req)
			}
		})
	}
}

func TestHTTPGzip(t *testing.T) {
	col, srv := newHTTPCollector(t, nil)
	c := newClient(t, Logs, ProtocolHTTPProtobuf, map[string]string{
		"OTEL_EXPORTER_OTLP_LOGS_ENDPOINT": srv.URL + "/v1/logs",
		"OTEL_EXPORTER_OTLP_COMPRESSION":   "gzip",
	})
	body := marshal(t, testRequests(t)[Logs])
	if err := c.Export(context.Background(), body); err != nil {
		t.Fatal(err)
	}
	got := col.seen()
	if len(got) != 1 || got[0].header.Get("Content-Encoding") != "gzip" || !bytes.Equal(got[0].body, body) {
		t.Fatalf("requests %+v, want one gzip-encoded of the request", got)
	}
}

func TestHTTPPartialSuccess(t *testing.T) {
	answer := func(resp proto.Message) func(http.ResponseWriter, *http.Request, int) {
		return func(w http.ResponseWriter, _ *http.Request, _ int) {
			w.Header().Set("Content-Type", "application/x-protobuf")
			b, _ := proto.Marshal(resp)
			_, _ = w.Write(b)
		}
	}
	_, srv := newHTTPCollector(t, answer(&colmetrics.ExportMetricsServiceResponse{
		PartialSuccess: &colmetrics.ExportMetricsPartialSuccess{RejectedDataPoints: 3, ErrorMessage: "too old"},
	}))
	c := newClient(t, Metrics, "", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": srv.URL})
	err := c.Export(context.Background(), marshal(t, testRequests(t)[Metrics]))
	var ps *PartialSuccessError
	if !errors.As(err, &ps) || *ps != (PartialSuccessError{Metrics, 3, "too old"}) ||
		err.Error() != "OTLP partial success: 3 data points rejected: too old" {
		t.Errorf("Export = %v, want the partial success", err)
	}

	// An empty partial_success is a success.
	_, srv = newHTTPCollector(t, answer(&coltrace.ExportTraceServiceResponse{PartialSuccess: &coltrace.ExportTracePartialSuccess{}}))
	c = newClient(t, Traces, "", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": srv.URL})
	if err := c.Export(context.Background(), marshal(t, testRequests(t)[Traces])); err != nil {
		t.Errorf("Export = %v, want success", err)
	}
}

func TestHTTPFailureStatuses(t *testing.T) {
	statusBody, err := proto.Marshal(status.New(codes.InvalidArgument, "span 3 has no trace id").Proto())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		answer func(w http.ResponseWriter)
		want   string
	}{
		{"400 with a Status", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/x-protobuf")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write(statusBody)
		}, `400 Bad Request: span 3 has no trace id`},
		{"401 with text", func(w http.ResponseWriter) {
			http.Error(w, "no api key", http.StatusUnauthorized)
		}, `401 Unauthorized: no api key`},
		{"500 empty", func(w http.ResponseWriter) {
			w.WriteHeader(http.StatusInternalServerError)
		}, `500 Internal Server Error`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			col, srv := newHTTPCollector(t, func(w http.ResponseWriter, _ *http.Request, _ int) { tt.answer(w) })
			c := newClient(t, Traces, "", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": srv.URL})
			err := c.Export(context.Background(), marshal(t, testRequests(t)[Traces]))
			want := `Post "` + srv.URL + `/v1/traces": ` + tt.want
			if err == nil || err.Error() != want {
				t.Errorf("Export = %v\nwant %s", err, want)
			}
			if n := len(col.seen()); n != 1 {
				t.Errorf("%d requests, want 1 (not retried)", n)
			}
		})
	}
}

func TestHTTPRetriesHonourRetryAfter(t *testing.T) {
	col, srv := newHTTPCollector(t, func(w http.ResponseWriter, _ *http.Request, n int) {
		if n <= 2 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
	})
	c := newClient(t, Traces, "", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": srv.URL, "OTEL_EXPORTER_OTLP_TIMEOUT": "5000"})
	body := marshal(t, testRequests(t)[Traces])
	if err := c.Export(context.Background(), body); err != nil {
		t.Fatal(err)
	}
	got := col.seen()
	if len(got) != 3 {
		t.Fatalf("%d requests, want 3", len(got))
	}
	for i := 1; i < 3; i++ {
		if gap := got[i].when.Sub(got[i-1].when); gap < time.Second {
			t.Errorf("attempt %d came %v after the previous one, before Retry-After's 1 s", i+1, gap)
		}
		if !bytes.Equal(got[i].body, body) {
			t.Errorf("attempt %d sent another body", i+1)
		}
	}
}

func TestHTTPRetriesStopAtTheElapsedBound(t *testing.T) {
	for _, code := range []int{http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout} {
		t.Run(http.StatusText(code), func(t *testing.T) {
			col, srv := newHTTPCollector(t, func(w http.ResponseWriter, _ *http.Request, _ int) { w.WriteHeader(code) })
			c := newClient(t, Metrics, "", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": srv.URL})
			c.retry = retryPolicy{initial: 20 * time.Millisecond, max: 40 * time.Millisecond, maxElapsed: 300 * time.Millisecond}
			start := time.Now()
			err := c.Export(context.Background(), marshal(t, testRequests(t)[Metrics]))
			took := time.Since(start)
			want := `Post "` + srv.URL + `/v1/metrics": ` + strconv.Itoa(code) + " " + http.StatusText(code)
			if err == nil || !strings.Contains(err.Error(), want) || !strings.HasSuffix(err.Error(), "(retries gave up after 300ms)") {
				t.Errorf("Export = %v, want the %d and the bound", err, code)
			}
			if n := len(col.seen()); n < 4 {
				t.Errorf("%d attempts in %v, want several", n, took)
			}
			// It gives up when the next wait would pass the bound.
			if took < 150*time.Millisecond || took > 2*time.Second {
				t.Errorf("gave up after %v, want about 300ms", took)
			}
		})
	}
}

func TestHTTPTimeoutBoundsTheExport(t *testing.T) {
	t.Run("no retry past the deadline", func(t *testing.T) {
		col, srv := newHTTPCollector(t, func(w http.ResponseWriter, _ *http.Request, _ int) { w.WriteHeader(http.StatusServiceUnavailable) })
		c, err := New(Traces, "", envOf(map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": srv.URL, "OTEL_EXPORTER_OTLP_TIMEOUT": "1000"}))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Shutdown(context.Background())
		start := time.Now()
		err = c.Export(context.Background(), marshal(t, testRequests(t)[Traces]))
		// The default policy's first retry comes after 2.5 s to 7.5 s.
		if took := time.Since(start); took > 500*time.Millisecond {
			t.Errorf("took %v: waited for a retry that could not fit in the 1 s timeout", took)
		}
		if err == nil || !strings.Contains(err.Error(), "503 Service Unavailable (no time left to retry in") {
			t.Errorf("Export = %v", err)
		}
		if n := len(col.seen()); n != 1 {
			t.Errorf("%d requests, want 1", n)
		}
	})
	t.Run("a collector that does not answer", func(t *testing.T) {
		release := make(chan struct{})
		_, srv := newHTTPCollector(t, func(w http.ResponseWriter, r *http.Request, _ int) {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		})
		defer close(release)
		c := newClient(t, Traces, "", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": srv.URL, "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT": "300"})
		start := time.Now()
		err := c.Export(context.Background(), marshal(t, testRequests(t)[Traces]))
		if took := time.Since(start); took < 250*time.Millisecond || took > 2*time.Second {
			t.Errorf("took %v, want about the 300 ms timeout", took)
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Export = %v, want the deadline", err)
		}
	})
}

func TestHTTPConnectionRefusedIsNotRetried(t *testing.T) {
	addr := closedAddr(t)
	c := newClient(t, Traces, "", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://" + addr})
	err := c.Export(context.Background(), marshal(t, testRequests(t)[Traces]))
	want := `Post "http://` + addr + `/v1/traces": dial tcp ` + addr + `: connect: connection refused`
	if err == nil || err.Error() != want {
		t.Errorf("Export = %v\nwant %s", err, want)
	}
}

func TestHTTPTLS(t *testing.T) {
	p := newPKI(t)
	for _, mutual := range []bool{false, true} {
		name := map[bool]string{false: "TLS", true: "mTLS"}[mutual]
		t.Run(name, func(t *testing.T) {
			col := &httpCollector{}
			var peer atomic.Value
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if len(r.TLS.PeerCertificates) > 0 {
					peer.Store(r.TLS.PeerCertificates[0].Subject.CommonName)
				}
				col.ServeHTTP(w, r)
			}))
			srv.TLS = p.serverTLS(mutual)
			srv.StartTLS()
			defer srv.Close()
			env := map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": srv.URL, "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE": p.caFile}
			if mutual {
				env["OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE"] = p.clientCertFile
				env["OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY"] = p.clientKeyFile
			}
			c := newClient(t, Traces, "", env)
			body := marshal(t, testRequests(t)[Traces])
			if err := c.Export(context.Background(), body); err != nil {
				t.Fatal(err)
			}
			if got := col.seen(); len(got) != 1 || !bytes.Equal(got[0].body, body) {
				t.Errorf("the collector got %d requests", len(got))
			}
			if mutual && peer.Load() != "exporter" {
				t.Errorf("client certificate %v, want the exporter's", peer.Load())
			}

			// Without the CA the server is not trusted; without the client
			// certificate an mTLS server refuses the connection.
			delete(env, "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE")
			c = newClient(t, Traces, "", env)
			if err := c.Export(context.Background(), body); err == nil || !strings.Contains(err.Error(), "certificate signed by unknown authority") {
				t.Errorf("Export without the CA = %v", err)
			}
			if mutual {
				c = newClient(t, Traces, "", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": srv.URL, "OTEL_EXPORTER_OTLP_CERTIFICATE": p.caFile})
				if err := c.Export(context.Background(), body); err == nil || !strings.Contains(err.Error(), "certificate required") {
					t.Errorf("Export without a client certificate = %v", err)
				}
			}
		})
	}
}

// TestHTTPProxyFromEnvironment: net/http reads the proxy variables once per
// process, so the export runs in a child process of the test binary.
func TestHTTPProxyFromEnvironment(t *testing.T) {
	if os.Getenv("OTLP_TEST_PROXY_CHILD") == "1" {
		c, err := New(Traces, "", os.Getenv)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Export(context.Background(), []byte("request")); err != nil {
			t.Fatal(err)
		}
		return
	}
	var mu sync.Mutex
	var seen []string
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.String()+" "+string(body))
		mu.Unlock()
	}))
	defer proxy.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHTTPProxyFromEnvironment$", "-test.count=1")
	cmd.Env = append(os.Environ(),
		"OTLP_TEST_PROXY_CHILD=1",
		"HTTP_PROXY="+proxy.URL, "http_proxy="+proxy.URL, "NO_PROXY=", "no_proxy=",
		"OTEL_EXPORTER_OTLP_ENDPOINT=http://collector.invalid:4318",
	)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	mu.Lock()
	defer mu.Unlock()
	if want := "POST http://collector.invalid:4318/v1/traces request"; len(seen) != 1 || seen[0] != want {
		t.Errorf("the proxy saw %q, want [%q]", seen, want)
	}
}
