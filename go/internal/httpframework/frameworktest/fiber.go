package frameworktest

import (
	"errors"
	"net/http/httptest"
	"testing"

	"autotel.dev/go/internal/httpframework"
	"go.opentelemetry.io/otel/codes"
)

// The checks of hooks that fiber v2 and v3 share, called with each
// version's hook.

// status is a response whose status an error handler answered, as a
// *fasthttp.Response tells it.
type status int

func (s status) StatusCode() int { return int(s) }

// CheckHandledErrors checks an error handler's exit hook (fiber's
// errorHandlerExit, called with the HandledError its enter hook made and
// whether the error handler failed): an error answered 500 or by an error
// handler that failed (fiber then answers 500) makes the span an error, one
// answered 404 does not; each is one exception event.
func CheckHandledErrors(t *testing.T, exit func(h *httpframework.HandledError, failed error)) {
	t.Helper()
	rec := Record(t)
	for _, tc := range []struct {
		status status
		failed error
	}{{500, nil}, {404, nil}, {200, errors.New("error handler failed")}} {
		req, end := Serve(httptest.NewRequest("GET", "/x", nil))
		exit(httpframework.StartHandledError(req.Context(), tc.status, errors.New("database is down")), tc.failed)
		end()
	}
	spans := rec.Ended()
	if len(spans) != 3 {
		t.Fatalf("%d spans", len(spans))
	}
	for i, wantError := range []bool{true, false, true} {
		if s := spans[i]; Exceptions(s) != 1 || (s.Status().Code == codes.Error) != wantError {
			t.Errorf("case %d: status %v events %v", i, s.Status(), s.Events())
		}
	}
}

// CheckPanicRaisedAgain checks an exit hook that recovers a handler's panic
// (deferred as its trampoline defers it, with the Routing of a request that
// has a server span): the panic is recorded on the span and raised again with
// the handler's own value.
func CheckPanicRaisedAgain(t *testing.T, exit func(*httpframework.Routing)) {
	t.Helper()
	rec := Record(t)
	req, end := Serve(httptest.NewRequest("GET", "/panic", nil))
	value := errors.New("handler panicked")
	var got any
	func() {
		defer func() { got = recover() }()
		defer exit(httpframework.StartRouting(req.Context(), "GET"))
		panic(value)
	}()
	end()
	if got != value {
		t.Fatalf("panicked with %v, want the handler's own value", got)
	}
	if s := Only(t, rec); s.Status().Code != codes.Error || Exceptions(s) != 1 {
		t.Fatalf("status %v events %v", s.Status(), s.Events())
	}
}
