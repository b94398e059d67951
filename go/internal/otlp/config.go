package otlp

// config.go owns the environment -> settings step: the URL a signal's exports
// go to, their headers, compression, timeout and TLS, read from the
// OTEL_EXPORTER_OTLP_* variables as the specification's "OTLP Exporter
// Configuration" has them. Every variable is looked up on its own, the
// signal's (OTEL_EXPORTER_OTLP_TRACES_HEADERS) before the generic one
// (OTEL_EXPORTER_OTLP_HEADERS).
//
// Endpoints:
//   - OTLP/HTTP: the signal's endpoint is used as is (an empty path is "/");
//     the generic one is a base URL to which /v1/traces, /v1/metrics or
//     /v1/logs is appended; default http://localhost:4318. The URL must have
//     the http or https scheme.
//   - OTLP/gRPC: http://host:port (cleartext, HTTP/2 without TLS: h2c),
//     https://host:port (TLS), or host:port without a scheme, which is TLS
//     unless OTEL_EXPORTER_OTLP_[SIGNAL_]INSECURE is true; default
//     http://localhost:4317. A path in the endpoint is ignored: the request
//     path is the service's method, /opentelemetry.proto.collector.trace.v1.TraceService/Export.
//
// Fallbacks (documented, not errors): a TIMEOUT that is not a positive
// number of milliseconds is the default 10 s (the sdk reports the bad value
// itself); INSECURE is read for gRPC endpoints without a scheme only.

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

const (
	defaultHTTPEndpoint = "http://localhost:4318"
	defaultGRPCEndpoint = "http://localhost:4317"
	defaultTimeout      = 10 * time.Second
)

// settings are one signal's resolved configuration.
type settings struct {
	// url is the whole URL of an export (scheme http or https).
	url     *url.URL
	headers []header
	gzip    bool
	timeout time.Duration
	// tls is nil for the system's roots and no client certificate.
	tls *tls.Config
}

type header struct{ key, value string }

func (s Signal) envName() string {
	return [...]string{"TRACES", "METRICS", "LOGS"}[s]
}

func (s Signal) httpPath() string {
	return [...]string{"/v1/traces", "/v1/metrics", "/v1/logs"}[s]
}

func (s Signal) grpcPath() string {
	return [...]string{
		"/opentelemetry.proto.collector.trace.v1.TraceService/Export",
		"/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
		"/opentelemetry.proto.collector.logs.v1.LogsService/Export",
	}[s]
}

// rejectedUnit names what the partial_success's rejected count counts.
func (s Signal) rejectedUnit() string {
	return [...]string{"spans", "data points", "log records"}[s]
}

func (s Signal) String() string {
	return [...]string{"traces", "metrics", "logs"}[s]
}

// env reads one signal's variables.
type env struct {
	getenv func(string) string
	signal Signal
}

// lookup returns the variable that applies for name (HEADERS: the signal's
// OTEL_EXPORTER_OTLP_TRACES_HEADERS if set, else OTEL_EXPORTER_OTLP_HEADERS),
// its value trimmed, and whether it is the signal's own.
func (e env) lookup(name string) (key, value string, own bool) {
	key = "OTEL_EXPORTER_OTLP_" + e.signal.envName() + "_" + name
	if v := strings.TrimSpace(e.getenv(key)); v != "" {
		return key, v, true
	}
	key = "OTEL_EXPORTER_OTLP_" + name
	return key, strings.TrimSpace(e.getenv(key)), false
}

func loadSettings(s Signal, grpc bool, getenv func(string) string) (settings, error) {
	e := env{getenv, s}
	var st settings
	var err error
	if grpc {
		st.url, err = e.grpcURL()
	} else {
		st.url, err = e.httpURL()
	}
	if err != nil {
		return st, err
	}
	if st.headers, err = e.headers(grpc); err != nil {
		return st, err
	}
	if st.gzip, err = e.compression(); err != nil {
		return st, err
	}
	st.timeout = e.timeout()
	if st.tls, err = e.tlsConfig(); err != nil {
		return st, err
	}
	return st, nil
}

func (e env) httpURL() (*url.URL, error) {
	key, v, own := e.lookup("ENDPOINT")
	if v == "" {
		key, v = "default endpoint", defaultHTTPEndpoint
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%s: %q is not an http:// or https:// URL", key, v)
	}
	switch {
	case own && u.Path == "":
		u.Path = "/"
	case !own:
		u.Path = strings.TrimSuffix(u.Path, "/") + e.signal.httpPath()
		u.RawPath = ""
	}
	return u, nil
}

