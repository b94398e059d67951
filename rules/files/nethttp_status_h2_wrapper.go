//go:build !nethttpomithttp2

// Added to package net/http by autotel (rules/nethttp.yaml, file rule).
//
// The HTTP/2 counterpart of nethttp_status.go for Go 1.27 and newer, where
// net/http serves HTTP/2 through net/http/internal/http2 and hands handlers an
// http2ResponseWriter wrapping that package's *ResponseWriter. The status is
// kept there; the file rules/files/nethttp_status_h2_internal.go adds to that
// package registers a reader with the hook package, which this file reaches
// through autotelHTTP2Status (0 when that reader is missing). Checked against
// Go 1.27: http2ResponseWriter embeds *http2.ResponseWriter.

package http

import "unsafe"

//go:linkname autotelRegisterH2WrapperStatusAccessor autotel.dev/go/hooks/nethttp.registerStatusAccessor
func autotelRegisterH2WrapperStatusAccessor(func(ResponseWriter) int)

//go:linkname autotelHTTP2Status autotel.dev/go/hooks/nethttp.http2Status
func autotelHTTP2Status(unsafe.Pointer) int

func init() {
	autotelRegisterH2WrapperStatusAccessor(autotelHTTP2WrapperStatus)
}

// autotelHTTP2WrapperStatus returns the status code of an HTTP/2 response
// and 0 for other ResponseWriters.
func autotelHTTP2WrapperStatus(w ResponseWriter) int {
	rw, ok := w.(http2ResponseWriter)
	if !ok || rw.ResponseWriter == nil {
		return 0
	}
	return autotelHTTP2Status(unsafe.Pointer(rw.ResponseWriter))
}
