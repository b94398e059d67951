package sdk

// End-to-end tests: testdata/app is built once and run as a separate process
// (it calls the sdk hooks the way rewritten code does), exporting over
// OTLP/HTTP to a real net/http server in this test that decodes the protobuf
// requests.

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	colllogs "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	collmetrics "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	colltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	metricspb "go.opentelemetry.io/proto/otlp/metrics/v1"
	"google.golang.org/protobuf/proto"
)

var (
	appOnce sync.Once
	appPath string
	appErr  error
)

// buildApp builds testdata/app once per test binary, with the go command and
// toolchain that run the tests.
func buildApp(t *testing.T) string {
	t.Helper()
	appOnce.Do(func() {
		dir, err := os.MkdirTemp("", "autotel-sdk-e2e")
		if err != nil {
			appErr = err
			return
		}
		appPath = filepath.Join(dir, "app")
		out, err := exec.Command(goCommand(), "build", "-o", appPath, "./testdata/app").CombinedOutput()
		if err != nil {
			appErr = &buildError{out: string(out), err: err}
		}
	})
	if appErr != nil {
		t.Fatalf("building testdata/app: %v", appErr)
	}
	return appPath
}

type buildError struct {
	out string
	err error
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + e.out }

func goCommand() string {
	if root := os.Getenv("GOROOT"); root != "" {
		if p := filepath.Join(root, "bin", "go"); fileExists(p) {
			return p
		}
	}
	return "go"
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// collector is an OTLP/HTTP receiver that records span and metric names.
type collector struct {
	*httptest.Server
	mu       sync.Mutex
	spans    []string
	metrics  []string
	points   []string // metric data points: "name{key=value,…}"
	logs     []string // bodies of the log records
	services []string // service.name of each resource seen
	distros  []string // telemetry.distro.name of each resource seen
}

func newCollector(t *testing.T) *collector {
	c := &collector{}
	c.Server = httptest.NewServer(newCollectorMux(t, c))
	t.Cleanup(c.Close)
	return c
}

// newCollectorMux returns the OTLP/HTTP routes of c.
func newCollectorMux(t *testing.T, c *collector) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/traces", func(w http.ResponseWriter, r *http.Request) {
		var req colltrace.ExportTraceServiceRequest
		if decode(t, w, r, &req) {
			c.noteSpans(&req)
			reply(w, &colltrace.ExportTraceServiceResponse{})
		}
	})
	mux.HandleFunc("POST /v1/metrics", func(w http.ResponseWriter, r *http.Request) {
		var req collmetrics.ExportMetricsServiceRequest
		if decode(t, w, r, &req) {
			c.noteMetrics(&req)
			reply(w, &collmetrics.ExportMetricsServiceResponse{})
		}
	})
	mux.HandleFunc("POST /v1/logs", func(w http.ResponseWriter, r *http.Request) {
		var req colllogs.ExportLogsServiceRequest
		if decode(t, w, r, &req) {
			c.noteLogs(&req)
			reply(w, &colllogs.ExportLogsServiceResponse{})
		}
	})
	return mux
}

// noteSpans, noteMetrics and noteLogs record what an export request of
// either protocol carries.
func (c *collector) noteSpans(req *colltrace.ExportTraceServiceRequest) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, rs := range req.ResourceSpans {
		c.noteResource(rs.GetResource().GetAttributes())
		for _, ss := range rs.ScopeSpans {
			for _, s := range ss.Spans {
				c.spans = append(c.spans, s.Name)
			}
		}
	}
}

func (c *collector) noteMetrics(req *collmetrics.ExportMetricsServiceRequest) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, rm := range req.ResourceMetrics {
		for _, sm := range rm.ScopeMetrics {
			for _, m := range sm.Metrics {
				c.metrics = append(c.metrics, m.Name)
				for _, attrs := range pointAttributes(m) {
					c.points = append(c.points, m.Name+"{"+formatAttributes(attrs)+"}")
				}
			}
		}
	}
}

