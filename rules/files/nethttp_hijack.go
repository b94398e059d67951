// Added to package net/http by autotel (rules/nethttp.yaml, file rule of the
// group hijack).
//
// It hands autotel's net/http hooks (autotel.dev/go/hooks/nethttp) the field
// autotel_server that the same group adds to response (the server span's
// state, so that the hook on (*response).Hijack finds the span of the
// request whose connection is taken), and the status that net/http sent
// before a hijack: Hijack flushes a header the handler already wrote
// (response.wroteHeader, response.status), as coder/websocket's Accept does
// with WriteHeader(101); without one, net/http sent no status. It only
// reads; it changes nothing else. Checked against Go 1.23 to 1.27.

package http

import "unsafe"

// autotelRegisterHijackAccessors is pulled from the hook package, where it
// has a body (a pull linkname to a non-standard-library symbol is allowed).
//
//go:linkname autotelRegisterHijackAccessors autotel.dev/go/hooks/nethttp.registerHijackAccessors
func autotelRegisterHijackAccessors(slot func(ResponseWriter) *unsafe.Pointer, hijacking func(unsafe.Pointer) (*unsafe.Pointer, int))

func init() {
	autotelRegisterHijackAccessors(autotelServerSlot, autotelHijacking)
}

// autotelServerSlot returns the field autotel_server of an HTTP/1 response,
// nil for other ResponseWriters.
func autotelServerSlot(w ResponseWriter) *unsafe.Pointer {
	if rw, ok := w.(*response); ok && rw != nil {
		return &rw.autotel_server
	}
	return nil
}

// autotelHijacking returns, for the *response at p whose Hijack is called,
// its field autotel_server and the status net/http sends before handing the
// connection over (0 when the handler wrote no header).
func autotelHijacking(p unsafe.Pointer) (*unsafe.Pointer, int) {
	rw := (*response)(p)
	if rw == nil {
		return nil, 0
	}
	if !rw.wroteHeader {
		return &rw.autotel_server, 0
	}
	return &rw.autotel_server, rw.status
}
