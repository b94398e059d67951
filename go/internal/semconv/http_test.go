package semconv

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
)

func emitted(kvs []attribute.KeyValue) map[string]string {
	m := map[string]string{}
	for _, kv := range kvs {
		m[string(kv.Key)] = kv.Value.Emit()
	}
	return m
}

func sameMap(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if bv, ok := b[k]; !ok || bv != v {
			return false
		}
	}
	return true
}

func TestReadHTTPServerRequest(t *testing.T) {
	tests := []struct {
		name  string
		req   func() *http.Request
		facts HTTPServer
		attrs map[string]string
		span  string
	}{
		{
			name: "plain request",
			req: func() *http.Request {
				r := httptest.NewRequest("GET", "http://shop.test:8080/cart?id=1", nil)
				r.RemoteAddr = "10.0.0.5:51000"
				r.Header.Set("User-Agent", "curl/8")
				return r
			},
			facts: HTTPServer{Method: "GET", Scheme: "http", ProtocolVersion: "1.1"},
			attrs: map[string]string{
				"http.request.method": "GET", "url.scheme": "http", "url.path": "/cart", "url.query": "id=1",
				"server.address": "shop.test", "server.port": "8080",
				"client.address": "10.0.0.5", "client.port": "51000",
				"network.peer.address": "10.0.0.5", "network.peer.port": "51000",
				"user_agent.original": "curl/8", "network.protocol.version": "1.1",
			},
			span: "GET",
		},
		{
			name: "behind a proxy: Forwarded wins",
			req: func() *http.Request {
				r := httptest.NewRequest("POST", "/pay", nil)
				r.Host = "internal:80"
				r.RemoteAddr = "[::1]:4000"
				r.Header.Set("Forwarded", `for="[2001:db8::1]:1234";proto=HTTPS;host=shop.example, for=10.0.0.1`)
				r.Header.Set("X-Forwarded-For", "192.0.2.9")
				return r
			},
			facts: HTTPServer{Method: "POST", Scheme: "https", ProtocolVersion: "1.1"},
			attrs: map[string]string{
				"http.request.method": "POST", "url.scheme": "https", "url.path": "/pay",
				"server.address": "shop.example", "client.address": "2001:db8::1",
				"network.peer.address": "::1", "network.peer.port": "4000",
				"network.protocol.version": "1.1",
			},
			span: "POST",
		},
		{
			name: "behind a proxy: X-Forwarded-*",
			req: func() *http.Request {
				r := httptest.NewRequest("GET", "/", nil)
				r.RemoteAddr = "10.0.0.2:1"
				r.Header.Set("X-Forwarded-For", "203.0.113.7, 10.0.0.2")
				r.Header.Set("X-Forwarded-Proto", "https")
				r.Header.Set("X-Forwarded-Host", "api.example:8443")
				return r
			},
			facts: HTTPServer{Method: "GET", Scheme: "https", ProtocolVersion: "1.1"},
			attrs: map[string]string{
				"http.request.method": "GET", "url.scheme": "https", "url.path": "/",
				"server.address": "api.example", "server.port": "8443", "client.address": "203.0.113.7",
				"network.peer.address": "10.0.0.2", "network.peer.port": "1",
				"network.protocol.version": "1.1",
			},
			span: "GET",
		},
		{
			name: "TLS, HTTP/2, unknown method, signed query",
			req: func() *http.Request {
				r := httptest.NewRequest("get", "https://h.test/x?X-Amz-Signature=s&a=b", nil)
				r.TLS = &tls.ConnectionState{}
				r.ProtoMajor, r.ProtoMinor = 2, 0
				r.RemoteAddr = "1.2.3.4:5"
				return r
			},
			facts: HTTPServer{Method: "_OTHER", Scheme: "https", ProtocolVersion: "2"},
			attrs: map[string]string{
				"http.request.method": "_OTHER", "http.request.method_original": "get",
				"url.scheme": "https", "url.path": "/x", "url.query": "X-Amz-Signature=REDACTED&a=b",
				"server.address": "h.test", "client.address": "1.2.3.4", "client.port": "5",
				"network.peer.address": "1.2.3.4", "network.peer.port": "5",
				"network.protocol.version": "2",
			},
			span: "HTTP",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			facts, kvs := ReadHTTPServerRequest(tt.req())
			if facts != tt.facts {
				t.Errorf("facts %+v, want %+v", facts, tt.facts)
			}
			if got := emitted(kvs); !sameMap(got, tt.attrs) {
				t.Errorf("attributes\n got %v\nwant %v", got, tt.attrs)
			}
			if got := facts.SpanName(""); got != tt.span {
				t.Errorf("span name %q, want %q", got, tt.span)
			}
		})
	}
}

func TestSpanNameWithRoute(t *testing.T) {
	if got := (HTTPServer{Method: "GET"}).SpanName("/items/{id}"); got != "GET /items/{id}" {
		t.Errorf("got %q", got)
	}
	if got := (HTTPServer{Method: "_OTHER"}).SpanName("/x"); got != "HTTP /x" {
		t.Errorf("got %q", got)
	}
}