func (c *collector) noteLogs(req *colllogs.ExportLogsServiceRequest) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, rl := range req.ResourceLogs {
		for _, sl := range rl.ScopeLogs {
			for _, l := range sl.LogRecords {
				c.logs = append(c.logs, l.GetBody().GetStringValue())
			}
		}
	}
}

// pointAttributes returns the attributes of each data point of m.
func pointAttributes(m *metricspb.Metric) [][]*commonpb.KeyValue {
	var out [][]*commonpb.KeyValue
	for _, p := range m.GetSum().GetDataPoints() {
		out = append(out, p.Attributes)
	}
	for _, p := range m.GetGauge().GetDataPoints() {
		out = append(out, p.Attributes)
	}
	for _, p := range m.GetHistogram().GetDataPoints() {
		out = append(out, p.Attributes)
	}
	return out
}

func formatAttributes(attrs []*commonpb.KeyValue) string {
	parts := make([]string, len(attrs))
	for i, kv := range attrs {
		parts[i] = kv.Key + "=" + formatValue(kv.Value)
	}
	return strings.Join(parts, ",")
}

// formatValue prints a string as itself and an array as [a b].
func formatValue(v *commonpb.AnyValue) string {
	if a := v.GetArrayValue(); a != nil {
		items := make([]string, len(a.Values))
		for i, item := range a.Values {
			items[i] = formatValue(item)
		}
		return "[" + strings.Join(items, " ") + "]"
	}
	return v.GetStringValue()
}

func (c *collector) noteResource(attrs []*commonpb.KeyValue) {
	for _, kv := range attrs {
		switch kv.Key {
		case "service.name":
			c.services = append(c.services, kv.Value.GetStringValue())
		case "telemetry.distro.name":
			c.distros = append(c.distros, kv.Value.GetStringValue())
		}
	}
}

func decode(t *testing.T, w http.ResponseWriter, r *http.Request, m proto.Message) bool {
	body, err := io.ReadAll(r.Body)
	if err == nil {
		err = proto.Unmarshal(body, m)
	}
	if err != nil {
		t.Errorf("collector: bad %s request: %v", r.URL.Path, err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return false
	}
	return true
}

func reply(w http.ResponseWriter, m proto.Message) {
	b, _ := proto.Marshal(m)
	w.Header().Set("Content-Type", "application/x-protobuf")
	w.Write(b)
}

func (c *collector) snapshot() (spans, metrics, services, distros []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.spans), slices.Clone(c.metrics), slices.Clone(c.services), slices.Clone(c.distros)
}

// appEnv is the environment of the app: this process's, without OTEL_*
// settings, plus kv.
func appEnv(kv ...string) []string {
	var env []string
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "OTEL_") {
			env = append(env, e)
		}
	}
	return append(env, kv...)
}

// run runs the app in mode and returns its exit state and output.
type result struct {
	state    *os.ProcessState
	stdout   string
	stderr   string
	duration time.Duration
}

func runApp(t *testing.T, mode string, env []string, whenReady func(*os.Process)) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, buildApp(t), mode)
	cmd.Env = env
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		out.WriteString(sc.Text() + "\n")
		if sc.Text() == "ready" && whenReady != nil {
			whenReady(cmd.Process)
		}
	}
	err = cmd.Wait()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("running app %s: %v", mode, err)
	}
	return result{state: cmd.ProcessState, stdout: out.String(), stderr: stderr.String(), duration: time.Since(start)}
}

