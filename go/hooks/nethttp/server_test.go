package nethttp

import (
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

const (
	remoteTraceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	remoteSpanID  = "00f067aa0ba902b7"
)

// get sends a plain (uninstrumented) request.
func get(t *testing.T, method, rawURL string, header http.Header) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

func hostPort(t *testing.T, srv *httptest.Server) (string, string) {
	u, _ := url.Parse(srv.URL)
	host, port, err := net.SplitHostPort(u.Host)
	if err != nil {
		t.Fatal(err)
	}
	return host, port
}

func TestServerSpan(t *testing.T) {
	tel := setup(t)
	withStatusAccessor(t)

	var handlerSpan trace.SpanContext
	var handlerBaggage string
	m := newMux()
	m.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) {
		handlerSpan = trace.SpanContextFromContext(r.Context())
		handlerBaggage = baggage.FromContext(r.Context()).Member("tenant").Value()
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, "made")
	})
	srv := newServer(t, m)
	host, port := hostPort(t, srv)

	resp := get(t, "GET", srv.URL+"/items/42?q=1&sig=secret", http.Header{
		"Traceparent": {"00-" + remoteTraceID + "-" + remoteSpanID + "-01"},
		"Baggage":     {"tenant=acme"},
		"User-Agent":  {"autotel-test/1"},
	})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("status %d", resp.StatusCode)
	}

	spans := tel.ended("server")
	if len(spans) != 1 {
		t.Fatalf("%d server spans, want 1", len(spans))
	}
	s := spans[0]
	if s.Name() != "GET /items/{id}" {
		t.Errorf("name %q, want %q", s.Name(), "GET /items/{id}")
	}
	if s.Parent().TraceID().String() != remoteTraceID || s.Parent().SpanID().String() != remoteSpanID || !s.Parent().IsRemote() {
		t.Errorf("parent %v, want the remote span %s/%s", s.Parent(), remoteTraceID, remoteSpanID)
	}
	if s.SpanContext().TraceID().String() != remoteTraceID {
		t.Errorf("trace id %s, want the caller's %s", s.SpanContext().TraceID(), remoteTraceID)
	}
	if !handlerSpan.Equal(s.SpanContext()) {
		t.Errorf("the handler's context carries span %v, want the server span %v", handlerSpan, s.SpanContext())
	}
	if handlerBaggage != "acme" {
		t.Errorf("baggage tenant = %q in the handler, want acme", handlerBaggage)
	}
	if s.Status().Code != codes.Unset {
		t.Errorf("status %v, want unset", s.Status())
	}
	if s.InstrumentationScope().Name != "autotel.dev/go/hooks/nethttp" {
		t.Errorf("scope %+v", s.InstrumentationScope())
	}
	checkAttrs(t, "server span", s.Attributes(), map[string]string{
		"http.request.method":       "GET",
		"url.scheme":                "http",
		"url.path":                  "/items/42",
		"url.query":                 "q=1&sig=REDACTED",
		"server.address":            host,
		"server.port":               port,
		"client.address":            "127.0.0.1",
		"client.port":               "*",
		"network.peer.address":      "127.0.0.1",
		"network.peer.port":         "*",
		"user_agent.original":       "autotel-test/1",
		"network.protocol.version":  "1.1",
		"http.route":                "/items/{id}",
		"http.response.status_code": "201",
	})

	m2, points := tel.histogram(t, "http.server.request.duration")
	if m2.Unit != "s" {
		t.Errorf("unit %q, want s", m2.Unit)
	}
	if len(points) != 1 || points[0].Count != 1 {
		t.Fatalf("data points %+v, want one with count 1", points)
	}
	checkBuckets(t, m2.Name, points[0])
	checkAttrs(t, "server metric", points[0].Attributes.ToSlice(), map[string]string{
		"http.request.method":       "GET",
		"url.scheme":                "http",
		"http.response.status_code": "201",
		"http.route":                "/items/{id}",
		"network.protocol.version":  "1.1",
	})
}

