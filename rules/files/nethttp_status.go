// Added to package net/http by autotel (rules/nethttp.yaml, file rule).
//
// It hands autotel's net/http hooks (autotel.dev/go/hooks/nethttp) a way to
// read the status code of an HTTP/1 response, which net/http keeps in the
// unexported field response.status. It only reads; it changes nothing.
// Checked against Go 1.23 to 1.27: response.status, response.wroteHeader and
// conn.hijacked() exist with these meanings in all of them.

package http

import _ "unsafe" // for go:linkname

// autotelRegisterStatusAccessor is pulled from the hook package, where it has
// a body (a pull linkname to a non-standard-library symbol is allowed).
//
//go:linkname autotelRegisterStatusAccessor autotel.dev/go/hooks/nethttp.registerStatusAccessor
func autotelRegisterStatusAccessor(func(ResponseWriter) int)

func init() {
	autotelRegisterStatusAccessor(autotelHTTP1Status)
}

// autotelHTTP1Status returns the status code of an HTTP/1 response: the code
// given to WriteHeader, 200 when the handler wrote a body without it or
// wrote nothing (net/http then sends 200 when the handler returns), and 0 for
// other ResponseWriters and for hijacked connections, whose status net/http
// does not know.
func autotelHTTP1Status(w ResponseWriter) int {
	rw, ok := w.(*response)
	if !ok || rw == nil {
		return 0
	}
	if rw.conn != nil && rw.conn.hijacked() {
		return 0
	}
	if !rw.wroteHeader || rw.status == 0 {
		return StatusOK
	}
	return rw.status
}
