package otlp

// config_test.go: the environment -> settings table (endpoints per protocol
// and signal, precedence of the signal's variables, headers, compression,
// timeout, insecure) and the errors New gives for values it cannot use.

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func TestSettingsFromEnvironment(t *testing.T) {
	type want struct {
		url     string
		headers []header
		gzip    bool
		timeout time.Duration
	}
	tests := []struct {
		name   string
		signal Signal
		grpc   bool
		env    map[string]string
		want   want
	}{
		{"http default traces", Traces, false, nil, want{url: "http://localhost:4318/v1/traces", timeout: 10 * time.Second}},
		{"http default metrics", Metrics, false, nil, want{url: "http://localhost:4318/v1/metrics", timeout: 10 * time.Second}},
		{"http default logs", Logs, false, nil, want{url: "http://localhost:4318/v1/logs", timeout: 10 * time.Second}},
		{"http generic base", Logs, false, map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "https://collector:4318"},
			want{url: "https://collector:4318/v1/logs", timeout: 10 * time.Second}},
		{"http generic base with a path and slash", Metrics, false, map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://gw/otlp/"},
			want{url: "http://gw/otlp/v1/metrics", timeout: 10 * time.Second}},
		{"http signal endpoint as is", Traces, false, map[string]string{
			"OTEL_EXPORTER_OTLP_ENDPOINT":        "http://generic:4318",
			"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://traces:9999/custom/path?x=1",
		}, want{url: "http://traces:9999/custom/path?x=1", timeout: 10 * time.Second}},
		{"http signal endpoint without path", Traces, false, map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://traces:9999"},
			want{url: "http://traces:9999/", timeout: 10 * time.Second}},
		{"http another signal's endpoint is not used", Metrics, false, map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://traces:9999"},
			want{url: "http://localhost:4318/v1/metrics", timeout: 10 * time.Second}},
		{"grpc default", Traces, true, nil,
			want{url: "http://localhost:4317/opentelemetry.proto.collector.trace.v1.TraceService/Export", timeout: 10 * time.Second}},
		{"grpc metrics path", Metrics, true, map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "https://collector:4317"},
			want{url: "https://collector:4317/opentelemetry.proto.collector.metrics.v1.MetricsService/Export", timeout: 10 * time.Second}},
		{"grpc logs path, endpoint path ignored", Logs, true, map[string]string{"OTEL_EXPORTER_OTLP_LOGS_ENDPOINT": "http://collector:4317/ignored"},
			want{url: "http://collector:4317/opentelemetry.proto.collector.logs.v1.LogsService/Export", timeout: 10 * time.Second}},
		{"grpc host:port is TLS", Traces, true, map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "collector:4317"},
			want{url: "https://collector:4317/opentelemetry.proto.collector.trace.v1.TraceService/Export", timeout: 10 * time.Second}},
		{"grpc host:port insecure", Traces, true, map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "127.0.0.1:4317", "OTEL_EXPORTER_OTLP_INSECURE": "TRUE"},
			want{url: "http://127.0.0.1:4317/opentelemetry.proto.collector.trace.v1.TraceService/Export", timeout: 10 * time.Second}},
		{"grpc signal insecure beats generic", Traces, true, map[string]string{
			"OTEL_EXPORTER_OTLP_ENDPOINT": "collector:4317", "OTEL_EXPORTER_OTLP_INSECURE": "true", "OTEL_EXPORTER_OTLP_TRACES_INSECURE": "false",
		}, want{url: "https://collector:4317/opentelemetry.proto.collector.trace.v1.TraceService/Export", timeout: 10 * time.Second}},
		{"grpc insecure ignored with a scheme", Traces, true, map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "https://collector:4317", "OTEL_EXPORTER_OTLP_INSECURE": "true"},
			want{url: "https://collector:4317/opentelemetry.proto.collector.trace.v1.TraceService/Export", timeout: 10 * time.Second}},
		{"headers percent-decoded and trimmed", Traces, false, map[string]string{"OTEL_EXPORTER_OTLP_HEADERS": " api-key = a%20b%2Cc , X-Tenant=t1,"},
			want{url: "http://localhost:4318/v1/traces", headers: []header{{"api-key", "a b,c"}, {"X-Tenant", "t1"}}, timeout: 10 * time.Second}},
		{"signal headers replace generic ones", Logs, false, map[string]string{"OTEL_EXPORTER_OTLP_HEADERS": "a=1", "OTEL_EXPORTER_OTLP_LOGS_HEADERS": "b=2"},
			want{url: "http://localhost:4318/v1/logs", headers: []header{{"b", "2"}}, timeout: 10 * time.Second}},
		{"grpc metadata keys are lower-case", Traces, true, map[string]string{"OTEL_EXPORTER_OTLP_HEADERS": "X-Tenant=T1"},
			want{url: "http://localhost:4317/opentelemetry.proto.collector.trace.v1.TraceService/Export", headers: []header{{"x-tenant", "T1"}}, timeout: 10 * time.Second}},
		{"gzip", Metrics, false, map[string]string{"OTEL_EXPORTER_OTLP_COMPRESSION": "GZIP"},
			want{url: "http://localhost:4318/v1/metrics", gzip: true, timeout: 10 * time.Second}},
		{"signal compression none beats generic gzip", Metrics, false, map[string]string{"OTEL_EXPORTER_OTLP_COMPRESSION": "gzip", "OTEL_EXPORTER_OTLP_METRICS_COMPRESSION": "none"},
			want{url: "http://localhost:4318/v1/metrics", timeout: 10 * time.Second}},
		{"timeout", Traces, false, map[string]string{"OTEL_EXPORTER_OTLP_TIMEOUT": "2500"},
			want{url: "http://localhost:4318/v1/traces", timeout: 2500 * time.Millisecond}},
		{"signal timeout beats generic", Metrics, false, map[string]string{"OTEL_EXPORTER_OTLP_TIMEOUT": "2500", "OTEL_EXPORTER_OTLP_METRICS_TIMEOUT": "700"},
			want{url: "http://localhost:4318/v1/metrics", timeout: 700 * time.Millisecond}},
		{"bad timeout falls back to 10 s", Traces, false, map[string]string{"OTEL_EXPORTER_OTLP_TIMEOUT": "10s"},
			want{url: "http://localhost:4318/v1/traces", timeout: 10 * time.Second}},
		{"zero timeout falls back to 10 s", Traces, false, map[string]string{"OTEL_EXPORTER_OTLP_TIMEOUT": "0"},
			want{url: "http://localhost:4318/v1/traces", timeout: 10 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := loadSettings(tt.signal, tt.grpc, envOf(tt.env))
			if err != nil {
				t.Fatal(err)
			}
			got := want{url: st.url.String(), headers: st.headers, gzip: st.gzip, timeout: st.timeout}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
			if st.tls != nil {
				t.Errorf("a TLS configuration without certificate variables")
			}
		})
	}
}