// TestEndToEndMetricsOnly: a program that makes metrics and no span has them
// exported every OTEL_METRIC_EXPORT_INTERVAL, not only at exit, whether it
// measures (a counter) or is observed (a gauge's callback).
func TestEndToEndMetricsOnly(t *testing.T) {
	for _, mode := range []string{"counter", "observed"} {
		t.Run(mode, func(t *testing.T) {
			c := newCollector(t)
			res := runApp(t, mode, appEnv("OTEL_EXPORTER_OTLP_ENDPOINT="+c.URL, "OTEL_METRIC_EXPORT_INTERVAL=100"), nil)
			if code := res.state.ExitCode(); code != 0 {
				t.Fatalf("exit code %d; stderr:\n%s", code, res.stderr)
			}
			spans, metrics, _, _ := c.snapshot()
			// 1 s at 100 ms is about 10 periodic exports, plus the one at exit.
			if n := countOf(metrics, "app."+mode); n < 4 {
				t.Errorf("app.%s exported %d times in 1 s with a 100 ms interval; stderr:\n%s", mode, n, res.stderr)
			}
			if len(spans) != 0 {
				t.Errorf("spans %q from a program that makes none", spans)
			}
		})
	}
}

func countOf(items []string, item string) int {
	n := 0
	for _, it := range items {
		if it == item {
			n++
		}
	}
	return n
}

func TestEndToEndReturnFromMain(t *testing.T) {
	c := newCollector(t)
	res := runApp(t, "return", appEnv("OTEL_EXPORTER_OTLP_ENDPOINT="+c.URL), nil)
	if code := res.state.ExitCode(); code != 0 {
		t.Fatalf("exit code %d, want 0; stderr:\n%s", code, res.stderr)
	}
	spans, metrics, services, distros := c.snapshot()
	if !slices.Equal(spans, []string{"return"}) {
		t.Errorf("spans %q, want [return]", spans)
	}
	if !slices.Contains(metrics, "app.runs") {
		t.Errorf("metrics %q, want app.runs", metrics)
	}
	if len(services) == 0 || services[0] != "app" {
		t.Errorf("service.name %q, want the executable's name, app", services)
	}
	if len(distros) == 0 || distros[0] != "autotel" {
		t.Errorf("telemetry.distro.name %q, want autotel", distros)
	}
	if res.stderr != "" {
		t.Errorf("stderr not empty:\n%s", res.stderr)
	}
}

// TestEndToEndTheProgramsEarlierProvidersAreKept: providers and an error
// handler that the program installs in an init function Go runs before the
// bootstrap's (testdata/app/early) stay the globals; the program's telemetry
// reaches them, not autotel's exporters. Without APP_EARLY_PROVIDERS the same
// program's span and metric reach autotel's collector (the control).
func TestEndToEndTheProgramsEarlierProvidersAreKept(t *testing.T) {
	c := newCollector(t)
	res := runApp(t, "early", appEnv("OTEL_EXPORTER_OTLP_ENDPOINT="+c.URL, "APP_EARLY_PROVIDERS=1"), nil)
	if code := res.state.ExitCode(); code != 0 {
		t.Fatalf("exit code %d; stderr:\n%s", code, res.stderr)
	}
	for _, line := range []string{"program's span: early", "program's metric: app.runs"} {
		if !strings.Contains(res.stdout, line+"\n") {
			t.Errorf("stdout lacks %q:\n%s", line, res.stdout)
		}
	}
	if spans, metrics, _, _ := c.snapshot(); len(spans) != 0 || len(metrics) != 0 {
		t.Errorf("autotel exported the program's telemetry: spans %q, metrics %q", spans, metrics)
	}

	control := newCollector(t)
	res = runApp(t, "early", appEnv("OTEL_EXPORTER_OTLP_ENDPOINT="+control.URL), nil)
	if code := res.state.ExitCode(); code != 0 || strings.Contains(res.stdout, "program's") {
		t.Fatalf("control: exit code %d, stdout:\n%s\nstderr:\n%s", code, res.stdout, res.stderr)
	}
	if spans, metrics, _, _ := control.snapshot(); !slices.Equal(spans, []string{"early"}) || !slices.Contains(metrics, "app.runs") {
		t.Errorf("control: spans %q, metrics %q, want [early] and app.runs", spans, metrics)
	}
}

