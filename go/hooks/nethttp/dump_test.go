package nethttp

import (
	"context"
	"io"
	"net/http"
	"net/http/httputil"
	"strings"
	"testing"

	"autotel.dev/go/api"
	"go.opentelemetry.io/otel"
)

// dumpRequestOut is httputil.DumpRequestOut after rewriting.
func dumpRequestOut(req *http.Request, body bool) (__autotel_r0 []byte, __autotel_r1 error) {
	if __autotel_st, __autotel_skip := dumpOutEnter(&req, &body); __autotel_st != nil {
		defer dumpOutExit(__autotel_st, &__autotel_r0, &__autotel_r1)
		if __autotel_skip {
			return
		}
	} else if __autotel_skip {
		return
	}
	return httputil.DumpRequestOut(req, body)
}

func newDumpedRequest(t *testing.T, ctx context.Context) *http.Request {
	req, err := http.NewRequestWithContext(ctx, "POST", "https://example.com/items?id=7", strings.NewReader("payload"))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Mine", "1")
	return req
}

// The dump's round trip is suppressed, so the client hook makes no span for
// it, and the caller's request keeps its body: the dump and the body read
// afterwards are what they are without the hooks.
func TestDumpRequestOutRunsSuppressedAndRestoresTheBody(t *testing.T) {
	tel := setup(t)
	ctx, parent := otel.Tracer("test").Start(context.Background(), "parent")
	defer parent.End()

	req := newDumpedRequest(t, ctx)
	seen := req
	st, _ := dumpOutEnter(&seen, new(bool))
	if seen == req || !api.Suppressed(seen.Context()) || api.Suppressed(req.Context()) {
		t.Fatalf("DumpRequestOut must get a suppressed clone and the caller's request keep its context")
	}
	tr := &http.Transport{}
	if cst, _ := clientEnter(&tr, &seen); cst != nil {
		t.Fatal("the client hook traced the dump's round trip")
	}
	dumpOutExit(st, nil, nil)

	want, err := httputil.DumpRequestOut(newDumpedRequest(t, ctx), true)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		got, err := dumpRequestOut(req, true)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Fatalf("dump %d:\n%s\nwant:\n%s", i, got, want)
		}
	}
	body, err := io.ReadAll(req.Body)
	if err != nil || string(body) != "payload" {
		t.Fatalf("the caller's body after the dumps: %q, %v", body, err)
	}
	if spans := tel.ended("client"); len(spans) != 0 {
		t.Fatalf("%d client spans, want none", len(spans))
	}
}

func TestDumpRequestOutIsLeftAloneWhenDisabled(t *testing.T) {
	setup(t)
	disable(t)
	req := newDumpedRequest(t, context.Background())
	seen := req
	if st, _ := dumpOutEnter(&seen, new(bool)); st != nil || seen != req {
		t.Fatal("a disabled instrumentation changed DumpRequestOut's request")
	}
}