func TestNewRejectsUnusableValues(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := newPKI(t)
	tests := []struct {
		name     string
		protocol string
		env      map[string]string
		want     string
	}{
		{"protocol", "http/json", nil, `otlp: unsupported protocol "http/json" (want http/protobuf or grpc)`},
		{"http endpoint without scheme", "", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "collector:4318"},
			`OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318" is not an http:// or https:// URL`},
		{"http endpoint with another scheme", "", map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "ftp://collector"},
			`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "ftp://collector" is not an http:// or https:// URL`},
		{"grpc endpoint with another scheme", "grpc", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "unix:///tmp/s"},
			`OTEL_EXPORTER_OTLP_ENDPOINT: "unix:///tmp/s" is not an http:// or https:// URL nor host:port`},
		{"grpc insecure", "grpc", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "collector:4317", "OTEL_EXPORTER_OTLP_TRACES_INSECURE": "yes"},
			`OTEL_EXPORTER_OTLP_TRACES_INSECURE: "yes" is neither true nor false`},
		{"header without =", "", map[string]string{"OTEL_EXPORTER_OTLP_HEADERS": "a=1,b"},
			`OTEL_EXPORTER_OTLP_HEADERS: "b" is not key=value with a header name as key`},
		{"header key", "", map[string]string{"OTEL_EXPORTER_OTLP_TRACES_HEADERS": "a b=1"},
			`OTEL_EXPORTER_OTLP_TRACES_HEADERS: "a b=1" is not key=value with a header name as key`},
		{"header escape", "", map[string]string{"OTEL_EXPORTER_OTLP_HEADERS": "a=%zz"},
			`OTEL_EXPORTER_OTLP_HEADERS: the value of "a": invalid URL escape "%zz"`},
		{"compression", "", map[string]string{"OTEL_EXPORTER_OTLP_COMPRESSION": "zstd"},
			`OTEL_EXPORTER_OTLP_COMPRESSION: unsupported compression "zstd" (want gzip or none)`},
		{"certificate missing", "", map[string]string{"OTEL_EXPORTER_OTLP_CERTIFICATE": filepath.Join(dir, "missing.pem")},
			`OTEL_EXPORTER_OTLP_CERTIFICATE: open ` + filepath.Join(dir, "missing.pem") + `: no such file or directory`},
		{"certificate not PEM", "", map[string]string{"OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE": notPEM},
			`OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE: ` + notPEM + ` holds no PEM certificate`},
		{"client key without certificate", "", map[string]string{"OTEL_EXPORTER_OTLP_CLIENT_KEY": p.clientKeyFile},
			`OTEL_EXPORTER_OTLP_CLIENT_KEY is set without OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE`},
		{"client certificate without key", "", map[string]string{"OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE": p.clientCertFile},
			`OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE is set without OTEL_EXPORTER_OTLP_CLIENT_KEY`},
		{"client key of another certificate", "", map[string]string{
			"OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE": p.clientCertFile, "OTEL_EXPORTER_OTLP_CLIENT_KEY": p.serverKeyFile,
		}, `OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE, OTEL_EXPORTER_OTLP_CLIENT_KEY: tls: private key does not match public key`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(Traces, tt.protocol, envOf(tt.env))
			if err == nil || err.Error() != tt.want {
				t.Errorf("New = %v, %v\nwant error %s", c, err, tt.want)
			}
			if c != nil {
				t.Errorf("New returned a client with its error")
			}
		})
	}
}

