package gorillawebsocket

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"unsafe"

	"autotel.dev/go/internal/httpframework"
	"go.opentelemetry.io/otel/trace/noop"
)

// upgrade calls the hooks as the trampolines of (*Upgrader).Upgrade do,
// around a hijack that the server hook defers, and returns the status the
// server span ended with (-1: it did not end).
func upgrade(conn unsafe.Pointer, err error) int {
	ctx, served := httpframework.WithServed(context.Background(), noop.Span{})
	r, _ := http.NewRequestWithContext(ctx, "GET", "http://example.com/ws", nil)
	var w http.ResponseWriter
	var h http.Header
	st, skip := upgradeEnter(nil, &w, &r, &h)
	if st == nil || skip {
		panic("upgradeEnter did not announce the upgrade")
	}
	status := -1
	if !served.DeferUntilUpgraded(func(s int) { status = s }) { // the hijack
		panic("the hijack was not deferred")
	}
	upgradeExit(st, &conn, &err)
	return status
}

func TestAnUpgradeThatReturnsAConnectionWrote101(t *testing.T) {
	var c struct{}
	if got := upgrade(unsafe.Pointer(&c), nil); got != http.StatusSwitchingProtocols {
		t.Fatalf("status %d, want 101", got)
	}
}

func TestAnUpgradeThatFailedAfterTheHijackHasNoStatus(t *testing.T) {
	if got := upgrade(nil, errors.New("websocket: client sent data before handshake is complete")); got != 0 {
		t.Fatalf("status %d, want 0 (none)", got)
	}
}

func TestARequestWithoutAServerSpanIsLeftAlone(t *testing.T) {
	r, _ := http.NewRequest("GET", "http://example.com/ws", nil)
	var w http.ResponseWriter
	var h http.Header
	if st, skip := upgradeEnter(nil, &w, &r, &h); st != nil || skip {
		t.Fatalf("upgradeEnter returned %v, %v", st, skip)
	}
}
