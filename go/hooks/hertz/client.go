package hertz

import (
	"context"

	"autotel.dev/go/api"
	"autotel.dev/go/internal/bytehttp"
	"github.com/cloudwego/hertz/pkg/app/client"
	"github.com/cloudwego/hertz/pkg/protocol"
)

// clientState carries one call from doEnter to doExit.
type clientState struct {
	call *bytehttp.ClientCall[*protocol.RequestHeader]
	resp *protocol.Response // nil: the program wants no response
}

// doEnter is the enter hook of (*client.Client).Do(ctx, req, resp) error. It
// starts a CLIENT span, child of the span in ctx or else of the one current
// on the goroutine, hands the span's context to the rest of the call (the
// program's client middlewares), and injects the span's trace context into
// the request's headers, except the keys the program set itself.
func doEnter(_ **client.Client, ctx *context.Context, req **protocol.Request, resp **protocol.Response) (*clientState, bool) {
	defer api.Guard("hertz.doEnter")
	if !inst.Enabled() || *req == nil {
		return nil, false
	}
	r := *req
	st := &clientState{resp: *resp}
	st.call = bytehttp.StartClient(inst, *ctx, string(r.Header.Method()), r.URI(), &r.Header)
	*ctx = st.call.Context()
	return st, false
}

// doExit is the exit hook of (*client.Client).Do: the injected headers are
// removed, the span ends with the response's status (none when the caller
// passed no response), and the duration is recorded.
func doExit(st *clientState, err *error) {
	defer api.Guard("hertz.doExit")
	if st == nil {
		return
	}
	var status int
	var proto string
	if res := st.resp; *err == nil && res != nil {
		status, proto = res.StatusCode(), res.Header.GetProtocol()
	}
	st.call.End(*err, status, proto, metrics.Get().Client)
}