func TestSignalCertificatesBeatGenericOnes(t *testing.T) {
	p, other := newPKI(t), newPKI(t)
	st, err := loadSettings(Logs, false, envOf(map[string]string{
		"OTEL_EXPORTER_OTLP_CERTIFICATE":             other.caFile,
		"OTEL_EXPORTER_OTLP_LOGS_CERTIFICATE":        p.caFile,
		"OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE":      other.clientCertFile,
		"OTEL_EXPORTER_OTLP_LOGS_CLIENT_CERTIFICATE": p.clientCertFile,
		"OTEL_EXPORTER_OTLP_CLIENT_KEY":              other.clientKeyFile,
		"OTEL_EXPORTER_OTLP_LOGS_CLIENT_KEY":         p.clientKeyFile,
	}))
	if err != nil {
		t.Fatal(err)
	}
	if !st.tls.RootCAs.Equal(p.caPool) {
		t.Errorf("roots are not the LOGS_CERTIFICATE's")
	}
	want, err := os.ReadFile(p.clientCertFile)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.tls.Certificates) != 1 || !reflect.DeepEqual(st.tls.Certificates[0].Certificate[0], pemDER(t, want)) {
		t.Errorf("client certificate is not the LOGS_CLIENT_CERTIFICATE's")
	}
}
