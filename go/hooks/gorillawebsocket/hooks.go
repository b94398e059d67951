// Package gorillawebsocket is autotel's instrumentation of gorilla/websocket
// (github.com/gorilla/websocket; instrumentation name "gorillawebsocket",
// rules in rules/gorillawebsocket.yaml). It makes no server span: it gives
// net/http's SERVER span of an upgraded request the status that gorilla writes
// on the hijacked connection, which net/http never sees
// (autotel.dev/go/hooks/nethttp, hijack.go); and it makes the CLIENT span of
// the Dialer's handshake, which does not go through net/http's Transport:
//
//   - upgradeEnter/upgradeExit on (*Upgrader).Upgrade: between them the
//     server span stays open across the hijack (httpframework.StartUpgrade);
//     at the exit it ends with http.response.status_code 101 when Upgrade
//     returned a connection, which it does only after writing "HTTP/1.1 101
//     Switching Protocols" successfully, and with no status code when the
//     upgrade failed after the hijack (nothing, or not all, was written). A
//     handshake Upgrade refuses before hijacking is answered through the
//     ResponseWriter (http.Error): net/http's hook sees that status as usual.
//   - dialEnter/dialExit on (*Dialer).DialContext (dialer.go): the handshake's
//     CLIENT span and duration, its trace context sent in a copy of the
//     program's request header.
//
// It imports nothing of gorilla/websocket (the receivers and the *Conn results
// are read as unsafe.Pointer), so it lives in the core module.
package gorillawebsocket

import (
	"net/http"
	"unsafe"

	"autotel.dev/go/api"
	"autotel.dev/go/internal/httpframework"
)

var inst = api.NewInstrumentation("gorillawebsocket")

// upgradeEnter is the enter hook of (*Upgrader).Upgrade(w http.ResponseWriter,
// r *http.Request, responseHeader http.Header) (*Conn, error).
func upgradeEnter(_ unsafe.Pointer, _ *http.ResponseWriter, r **http.Request, _ *http.Header) (*httpframework.Served, bool) {
	defer api.Guard("gorillawebsocket.upgradeEnter")
	if !inst.Enabled() || *r == nil {
		return nil, false
	}
	return httpframework.StartUpgrade((*r).Context()), false
}

// upgradeExit is the exit hook of (*Upgrader).Upgrade: conn points to the
// returned *Conn.
func upgradeExit(s *httpframework.Served, conn *unsafe.Pointer, err *error) {
	defer api.Guard("gorillawebsocket.upgradeExit")
	status := 0
	if *err == nil && *conn != nil {
		status = http.StatusSwitchingProtocols
	}
	s.EndUpgrade(status)
}
