package nethttp

// A handler that hijacks its connection (http.Hijacker, as WebSocket
// libraries do to answer an upgrade) has finished the HTTP exchange: what
// follows on the connection is another protocol, which may last for hours
// while the handler keeps running. The server span ends at the hijack, with
// the status that was sent before it, and the request duration metric is
// recorded then.
//
// The status is only what was observed, never guessed:
//   - a header the handler wrote before hijacking (coder/websocket's Accept
//     calls WriteHeader(101)) is sent by Hijack itself: that status;
//   - without one, net/http sent nothing, and the handler writes the response
//     on the raw connection. A library hook that sees the response written
//     (gorilla/websocket's Upgrade returns a connection only once its "101
//     Switching Protocols" is written; autotel.dev/go/hooks/gorillawebsocket)
//     announces the upgrade beforehand (httpframework.StartUpgrade); the span
//     then ends when that hook reports the status it saw. Otherwise the span
//     ends at the hijack with no http.response.status_code.
//
// The span stays current on the handler's goroutine until the handler
// returns, so calls made while serving the upgraded connection stay in the
// request's trace.
//
// The hook on (*response).Hijack finds the request's state in the field
// autotel_server that rules/nethttp.yaml adds to net/http's response, set by
// serverEnter, through accessors that rules/files/nethttp_hijack.go
// registers (registerHijackAccessors). Without that group of rules the span
// ends when the handler returns.

import (
	"bufio"
	"net"
	"net/http"
	"sync/atomic"
	"unsafe"

	"autotel.dev/go/api"
)

// hijackAccessors are registered from net/http's init, before this package's
// initialization: no initializer. serverSlot returns a *response's field
// autotel_server (nil for other ResponseWriters); hijacking returns the field
// of the *response at p and the status sent before a hijack (0: none).
var hijackAccessors struct {
	serverSlot func(http.ResponseWriter) *unsafe.Pointer
	hijacking  func(p unsafe.Pointer) (*unsafe.Pointer, int)
}

// registerHijackAccessors is the setter that rules/files/nethttp_hijack.go
// pulls with //go:linkname.
func registerHijackAccessors(slot func(http.ResponseWriter) *unsafe.Pointer, hijacking func(unsafe.Pointer) (*unsafe.Pointer, int)) {
	if slot != nil && hijacking != nil {
		hijackAccessors.serverSlot, hijackAccessors.hijacking = slot, hijacking
	}
}

// linkResponse keeps st in w's field autotel_server, for hijackEnter.
func linkResponse(w http.ResponseWriter, st *serverState) {
	if hijackAccessors.serverSlot == nil {
		return
	}
	if slot := hijackAccessors.serverSlot(w); slot != nil {
		atomic.StorePointer(slot, unsafe.Pointer(st))
	}
}

// hijack carries one Hijack call from hijackEnter to hijackExit.
type hijack struct {
	st     *serverState
	status int // sent by net/http before the hijack, 0 when none
}

// hijackEnter is the enter hook of (*net/http.response).Hijack() (net.Conn,
// *bufio.ReadWriter, error). w points to the receiver, a *response.
func hijackEnter(w *unsafe.Pointer) (*hijack, bool) {
	defer api.Guard("nethttp.hijackEnter")
	if hijackAccessors.hijacking == nil || *w == nil {
		return nil, false
	}
	slot, status := hijackAccessors.hijacking(*w)
	if slot == nil {
		return nil, false
	}
	st := (*serverState)(atomic.LoadPointer(slot))
	if st == nil || st.yielded || st.finished.Load() {
		return nil, false
	}
	return &hijack{st: st, status: status}, false
}

// hijackExit is the exit hook of (*response).Hijack: once the connection is
// the handler's, the span ends (see the top of this file).
func hijackExit(h *hijack, _ *net.Conn, _ **bufio.ReadWriter, err *error) {
	defer api.Guard("nethttp.hijackExit")
	if *err != nil {
		return // not hijacked (already hijacked, or HTTP/2): nothing changed
	}
	st, sent := h.st, h.status
	end := func(status int) {
		if status == 0 {
			status = sent
		}
		st.finish(status, false)
	}
	if st.served.DeferUntilUpgraded(end) {
		return
	}
	end(0)
}
