// hertz-pair: a hertz front server and a hertz downstream, for the build-mode tests
// (crates/autotel/tests/build_mode/hertz.rs). One binary, one role per run:
//
//	hertz-pair downstream   hertz on $LISTEN: GET /item answers "item traceparent=…",
//	                        the traceparent header it received
//	hertz-pair front        hertz (server.Default) on $LISTEN: GET /users/:id calls
//	                        $DOWNSTREAM/item with hertz's client and context.Background()
//	                        (the CLIENT span's parent is the span current on the goroutine),
//	                        and answers "user {id} span={span id in the handler's ctx}
//	                        <downstream's answer>"; GET /fail answers 503
//
// The program knows nothing of tracing beyond reading the span in its context.
package main

import (
	"context"
	"log"
	"os"

	"github.com/cloudwego/hertz/pkg/app"
	"github.com/cloudwego/hertz/pkg/app/client"
	"github.com/cloudwego/hertz/pkg/app/server"
	"github.com/cloudwego/hertz/pkg/protocol"
	"go.opentelemetry.io/otel/trace"
)

func main() {
	if len(os.Args) < 2 {
		log.Fatal("usage: hertz-pair downstream|front")
	}
	switch os.Args[1] {
	case "downstream":
		h := server.New(server.WithHostPorts(os.Getenv("LISTEN")))
		h.GET("/item", func(c context.Context, ctx *app.RequestContext) {
			ctx.String(200, "item traceparent=%s", ctx.Request.Header.Peek("traceparent"))
		})
		h.Spin()
	case "front":
		cl, err := client.NewClient()
		if err != nil {
			log.Fatal(err)
		}
		downstream := os.Getenv("DOWNSTREAM")
		h := server.Default(server.WithHostPorts(os.Getenv("LISTEN")))
		h.GET("/users/:id", func(c context.Context, ctx *app.RequestContext) {
			req, resp := protocol.AcquireRequest(), protocol.AcquireResponse()
			defer protocol.ReleaseRequest(req)
			defer protocol.ReleaseResponse(resp)
			req.SetRequestURI(downstream + "/item")
			// context.Background(): the CLIENT span's parent is the span current on this goroutine.
			if err := cl.Do(context.Background(), req, resp); err != nil || resp.StatusCode() != 200 {
				ctx.String(502, "downstream: %d %v", resp.StatusCode(), err)
				return
			}
			ctx.String(200, "user %s span=%s %s", ctx.Param("id"), trace.SpanContextFromContext(c).SpanID(), resp.Body())
		})
		h.GET("/fail", func(c context.Context, ctx *app.RequestContext) { ctx.String(503, "unavailable") })
		h.Spin()
	default:
		log.Fatalf("unknown role %q", os.Args[1])
	}
}
