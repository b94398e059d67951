package fasthttp

import (
	"context"

	"autotel.dev/go/api"
	"autotel.dev/go/internal/bytehttp"
	"github.com/valyala/fasthttp"
)

// clientState carries one call from doEnter to doExit.
type clientState struct {
	call *bytehttp.ClientCall[*fasthttp.RequestHeader]
	resp *fasthttp.Response // nil: fasthttp uses one of its own
}

// doEnter is the enter hook of (*HostClient).Do(req *Request, resp *Response)
// error. It starts a CLIENT span, child of the span current on the goroutine
// (fasthttp's client takes no ctx: api.Parent), and injects the span's trace
// context into the request's headers, except the keys the program set itself.
func doEnter(_ **fasthttp.HostClient, req **fasthttp.Request, resp **fasthttp.Response) (*clientState, bool) {
	defer api.Guard("fasthttp.doEnter")
	if !inst.Enabled() || *req == nil {
		return nil, false // fasthttp reports a nil request itself
	}
	r := *req
	st := &clientState{resp: *resp}
	st.call = bytehttp.StartClient(inst, context.Background(), string(r.Header.Method()), r.URI(), &r.Header)
	return st, false
}

// doExit is the exit hook of (*HostClient).Do: the injected headers are
// removed, the span ends with the response's status (none when the caller
// passed no response), and the duration is recorded.
func doExit(st *clientState, err *error) {
	defer api.Guard("fasthttp.doExit")
	if st == nil {
		return
	}
	var status int
	var proto string
	if res := st.resp; *err == nil && res != nil {
		status, proto = res.StatusCode(), string(res.Header.Protocol())
	}
	st.call.End(*err, status, proto, metrics.Get().Client)
}
