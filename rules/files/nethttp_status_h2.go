//go:build !nethttpomithttp2

// Added to package net/http by autotel (rules/nethttp.yaml, file rule).
//
// The HTTP/2 counterpart of nethttp_status.go: it reads the status code of a
// response served by net/http's bundled HTTP/2 server, which keeps it in the
// unexported http2responseWriterState.status. The bundle is left out under the
// nethttpomithttp2 build tag, and so must this file be. Checked against Go
// 1.23 to 1.26: http2responseWriter.rws and http2responseWriterState.status
// exist in all of them.

package http

import _ "unsafe" // for go:linkname

//go:linkname autotelRegisterH2StatusAccessor autotel.dev/go/hooks/nethttp.registerStatusAccessor
func autotelRegisterH2StatusAccessor(func(ResponseWriter) int)

func init() {
	autotelRegisterH2StatusAccessor(autotelHTTP2Status)
}

// autotelHTTP2Status returns the status code of an HTTP/2 response: the code
// given to WriteHeader, 200 when nothing set it (the server then sends 200),
// and 0 for other ResponseWriters.
func autotelHTTP2Status(w ResponseWriter) int {
	rw, ok := w.(*http2responseWriter)
	if !ok || rw == nil || rw.rws == nil {
		return 0
	}
	if rw.rws.status == 0 {
		return StatusOK
	}
	return rw.rws.status
}