func TestReadHTTPClientRequest(t *testing.T) {
	tests := []struct {
		url   string
		facts HTTPClient
		full  string
	}{
		{"http://example.com/a", HTTPClient{"GET", "example.com", 80}, "http://example.com/a"},
		{"https://example.com/a", HTTPClient{"GET", "example.com", 443}, "https://example.com/a"},
		{"https://u:p@example.com:8443/a?sig=x&q=1#frag", HTTPClient{"GET", "example.com", 8443}, "https://REDACTED:REDACTED@example.com:8443/a?sig=REDACTED&q=1#frag"},
		{"http://[::1]:9000/", HTTPClient{"GET", "::1", 9000}, "http://[::1]:9000/"},
		{"http://u@h/", HTTPClient{"GET", "h", 80}, "http://REDACTED:REDACTED@h/"},
	}
	for _, tt := range tests {
		r, err := http.NewRequest("GET", tt.url, nil)
		if err != nil {
			t.Fatal(err)
		}
		facts, kvs := ReadHTTPClientRequest(r)
		if facts != tt.facts {
			t.Errorf("%s: facts %+v, want %+v", tt.url, facts, tt.facts)
		}
		if got := emitted(kvs)["url.full"]; got != tt.full {
			t.Errorf("%s: url.full %q, want %q", tt.url, got, tt.full)
		}
	}
}

func TestRedactQuery(t *testing.T) {
	for raw, want := range map[string]string{
		"":                          "",
		"a=1&b=2":                   "a=1&b=2",
		"sig=abc":                   "sig=REDACTED",
		"a=1&Signature=x&b=2":       "a=1&Signature=REDACTED&b=2",
		"sig=1&sig=2":               "sig=REDACTED&sig=REDACTED",
		"SIG=1":                     "SIG=1",
		"sig":                       "sig",
		"X%2DGoog%2DSignature=v&z=": "X%2DGoog%2DSignature=REDACTED&z=",
		"a=1&":                      "a=1&",
		"AWSAccessKeyId=k&X-Amz-Credential=c&X-Amz-Security-Token=t": "AWSAccessKeyId=REDACTED&X-Amz-Credential=REDACTED&X-Amz-Security-Token=REDACTED",
	} {
		if got := redactQuery(raw); got != want {
			t.Errorf("redactQuery(%q) = %q, want %q", raw, got, want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { redactQuery("a=1&b=2&c=3") }); n != 0 {
		t.Errorf("redactQuery allocates %v times when it redacts nothing", n)
	}
}

func TestProtocolVersion(t *testing.T) {
	for _, tt := range []struct {
		major, minor int
		want         string
	}{{1, 0, "1.0"}, {1, 1, "1.1"}, {2, 0, "2"}, {3, 0, "3"}, {0, 0, ""}, {4, 2, "4.2"}} {
		if got := protocolVersion(tt.major, tt.minor); got != tt.want {
			t.Errorf("protocolVersion(%d, %d) = %q, want %q", tt.major, tt.minor, got, tt.want)
		}
	}
}

func TestStatus(t *testing.T) {
	for _, tt := range []struct {
		code                 int
		server, client       codes.Code
		serverErr, clientErr string
	}{
		{0, codes.Unset, codes.Unset, "", ""},
		{200, codes.Unset, codes.Unset, "", ""},
		{302, codes.Unset, codes.Unset, "", ""},
		{404, codes.Unset, codes.Error, "", "404"},
		{500, codes.Error, codes.Error, "500", "500"},
		{99, codes.Error, codes.Error, "99", "99"},
		{600, codes.Error, codes.Error, "600", "600"},
	} {
		if c, e := HTTPServerStatus(tt.code); c != tt.server || e != tt.serverErr {
			t.Errorf("server %d: %v %q, want %v %q", tt.code, c, e, tt.server, tt.serverErr)
		}
		if c, e := HTTPClientStatus(tt.code); c != tt.client || e != tt.clientErr {
			t.Errorf("client %d: %v %q, want %v %q", tt.code, c, e, tt.client, tt.clientErr)
		}
	}
}

func TestErrorType(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want string
	}{
		{context.DeadlineExceeded, "timeout"},
		{fmt.Errorf("wrapped: %w", context.Canceled), "canceled"},
		{&net.OpError{Op: "dial", Err: errors.New("refused")}, "*net.OpError"},
		{&url.Error{Op: "Get", Err: os.ErrDeadlineExceeded}, "timeout"},
		{errors.New("x"), "*errors.errorString"},
	} {
		if got := ErrorType(tt.err); got != tt.want {
			t.Errorf("ErrorType(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

func TestKnownMethodsOverride(t *testing.T) {
	m := parseKnownMethods(" GET, PURGE ,")
	if !m["GET"] || !m["PURGE"] || m["POST"] || len(m) != 2 {
		t.Errorf("parseKnownMethods = %v", m)
	}
	if d := parseKnownMethods(""); len(d) != 9 || !d["PATCH"] {
		t.Errorf("default known methods %v", d)
	}
}

func TestMetricOptionsCarryTheDurationAttributes(t *testing.T) {
	s := HTTPServer{Method: "GET", Scheme: "https", ProtocolVersion: "2"}
	set := recorded(s.MetricOptions(503, "/x", "503"))
	got := emitted(set.ToSlice())
	want := map[string]string{
		"http.request.method": "GET", "url.scheme": "https", "http.response.status_code": "503",
		"http.route": "/x", "error.type": "503", "network.protocol.version": "2",
	}
	if !sameMap(got, want) {
		t.Errorf("server metric attributes %v, want %v", got, want)
	}
	c := HTTPClient{Method: "POST", ServerAddress: "h", ServerPort: 443}
	set = recorded(c.MetricOptions(0, "", "timeout"))
	got = emitted(set.ToSlice())
	want = map[string]string{"http.request.method": "POST", "server.address": "h", "server.port": "443", "error.type": "timeout"}
	if !sameMap(got, want) {
		t.Errorf("client metric attributes %v, want %v", got, want)
	}
}
