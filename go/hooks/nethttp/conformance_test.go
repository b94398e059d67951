package nethttp

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"autotel.dev/go/internal/conformance"
	"autotel.dev/go/internal/httpframework"
)

// protoVersion parses "1.1" or "2.0".
func protoVersion(t *testing.T, proto string) (int, int) {
	major, minor, ok := strings.Cut(proto, ".")
	ma, err1 := strconv.Atoi(major)
	mi, err2 := strconv.Atoi(minor)
	if !ok || err1 != nil || err2 != nil {
		t.Fatalf("http.json: proto %q is not MAJOR.MINOR", proto)
	}
	return ma, mi
}

// Every server row, served through the hooks as a rewritten
// serverHandler.ServeHTTP runs them: behind the row's ServeMux pattern, or
// by a handler that sets the route as the gin and echo hooks do.
func TestConformanceServer(t *testing.T) {
	for i, row := range conformance.Rows[conformance.HTTPServerRow](t, "http.json", "server") {
		tel := setup(t)
		withStatusAccessor(t)
		var next http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if row.Route != "" {
				httpframework.SetRoute(r.Context(), r.Method, row.Route)
			}
			if row.StatusCode != 0 {
				w.WriteHeader(row.StatusCode)
			}
		})
		if row.Pattern != "" {
			m := newMux()
			m.Handle(row.Pattern, next)
			next = m
		}
		scheme := "http"
		if row.TLS {
			scheme = "https"
		}
		target := scheme + "://" + row.Host + row.Path
		if row.Query != "" {
			target += "?" + row.Query
		}
		req := httptest.NewRequest(row.Method, target, nil)
		req.RemoteAddr = row.RemoteAddr
		req.ProtoMajor, req.ProtoMinor = protoVersion(t, row.Proto)
		req.Proto = "HTTP/" + row.Proto
		req.Header.Del("User-Agent")
		if row.UserAgent != "" {
			req.Header.Set("User-Agent", row.UserAgent)
		}
		serveHTTP(&statusRecorder{ResponseWriter: httptest.NewRecorder()}, req, next)
		conformance.Check(t, fmt.Sprintf("http.json server #%d %s %s", i, row.Method, target), tel.spans.Ended(), row.Expect)
	}
}

// Every client row, through the hooks as a rewritten Transport.RoundTrip
// runs them, with the row's response.
func TestConformanceClient(t *testing.T) {
	for i, row := range conformance.Rows[conformance.HTTPClientRow](t, "http.json", "client") {
		tel := setup(t)
		req, err := http.NewRequest(row.Method, row.URL, nil)
		if err != nil {
			t.Fatalf("http.json client #%d: %v", i, err)
		}
		st, _ := clientEnter(nil, &req)
		resp := &http.Response{StatusCode: row.StatusCode, Request: req}
		resp.ProtoMajor, resp.ProtoMinor = protoVersion(t, row.Proto)
		var rtErr error
		clientExit(st, &resp, &rtErr)
		conformance.Check(t, fmt.Sprintf("http.json client #%d %s %s", i, row.Method, row.URL), tel.spans.Ended(), row.Expect)
	}
}