func (e env) grpcURL() (*url.URL, error) {
	key, v, _ := e.lookup("ENDPOINT")
	if v == "" {
		key, v = "default endpoint", defaultGRPCEndpoint
	}
	var u *url.URL
	if strings.Contains(v, "://") {
		var err error
		u, err = url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("%s: %q is not an http:// or https:// URL nor host:port", key, v)
		}
	} else {
		h, err := url.Parse("//" + v)
		if err != nil || h.Host == "" || h.User != nil {
			return nil, fmt.Errorf("%s: %q is not an http:// or https:// URL nor host:port", key, v)
		}
		insecure, err := e.insecure()
		if err != nil {
			return nil, err
		}
		u = &url.URL{Scheme: "https", Host: h.Host}
		if insecure {
			u.Scheme = "http"
		}
	}
	return &url.URL{Scheme: u.Scheme, Host: u.Host, Path: e.signal.grpcPath()}, nil
}

func (e env) insecure() (bool, error) {
	key, v, _ := e.lookup("INSECURE")
	switch strings.ToLower(v) {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	}
	return false, fmt.Errorf("%s: %q is neither true nor false", key, v)
}

// headers parses key=value,key=value with percent-encoded values (the
// W3C Baggage format the specification names). gRPC metadata keys are
// lower-case.
func (e env) headers(grpc bool) ([]header, error) {
	key, v, _ := e.lookup("HEADERS")
	if v == "" {
		return nil, nil
	}
	var hs []header
	for _, pair := range strings.Split(v, ",") {
		if strings.TrimSpace(pair) == "" {
			continue
		}
		k, val, ok := strings.Cut(pair, "=")
		k = strings.TrimSpace(k)
		if !ok || !validHeaderKey(k) {
			return nil, fmt.Errorf("%s: %q is not key=value with a header name as key", key, pair)
		}
		dec, err := url.PathUnescape(strings.TrimSpace(val))
		if err != nil {
			return nil, fmt.Errorf("%s: the value of %q: %v", key, k, err)
		}
		if grpc {
			k = strings.ToLower(k)
		}
		hs = append(hs, header{k, strings.TrimSpace(dec)})
	}
	return hs, nil
}

// validHeaderKey: an HTTP token (RFC 9110 tchar).
func validHeaderKey(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

func (e env) compression() (bool, error) {
	key, v, _ := e.lookup("COMPRESSION")
	switch strings.ToLower(v) {
	case "", "none":
		return false, nil
	case "gzip":
		return true, nil
	}
	return false, fmt.Errorf("%s: unsupported compression %q (want gzip or none)", key, v)
}

func (e env) timeout() time.Duration {
	_, v, _ := e.lookup("TIMEOUT")
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 || n > int64(time.Duration(1<<63-1)/time.Millisecond) {
		return defaultTimeout
	}
	return time.Duration(n) * time.Millisecond
}

// tlsConfig reads CERTIFICATE (the roots that verify the collector) and
// CLIENT_CERTIFICATE + CLIENT_KEY (mTLS); nil when none is set.
func (e env) tlsConfig() (*tls.Config, error) {
	caKey, ca, _ := e.lookup("CERTIFICATE")
	certKey, cert, _ := e.lookup("CLIENT_CERTIFICATE")
	keyKey, key, _ := e.lookup("CLIENT_KEY")
	if ca == "" && cert == "" && key == "" {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if ca != "" {
		pem, err := os.ReadFile(ca)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", caKey, err)
		}
		cfg.RootCAs = x509.NewCertPool()
		if !cfg.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s: %s holds no PEM certificate", caKey, ca)
		}
	}
	switch {
	case cert == "" && key == "":
	case cert == "":
		return nil, fmt.Errorf("%s is set without %s", keyKey, certKey)
	case key == "":
		return nil, fmt.Errorf("%s is set without %s", certKey, keyKey)
	default:
		certPEM, err := os.ReadFile(cert)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", certKey, err)
		}
		keyPEM, err := os.ReadFile(key)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", keyKey, err)
		}
		pair, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			return nil, fmt.Errorf("%s, %s: %v", certKey, keyKey, err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	return cfg, nil
}
