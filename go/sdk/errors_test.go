package sdk

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestStderrErrorHandlerRateLimits(t *testing.T) {
	var out strings.Builder
	h := newStderrErrorHandler(&out)
	now := time.Unix(1000, 0)
	h.now = func() time.Time { return now }

	h.Handle(errors.New("traces export: connection refused"))
	h.Handle(errors.New("traces export: connection refused"))
	h.Handle(errors.New("autotel: hook x panicked: boom; instrumentation continues"))
	h.Handle(nil)
	now = now.Add(repeatInterval)
	h.Handle(errors.New("traces export: connection refused"))

	want := "autotel: traces export: connection refused\n" +
		"autotel: hook x panicked: boom; instrumentation continues\n" +
		"autotel: traces export: connection refused\n"
	if out.String() != want {
		t.Fatalf("wrote:\n%s\nwant:\n%s", out.String(), want)
	}
}

func TestStderrErrorHandlerMemoryIsBounded(t *testing.T) {
	var out strings.Builder
	h := newStderrErrorHandler(&out)
	for i := range 3 * maxRemembered {
		h.Handle(errors.New(strings.Repeat("x", i)))
	}
	if len(h.last) > maxRemembered {
		t.Fatalf("remembers %d messages, bound is %d", len(h.last), maxRemembered)
	}
}
