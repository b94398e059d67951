package nethttp

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"autotel.dev/go/api"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// echoServer is an uninstrumented server that records the headers it got.
type echoServer struct {
	*httptest.Server
	headers chan http.Header
}

func newEchoServer(t *testing.T, status int) *echoServer {
	s := &echoServer{headers: make(chan http.Header, 10)}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.headers <- r.Header.Clone()
		w.WriteHeader(status)
	}))
	t.Cleanup(s.Close)
	return s
}

func TestClientSpan(t *testing.T) {
	tel := setup(t)
	srv := newEchoServer(t, http.StatusOK)
	host, port := hostPort(t, srv.Server)

	ctx, parent := otel.Tracer("test").Start(context.Background(), "parent")
	member, _ := baggage.NewMember("tenant", "acme")
	bag, _ := baggage.New(member)
	ctx = baggage.ContextWithBaggage(ctx, bag)
	u := strings.Replace(srv.URL, "http://", "http://user:secret@", 1) + "/items/7?sig=abc&b=1"
	req, _ := http.NewRequestWithContext(ctx, "GET", u, nil)
	req.Header.Set("X-Mine", "1")

	resp, err := newClient(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	parent.End()

	spans := tel.ended("client")
	if len(spans) != 1 {
		t.Fatalf("%d client spans, want 1", len(spans))
	}
	s := spans[0]
	if s.Name() != "GET" {
		t.Errorf("name %q, want GET", s.Name())
	}
	if s.Parent().SpanID() != parent.SpanContext().SpanID() || s.SpanContext().TraceID() != parent.SpanContext().TraceID() {
		t.Errorf("parent %v, want the caller's span %v", s.Parent(), parent.SpanContext())
	}
	if s.Status().Code != codes.Unset {
		t.Errorf("status %v, want unset", s.Status())
	}
	checkAttrs(t, "client span", s.Attributes(), map[string]string{
		"http.request.method":       "GET",
		"url.full":                  "http://REDACTED:REDACTED@" + host + ":" + port + "/items/7?sig=REDACTED&b=1",
		"server.address":            host,
		"server.port":               port,
		"http.response.status_code": "200",
		"network.protocol.version":  "1.1",
	})

	got := <-srv.headers
	want := "00-" + s.SpanContext().TraceID().String() + "-" + s.SpanContext().SpanID().String() + "-01"
	if got.Get("Traceparent") != want {
		t.Errorf("server got traceparent %q, want the client span's %q", got.Get("Traceparent"), want)
	}
	if got.Get("Baggage") != "tenant=acme" {
		t.Errorf("server got baggage %q, want tenant=acme", got.Get("Baggage"))
	}
	if got.Get("X-Mine") != "1" {
		t.Error("the caller's own header was lost")
	}
	if req.Header.Get("Traceparent") != "" || req.Header.Get("Baggage") != "" || len(req.Header) != 1 {
		t.Errorf("the caller's request was modified: %v", req.Header)
	}

	m, points := tel.histogram(t, "http.client.request.duration")
	if m.Unit != "s" || len(points) != 1 || points[0].Count != 1 {
		t.Fatalf("metric %s unit %q points %+v, want s and one point", m.Name, m.Unit, points)
	}
	checkBuckets(t, m.Name, points[0])
	checkAttrs(t, "client metric", points[0].Attributes.ToSlice(), map[string]string{
		"http.request.method":       "GET",
		"server.address":            host,
		"server.port":               port,
		"http.response.status_code": "200",
		"network.protocol.version":  "1.1",
	})
}

func TestClientStatus(t *testing.T) {
	for _, tt := range []struct {
		code      int
		wantCode  codes.Code
		errorType string
	}{
		{200, codes.Unset, ""},
		{302, codes.Unset, ""},
		{404, codes.Error, "404"},
		{503, codes.Error, "503"},
	} {
		t.Run(strconv.Itoa(tt.code), func(t *testing.T) {
			tel := setup(t)
			srv := newEchoServer(t, tt.code)
			req, _ := http.NewRequest("POST", srv.URL+"/x", strings.NewReader("body"))
			resp, err := transport{&http.Transport{}}.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.Request != req {
				t.Error("resp.Request is the hook's clone, want the caller's request")
			}

			s := tel.ended("client")[0]
			if s.Name() != "POST" {
				t.Errorf("name %q, want POST", s.Name())
			}
			if s.Status().Code != tt.wantCode {
				t.Errorf("status %v, want %v", s.Status(), tt.wantCode)
			}
			a := attrs(s.Attributes())
			if a["error.type"] != tt.errorType || a["http.response.status_code"] != strconv.Itoa(tt.code) {
				t.Errorf("error.type %q status %q, want %q and %d", a["error.type"], a["http.response.status_code"], tt.errorType, tt.code)
			}
			_, points := tel.histogram(t, "http.client.request.duration")
			if got := attrs(points[0].Attributes.ToSlice())["error.type"]; got != tt.errorType {
				t.Errorf("metric error.type %q, want %q", got, tt.errorType)
			}
		})
	}
}

func TestClientTransportError(t *testing.T) {
	tel := setup(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	host, port, _ := net.SplitHostPort(addr)

	req, _ := http.NewRequest("GET", "http://"+addr+"/", nil)
	resp, err := transport{&http.Transport{}}.RoundTrip(req)
	if err == nil {
		resp.Body.Close()
		t.Fatal("no error from a closed port")
	}
	s := tel.ended("client")[0]
	if s.Status().Code != codes.Error || s.Status().Description != err.Error() {
		t.Errorf("status %+v, want error %q", s.Status(), err.Error())
	}
	checkAttrs(t, "client span", s.Attributes(), map[string]string{
		"http.request.method": "GET",
		"url.full":            "http://" + addr + "/",
		"server.address":      host,
		"server.port":         port,
		"error.type":          "*net.OpError",
	})
	_, points := tel.histogram(t, "http.client.request.duration")
	checkAttrs(t, "client metric", points[0].Attributes.ToSlice(), map[string]string{
		"http.request.method": "GET",
		"server.address":      host,
		"server.port":         port,
		"error.type":          "*net.OpError",
	})
}

func TestClientDefaultPort(t *testing.T) {
	tel := setup(t)
	req, _ := http.NewRequest("GET", "https://example.invalid/path", nil)
	tr := &http.Transport{DialContext: func(context.Context, string, string) (net.Conn, error) {
		return nil, &net.OpError{Op: "dial", Err: errTest}
	}}
	if _, err := (transport{tr}).RoundTrip(req); err == nil {
		t.Fatal("want an error")
	}
	a := attrs(tel.ended("client")[0].Attributes())
	if a["server.address"] != "example.invalid" || a["server.port"] != "443" {
		t.Errorf("server %q:%q, want example.invalid:443", a["server.address"], a["server.port"])
	}
}

type testError struct{}

func (testError) Error() string { return "test error" }

var errTest = testError{}

// TestClientSuppressed: the SDK's exporters send their requests with a
// suppressed context; they must not be traced or changed.
func TestClientSuppressed(t *testing.T) {
	tel := setup(t)
	srv := newEchoServer(t, http.StatusOK)
	ctx, parent := otel.Tracer("test").Start(api.Suppress(context.Background()), "export")
	defer parent.End()
	req, _ := http.NewRequestWithContext(ctx, "POST", srv.URL+"/v1/traces", nil)
	resp, err := transport{&http.Transport{}}.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if n := len(tel.ended("client")); n != 0 {
		t.Errorf("%d client spans for a suppressed request", n)
	}
	if h := <-srv.headers; h.Get("Traceparent") != "" {
		t.Errorf("a suppressed request carried traceparent %q", h.Get("Traceparent"))
	}
}

// TestClientUnderOtelhttp: under otelhttp's Transport (the program traces its
// client calls itself) the round trip carries otelhttp's CLIENT span in its
// context and the headers otelhttp injected. The hook leaves it alone: no
// second span and the traceparent unchanged. (A tracer with otelhttp's
// instrumentation scope stands in for otelhttp here; build mode's
// coexistence test uses the real one.) A call made in a handler the program
// traces (a SERVER span in ctx) still gets autotel's span.
func TestClientUnderOtelhttp(t *testing.T) {
	tel := setup(t)
	srv := newEchoServer(t, http.StatusOK)
	otelhttp := otel.Tracer("go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp")
	ctx, span := otelhttp.Start(context.Background(), "HTTP GET", trace.WithSpanKind(trace.SpanKindClient))
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
	otel.GetTextMapPropagator().Inject(ctx, propagation.HeaderCarrier(req.Header))
	want := req.Header.Get("Traceparent")
	resp, err := transport{&http.Transport{}}.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	span.End()
	if got := (<-srv.headers).Get("Traceparent"); got != want || want == "" {
		t.Errorf("traceparent %q, want otelhttp's %q", got, want)
	}
	if s := tel.ended("client"); len(s) != 1 || s[0].Name() != "HTTP GET" {
		t.Errorf("client spans %v, want otelhttp's only", s)
	}

	ctx, server := otelhttp.Start(context.Background(), "GET /", trace.WithSpanKind(trace.SpanKindServer))
	defer server.End()
	req, _ = http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
	resp, err = transport{&http.Transport{}}.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	<-srv.headers
	if s := tel.ended("client"); len(s) != 2 || s[1].Parent().SpanID() != server.SpanContext().SpanID() {
		t.Errorf("client spans %v, want autotel's as a child of the program's SERVER span", s)
	}
}

// TestClientNilHeader: the transport rejects a request without a Header;
// the hook must not hide that by cloning.
func TestClientNilHeader(t *testing.T) {
	tel := setup(t)
	srv := newEchoServer(t, http.StatusOK)
	req, _ := http.NewRequest("GET", srv.URL, nil)
	req.Header = nil
	resp, err := transport{&http.Transport{}}.RoundTrip(req)
	if err == nil {
		resp.Body.Close()
		t.Fatal("the transport accepted a nil Header")
	}
	if s := tel.ended("client"); len(s) != 1 || s[0].Status().Code != codes.Error {
		t.Fatalf("spans %v, want one error span", s)
	}
}

func TestClientUnknownMethod(t *testing.T) {
	tel := setup(t)
	srv := newEchoServer(t, http.StatusOK)
	req, _ := http.NewRequest("PROPFIND", srv.URL, nil)
	resp, err := transport{&http.Transport{}}.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	s := tel.ended("client")[0]
	a := attrs(s.Attributes())
	if s.Name() != "HTTP" || a["http.request.method"] != "_OTHER" || a["http.request.method_original"] != "PROPFIND" {
		t.Errorf("name %q method %q original %q, want HTTP, _OTHER, PROPFIND", s.Name(), a["http.request.method"], a["http.request.method_original"])
	}
}

func TestClientDisabled(t *testing.T) {
	tel := setup(t)
	disable(t)
	srv := newEchoServer(t, http.StatusOK)
	req, _ := http.NewRequest("GET", srv.URL, nil)
	resp, err := transport{&http.Transport{}}.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if n := len(tel.spans.Ended()); n != 0 {
		t.Errorf("%d spans while disabled", n)
	}
	if h := <-srv.headers; h.Get("Traceparent") != "" {
		t.Error("a disabled hook injected traceparent")
	}
	tr := &http.Transport{}
	allocs := testing.AllocsPerRun(100, func() {
		r := req
		if st, skip := clientEnter(&tr, &r); st != nil || skip || r != req {
			t.Fatal("clientEnter did not return (nil, false) and leave the request alone while disabled")
		}
	})
	if allocs != 0 {
		t.Errorf("disabled clientEnter allocates %v times per call", allocs)
	}
}

// TestClientToServer runs an instrumented client against an instrumented
// server: one trace, the server span a child of the client span.
func TestClientToServer(t *testing.T) {
	tel := setup(t)
	withStatusAccessor(t)
	m := newMux()
	m.HandleFunc("GET /hello", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hi") })
	srv := newServer(t, m)

	ctx, root := otel.Tracer("test").Start(context.Background(), "root")
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/hello", nil)
	resp, err := newClient(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	root.End()

	client, server := tel.ended("client"), tel.ended("server")
	if len(client) != 1 || len(server) != 1 {
		t.Fatalf("%d client and %d server spans, want 1 and 1", len(client), len(server))
	}
	want := trace.SpanContextConfig{TraceID: root.SpanContext().TraceID()}
	if server[0].SpanContext().TraceID() != want.TraceID || client[0].SpanContext().TraceID() != want.TraceID {
		t.Error("client and server spans are not in the root's trace")
	}
	if server[0].Parent().SpanID() != client[0].SpanContext().SpanID() {
		t.Errorf("server parent %s, want the client span %s", server[0].Parent().SpanID(), client[0].SpanContext().SpanID())
	}
	if client[0].Parent().SpanID() != root.SpanContext().SpanID() {
		t.Errorf("client parent %s, want the root %s", client[0].Parent().SpanID(), root.SpanContext().SpanID())
	}
	if server[0].Name() != "GET /hello" {
		t.Errorf("server span %q", server[0].Name())
	}
}
