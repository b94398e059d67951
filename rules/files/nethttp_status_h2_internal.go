// Added to package net/http/internal/http2 by autotel (rules/nethttp.yaml,
// file rule).
//
// Go 1.27 moved net/http's HTTP/2 server into this package; a response's
// status is in the unexported responseWriterState.status. This file hands
// autotel's net/http hooks (autotel.dev/go/hooks/nethttp) a reader for it;
// net/http's own added file (nethttp_status_h2_wrapper.go) unwraps a handler's
// ResponseWriter to the *responseWriter it reads. It only reads. Checked
// against Go 1.27: responseWriter.rws and responseWriterState.status exist
// with these meanings.

package http2

import "unsafe"

//go:linkname autotelRegisterHTTP2StatusReader autotel.dev/go/hooks/nethttp.registerHTTP2StatusReader
func autotelRegisterHTTP2StatusReader(func(unsafe.Pointer) int)

func init() {
	autotelRegisterHTTP2StatusReader(autotelHTTP2Status)
}

// autotelHTTP2Status returns the status code of the *responseWriter at p:
// the code given to WriteHeader, 200 when nothing set it (the server then
// sends 200), and 0 without a response state.
func autotelHTTP2Status(p unsafe.Pointer) int {
	rw := (*responseWriter)(p)
	if rw == nil || rw.rws == nil {
		return 0
	}
	if rw.rws.status == 0 {
		return 200
	}
	return rw.rws.status
}