func TestServerStatus(t *testing.T) {
	for _, tt := range []struct {
		code      int
		write     bool // write a body instead of calling WriteHeader
		wantCode  codes.Code
		errorType string
	}{
		{code: 200, write: true, wantCode: codes.Unset},
		{code: 404, wantCode: codes.Unset},
		{code: 500, wantCode: codes.Error, errorType: "500"},
		{code: 503, wantCode: codes.Error, errorType: "503"},
	} {
		t.Run(strconv.Itoa(tt.code), func(t *testing.T) {
			tel := setup(t)
			withStatusAccessor(t)
			srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.write {
					io.WriteString(w, "body")
					return
				}
				w.WriteHeader(tt.code)
			}))
			get(t, "GET", srv.URL+"/", nil)

			s := tel.ended("server")[0]
			if s.Status().Code != tt.wantCode || s.Status().Description != "" {
				t.Errorf("status %+v, want %v without description", s.Status(), tt.wantCode)
			}
			a := attrs(s.Attributes())
			if a["http.response.status_code"] != strconv.Itoa(tt.code) {
				t.Errorf("http.response.status_code %q, want %d", a["http.response.status_code"], tt.code)
			}
			if a["error.type"] != tt.errorType {
				t.Errorf("error.type %q, want %q", a["error.type"], tt.errorType)
			}
			if s.Name() != "GET" {
				t.Errorf("name %q, want GET (no route without a mux)", s.Name())
			}
			_, points := tel.histogram(t, "http.server.request.duration")
			if got := attrs(points[0].Attributes.ToSlice())["error.type"]; got != tt.errorType {
				t.Errorf("metric error.type %q, want %q", got, tt.errorType)
			}
		})
	}
}

func TestServerWithoutStatusAccessor(t *testing.T) {
	tel := setup(t)
	withoutStatusAccessor(t)
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
	}))
	get(t, "GET", srv.URL+"/", nil)

	s := tel.ended("server")[0]
	a := attrs(s.Attributes())
	if _, ok := a["http.response.status_code"]; ok {
		t.Errorf("status code %q reported without an accessor", a["http.response.status_code"])
	}
	if s.Status().Code != codes.Unset {
		t.Errorf("status %v, want unset when the status code is unknown", s.Status())
	}
	_, points := tel.histogram(t, "http.server.request.duration")
	checkAttrs(t, "server metric", points[0].Attributes.ToSlice(), map[string]string{
		"http.request.method":      "GET",
		"url.scheme":               "http",
		"network.protocol.version": "1.1",
	})
}

func TestServerUnknownMethod(t *testing.T) {
	tel := setup(t)
	withStatusAccessor(t)
	srv := newServer(t, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	get(t, "PURGE", srv.URL+"/cache", nil)

	s := tel.ended("server")[0]
	if s.Name() != "HTTP" {
		t.Errorf("name %q, want HTTP", s.Name())
	}
	a := attrs(s.Attributes())
	if a["http.request.method"] != "_OTHER" || a["http.request.method_original"] != "PURGE" {
		t.Errorf("method %q original %q, want _OTHER and PURGE", a["http.request.method"], a["http.request.method_original"])
	}
}

func TestServerRoute(t *testing.T) {
	for _, tt := range []struct {
		name      string
		pattern   string // registered on the inner mux
		prefix    string // outer mux prefix in front of the inner mux, "" for none
		path      string
		host      string
		wantName  string
		wantRoute string
	}{
		{name: "path only", pattern: "/static/", path: "/static/app.js", wantName: "GET /static/", wantRoute: "/static/"},
		{name: "method and wildcard", pattern: "GET /items/{id}", path: "/items/7", wantName: "GET /items/{id}", wantRoute: "/items/{id}"},
		{name: "host is stripped", pattern: "GET example.com/items/{id}", path: "/items/7", host: "example.com", wantName: "GET /items/{id}", wantRoute: "/items/{id}"},
		{name: "end anchor is dropped", pattern: "GET /{$}", path: "/", wantName: "GET /", wantRoute: "/"},
		{name: "rest wildcard", pattern: "/files/{path...}", path: "/files/a/b", wantName: "GET /files/{path...}", wantRoute: "/files/{path...}"},
		{name: "innermost mux wins", pattern: "GET /v1/{x}", prefix: "/api", path: "/api/v1/7", wantName: "GET /v1/{x}", wantRoute: "/v1/{x}"},
		{name: "no match", pattern: "GET /only", path: "/other", wantName: "GET", wantRoute: ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tel := setup(t)
			withStatusAccessor(t)
			inner := newMux()
			inner.HandleFunc(tt.pattern, func(http.ResponseWriter, *http.Request) {})
			var h http.Handler = inner
			if tt.prefix != "" {
				outer := newMux()
				outer.Handle(tt.prefix+"/", http.StripPrefix(tt.prefix, inner))
				h = outer
			}
			srv := newServer(t, h)
			req, _ := http.NewRequest("GET", srv.URL+tt.path, nil)
			if tt.host != "" {
				req.Host = tt.host
			}
			resp, err := http.DefaultTransport.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()

			s := tel.ended("server")[0]
			if s.Name() != tt.wantName {
				t.Errorf("name %q, want %q", s.Name(), tt.wantName)
			}
			if got := attrs(s.Attributes())["http.route"]; got != tt.wantRoute {
				t.Errorf("http.route %q, want %q", got, tt.wantRoute)
			}
			_, points := tel.histogram(t, "http.server.request.duration")
			if got := attrs(points[0].Attributes.ToSlice())["http.route"]; got != tt.wantRoute {
				t.Errorf("metric http.route %q, want %q", got, tt.wantRoute)
			}
		})
	}
}

