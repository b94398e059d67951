package nethttp

import (
	"net/http"

	"autotel.dev/go/api"
)

// dumpState carries one httputil.DumpRequestOut call from dumpOutEnter to
// dumpOutExit.
type dumpState struct {
	orig  *http.Request // the caller's request
	clone *http.Request // what DumpRequestOut works on
}

// dumpOutEnter is the enter hook of net/http/httputil.DumpRequestOut(req
// *http.Request, body bool) ([]byte, error). DumpRequestOut writes the request
// through a Transport of its own into a buffer: nothing reaches the network,
// so the round trip must make no CLIENT span and the dump must show the
// request as the caller built it, without a traceparent (two dumps of one
// request are equal, as without autotel). It hands DumpRequestOut a shallow
// clone whose context is suppressed (api.Suppress), which clientEnter honours.
func dumpOutEnter(req **http.Request, _ *bool) (*dumpState, bool) {
	defer api.Guard("nethttp.dumpOutEnter")
	r := *req
	if !inst.Enabled() || r == nil {
		return nil, false
	}
	st := &dumpState{orig: r, clone: r.WithContext(api.Suppress(r.Context()))}
	*req = st.clone
	return st, false
}

// dumpOutExit is the exit hook of DumpRequestOut. The one field DumpRequestOut
// sets on the caller's request is Body (drained into memory and replaced by a
// fresh reader over the same bytes); the clone got that write, so it goes back
// to the caller's request.
func dumpOutExit(st *dumpState, _ *[]byte, _ *error) {
	defer api.Guard("nethttp.dumpOutExit")
	if st == nil {
		return
	}
	st.orig.Body = st.clone.Body
}
