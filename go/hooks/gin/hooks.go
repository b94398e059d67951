package gin

import (
	"autotel.dev/go/api"
	"autotel.dev/go/internal/httpframework"
	"github.com/gin-gonic/gin"
)

var inst = api.NewInstrumentation("gin")

// handleState carries one request from handleEnter to handleExit.
type handleState struct {
	*httpframework.Routing
	c *gin.Context
}

// handleEnter is the enter hook of (*Engine).handleHTTPRequest(c *Context).
// No exit call when the request has no recording span.
func handleEnter(_ **gin.Engine, c **gin.Context) (*handleState, bool) {
	defer api.Guard("gin.handleEnter")
	if !inst.Enabled() || *c == nil || (*c).Request == nil {
		return nil, false
	}
	if r := httpframework.StartRouting((*c).Request.Context(), (*c).Request.Method); r != nil {
		return &handleState{r, *c}, false
	}
	return nil, false
}

// handleExit is the exit hook of (*Engine).handleHTTPRequest. It recovers a
// panic only to record it, then panics again with the same value; so it
// does not defer api.Guard (which would swallow that panic): finish does.
func handleExit(st *handleState) {
	r := recover()
	finish(st, r)
	if r != nil {
		panic(r)
	}
}

func finish(st *handleState, panicked any) {
	defer api.Guard("gin.handleExit")
	if st == nil {
		return
	}
	st.Done(st.c.FullPath())
	span := httpframework.ServerSpan(st.Context())
	status := st.c.Writer.Status()
	for _, e := range st.c.Errors {
		if e != nil && e.Err != nil {
			httpframework.RecordHandlerError(span, e.Err, status)
		}
	}
	if panicked != nil {
		httpframework.RecordPanic(st.Context(), panicked)
	}
}

// recoveryEnter is the enter hook of defaultHandleRecovery(c *Context, err
// any), which gin.Recovery() calls with the value it recovered.
func recoveryEnter(c **gin.Context, rec *any) (*struct{}, bool) {
	defer api.Guard("gin.recoveryEnter")
	if !inst.Enabled() || *c == nil || (*c).Request == nil {
		return nil, false
	}
	httpframework.RecordPanic((*c).Request.Context(), *rec)
	return nil, false
}