func TestRouteOf(t *testing.T) {
	for pattern, want := range map[string]string{
		"/":                            "/",
		"/{$}":                         "/",
		"GET /items/{id}":              "/items/{id}",
		"GET  /items/{id}":             "/items/{id}",
		"example.com/":                 "/",
		"POST example.com/items/{id}":  "/items/{id}",
		"GET example.com/a/{$}":        "/a/",
		"/files/{path...}":             "/files/{path...}",
		"DELETE {host}.example.com/x/": "/x/",
	} {
		if got := routeOf(pattern); got != want {
			t.Errorf("routeOf(%q) = %q, want %q", pattern, got, want)
		}
	}
}

func TestServerHandsBackMultipartForm(t *testing.T) {
	setup(t)
	withStatusAccessor(t)
	var body strings.Builder
	mw := multipart.NewWriter(&body)
	mw.WriteField("a", "1")
	mw.Close()
	orig := httptest.NewRequest("POST", "/upload", strings.NewReader(body.String()))
	orig.Header.Set("Content-Type", mw.FormDataContentType())

	var seen *http.Request
	serveHTTP(httptest.NewRecorder(), orig, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = r
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			t.Error(err)
		}
	}))
	if seen == orig {
		t.Fatal("the handler got the server's request, want one with the span's context")
	}
	if orig.MultipartForm == nil || orig.MultipartForm != seen.MultipartForm {
		t.Fatal("the parsed multipart form was not handed back to the server's request, which removes its files")
	}
}

func TestServerDisabled(t *testing.T) {
	tel := setup(t)
	disable(t)
	var got *http.Request
	orig := httptest.NewRequest("GET", "/", nil)
	serveHTTP(httptest.NewRecorder(), orig, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r }))
	if got != orig {
		t.Error("a disabled hook replaced the request")
	}
	if n := len(tel.spans.Ended()); n != 0 {
		t.Errorf("%d spans while disabled", n)
	}

	rw := http.ResponseWriter(httptest.NewRecorder())
	sm := http.NewServeMux()
	allocs := testing.AllocsPerRun(100, func() {
		req := orig
		if st, skip := serverEnter(nil, &rw, &req); st != nil || skip {
			t.Fatal("serverEnter did not return (nil, false) while disabled")
		}
		if st, skip := muxEnter(&sm, &rw, &req); st != nil || skip {
			t.Fatal("muxEnter did not return (nil, false) while disabled")
		}
	})
	if allocs != 0 {
		t.Errorf("disabled enter hooks allocate %v times per call", allocs)
	}
}

func TestServerHookSurvivesNilRequest(t *testing.T) {
	setup(t)
	rw := http.ResponseWriter(httptest.NewRecorder())
	var req *http.Request
	if st, skip := serverEnter(nil, &rw, &req); st != nil || skip {
		t.Fatal("serverEnter with a nil request did not return (nil, false)")
	}
	serverExit(nil)
	muxExit(nil)
}
