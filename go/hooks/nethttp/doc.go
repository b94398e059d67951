// Package nethttp is autotel's instrumentation of net/http (instrumentation
// name "nethttp", rules in rules/nethttp.yaml). It owns the hook functions that
// the rewritten standard library calls:
//
//   - serverEnter/serverExit on serverHandler.ServeHTTP: a SERVER span and the
//     http.server.request.duration histogram for every request a net/http
//     server serves, continuing the caller's W3C trace context (a new trace
//     without one); the span is current on the handler's goroutine
//     (goroutine-local context, api.Begin) until the handler returns;
//   - muxEnter/muxExit on (*ServeMux).ServeHTTP: the matched pattern becomes
//     http.route and the span name ("GET /items/{id}");
//   - clientEnter/clientExit on (*Transport).RoundTrip: a CLIENT span and the
//     http.client.request.duration histogram for every round trip, with the
//     trace context injected into a clone of the request; a request whose
//     context has no span (http.Get(url)) is a child of the span current on
//     the goroutine (api.Parent);
//   - dumpOutEnter/dumpOutExit on net/http/httputil.DumpRequestOut: the
//     dump's round trip through its own Transport runs suppressed, so it
//     makes no CLIENT span and the dump carries no traceparent (dump.go);
//   - hijackEnter/hijackExit on (*response).Hijack: a handler that hijacks
//     its connection (WebSocket) ends the SERVER span and records the
//     duration there, with the status sent before the hijack, or the one an
//     upgrade library's hook saw written (hijack.go); registerHijackAccessors
//     is called from rules/files/nethttp_hijack.go;
//   - registerStatusAccessor, called from files that a file rule adds to
//     net/http (rules/files/nethttp_status*.go), which read the response
//     status that net/http keeps unexported; from Go 1.27 an HTTP/2 response's
//     status lives in net/http/internal/http2, whose added file registers a
//     reader with registerHTTP2StatusReader, and net/http's added file reaches
//     it through http2Status.
//
// The hooks follow the contract in ARCHITECTURE.md ("The hook contract"): one
// pointer per receiver and parameter for enter, the state enter returned and
// one pointer per result for exit. Nothing here is called from the package's
// own code paths, so the package builds and tests without instrumentation;
// the tests call the hooks exactly as the trampolines do. Mapping onto the
// semantic conventions lives in autotel.dev/go/internal/semconv.
package nethttp

import (
	"net/http"
	"unsafe"

	"autotel.dev/go/api"
	"autotel.dev/go/internal/semconv"
)

// inst is this package's instrumentation: name, switch, tracer and meter.
var inst = api.NewInstrumentation("nethttp")

// metrics are the histograms of this package.
var metrics = api.NewInstruments(inst, semconv.NewHTTPDurations)

// statusAccessors read the status code of a response from a ResponseWriter
// that net/http created; each returns 0 for writers it does not know. They are
// registered from net/http's init by registerStatusAccessor, so this variable
// must have no initializer: net/http is initialized before this package, and
// an initializer would run afterwards and erase them.
var statusAccessors []func(http.ResponseWriter) int

// registerStatusAccessor is the setter that the files added to net/http pull
// with //go:linkname (autotel.dev/go/hooks/nethttp.registerStatusAccessor).
// It runs during net/http's init, before any request.
func registerStatusAccessor(f func(http.ResponseWriter) int) {
	if f != nil {
		statusAccessors = append(statusAccessors, f)
	}
}

// responseStatus returns the status code written (or about to be written) to
// w, or 0 when no accessor knows w.
func responseStatus(w http.ResponseWriter) int {
	for _, f := range statusAccessors {
		if code := f(w); code != 0 {
			return code
		}
	}
	return 0
}

// http2StatusReader reads the status of a net/http/internal/http2
// *responseWriter (Go 1.27 and newer). Registered from that package's init,
// which runs before this package's: no initializer.
var http2StatusReader func(unsafe.Pointer) int

// registerHTTP2StatusReader is the setter that the file added to
// net/http/internal/http2 pulls with //go:linkname.
func registerHTTP2StatusReader(f func(unsafe.Pointer) int) {
	http2StatusReader = f
}

// http2Status is pulled with //go:linkname by the file added to net/http,
// which unwraps its HTTP/2 ResponseWriter to the internal one at w. It
// returns 0 when net/http/internal/http2 was built without its reader (a Go
// release whose layout autotel does not know).
func http2Status(w unsafe.Pointer) int {
	if http2StatusReader == nil || w == nil {
		return 0
	}
	return http2StatusReader(w)
}