func TestEndToEndOsExit(t *testing.T) {
	c := newCollector(t)
	res := runApp(t, "exit", appEnv("OTEL_EXPORTER_OTLP_ENDPOINT="+c.URL, "OTEL_SERVICE_NAME=checkout"), nil)
	if code := res.state.ExitCode(); code != 3 {
		t.Fatalf("exit code %d, want 3; stderr:\n%s", code, res.stderr)
	}
	spans, metrics, services, _ := c.snapshot()
	if !slices.Equal(spans, []string{"exit"}) {
		t.Errorf("spans %q, want [exit]", spans)
	}
	if !slices.Contains(metrics, "app.runs") {
		t.Errorf("metrics %q, want app.runs", metrics)
	}
	if len(services) == 0 || services[0] != "checkout" {
		t.Errorf("service.name %q, want OTEL_SERVICE_NAME's checkout", services)
	}
}

func TestEndToEndPanicInMain(t *testing.T) {
	c := newCollector(t)
	res := runApp(t, "panic", appEnv("OTEL_EXPORTER_OTLP_ENDPOINT="+c.URL), nil)
	if code := res.state.ExitCode(); code != 2 {
		t.Fatalf("exit code %d, want 2 (a panic); stderr:\n%s", code, res.stderr)
	}
	if !strings.Contains(res.stderr, "panic: app panics") {
		t.Errorf("stderr does not show the application's panic:\n%s", res.stderr)
	}
	if spans, _, _, _ := c.snapshot(); !slices.Equal(spans, []string{"panic"}) {
		t.Errorf("spans %q, want [panic]", spans)
	}
}

func TestEndToEndSDKDisabled(t *testing.T) {
	c := newCollector(t)
	res := runApp(t, "exit", appEnv("OTEL_EXPORTER_OTLP_ENDPOINT="+c.URL, "OTEL_SDK_DISABLED=true"), nil)
	if code := res.state.ExitCode(); code != 3 {
		t.Fatalf("exit code %d, want 3", code)
	}
	if spans, metrics, _, _ := c.snapshot(); len(spans)+len(metrics) != 0 {
		t.Errorf("received %q %q with OTEL_SDK_DISABLED=true", spans, metrics)
	}
}

// TestEndToEndCollectorDown: nothing listens at the endpoint; the program
// still exits normally and quickly, and says so once per signal plus what
// was lost, nothing more.
func TestEndToEndCollectorDown(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	res := runApp(t, "return", appEnv("OTEL_EXPORTER_OTLP_ENDPOINT=http://"+addr), nil)
	if code := res.state.ExitCode(); code != 0 {
		t.Fatalf("exit code %d, want 0; stderr:\n%s", code, res.stderr)
	}
	if res.duration > 2*defaultShutdownTimeout {
		t.Errorf("took %v to exit", res.duration)
	}
	refused := func(path string) string {
		return `Post "http://` + addr + path + `": dial tcp ` + addr + `: connect: connection refused`
	}
	const once = ", dropping them until an export succeeds (said once; what is lost is counted at exit): "
	want := []string{
		"autotel: cannot export metrics" + once + "failed to upload metrics: " + refused("/v1/metrics"),
		"autotel: cannot export traces" + once + refused("/v1/traces"),
		"autotel: not exported, the exports failed: 1 spans, 1 metrics",
	}
	got := strings.Split(strings.TrimSuffix(res.stderr, "\n"), "\n")
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("stderr:\n%s\nwant (in any order):\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestEndToEndCollectorHangs: the collector accepts and never answers; the
// exit is delayed by the shutdown bound only.
func TestEndToEndCollectorHangs(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	res := runApp(t, "return", appEnv("OTEL_EXPORTER_OTLP_ENDPOINT="+srv.URL), nil)
	if code := res.state.ExitCode(); code != 0 {
		t.Fatalf("exit code %d, want 0; stderr:\n%s", code, res.stderr)
	}
	if res.duration > defaultShutdownTimeout+5*time.Second {
		t.Errorf("took %v to exit, bound is %v", res.duration, defaultShutdownTimeout)
	}
	if want := "autotel: flush did not finish within 5s; telemetry may be lost\n"; res.stderr != want {
		t.Errorf("stderr %q, want %q", res.stderr, want)
	}
}
