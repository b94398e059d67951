package gorillawebsocket

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"unsafe"

	"autotel.dev/go/internal/spantest"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// dial calls the hooks as the trampolines of (*Dialer).DialContext do, with
// the answer the Dialer got; it returns the header the Dialer sends.
func dial(t *testing.T, ctx context.Context, urlStr string, header http.Header, resp *http.Response, err error) http.Header {
	t.Helper()
	st, skip := dialEnter(nil, &ctx, &urlStr, &header)
	if skip {
		t.Fatal("dialEnter skipped DialContext")
	}
	var conn unsafe.Pointer
	dialExit(st, &conn, &resp, &err)
	return header
}

func TestHandshakeSpan(t *testing.T) {
	rec := spantest.Record(t)
	spantest.Propagate(t)
	caller := http.Header{"Origin": {"http://example.com"}}
	sent := dial(t, context.Background(), "ws://chat.test:8080/room?id=1", caller,
		&http.Response{StatusCode: http.StatusSwitchingProtocols, ProtoMajor: 1, ProtoMinor: 1}, nil)

	spans := rec.Ended()
	if len(spans) != 1 {
		t.Fatalf("%d spans, want the handshake's", len(spans))
	}
	s := spans[0]
	if s.Name() != "GET" || s.SpanKind() != trace.SpanKindClient || s.Status().Code != codes.Unset {
		t.Errorf("span %q kind %v status %v", s.Name(), s.SpanKind(), s.Status())
	}
	spantest.WantAttrs(t, s, map[string]any{
		"http.request.method":       "GET",
		"url.full":                  "http://chat.test:8080/room?id=1",
		"server.address":            "chat.test",
		"server.port":               int64(8080),
		"http.response.status_code": int64(101),
		"network.protocol.version":  "1.1",
	})
	if want := "00-" + s.SpanContext().TraceID().String() + "-" + s.SpanContext().SpanID().String() + "-01"; sent.Get("Traceparent") != want {
		t.Errorf("traceparent sent %q, want %q", sent.Get("Traceparent"), want)
	}
	if sent.Get("Origin") != "http://example.com" {
		t.Errorf("the caller's headers are not sent: %v", sent)
	}
	if len(caller) != 1 || caller.Get("Traceparent") != "" {
		t.Errorf("the caller's header map was written: %v", caller)
	}
}

func TestRefusedHandshakeTakesTheServersStatus(t *testing.T) {
	rec := spantest.Record(t)
	dial(t, context.Background(), "wss://chat.test/room", nil,
		&http.Response{StatusCode: http.StatusForbidden, ProtoMajor: 1, ProtoMinor: 1}, errors.New("websocket: bad handshake"))
	s := rec.Ended()[0]
	spantest.WantAttrs(t, s, map[string]any{"url.full": "https://chat.test/room", "server.port": int64(443), "http.response.status_code": int64(403), "error.type": "403"})
	if s.Status().Code != codes.Error {
		t.Errorf("status %v, want Error", s.Status())
	}
}

func TestFailedDialHasTheErrorType(t *testing.T) {
	rec := spantest.Record(t)
	dial(t, context.Background(), "ws://127.0.0.1:1/", nil, nil, errors.New("connection refused"))
	s := rec.Ended()[0]
	a := spantest.Attrs(s)
	if _, status := a["http.response.status_code"]; a["error.type"].AsString() != "*errors.errorString" || status {
		t.Errorf("attributes %v", a)
	}
}

func TestNotAWebSocketURLStartsNothing(t *testing.T) {
	rec := spantest.Record(t)
	for _, u := range []string{"http://chat.test/", "::not a url"} {
		ctx, header := context.Background(), http.Header(nil)
		if st, _ := dialEnter(nil, &ctx, &u, &header); st != nil {
			t.Errorf("%q: a span for a URL the Dialer refuses", u)
		}
	}
	if n := len(rec.Started()); n != 0 {
		t.Errorf("%d spans started", n)
	}
}
