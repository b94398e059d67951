// fasthttp-pair: a fasthttp front server and a net/http downstream, for the build-mode tests
// (crates/autotel/tests/build_mode/fasthttp.rs). One binary, one role per run:
//
//	fasthttp-pair downstream   net/http on $LISTEN: GET /item answers "item traceparent=…",
//	                           the traceparent header it received
//	fasthttp-pair front        fasthttp on $LISTEN: GET /users/{id} calls $DOWNSTREAM/item
//	                           with fasthttp's client and no ctx (fasthttp.Get), and answers
//	                           "user {id} span={span id in ctx} <downstream's answer>",
//	                           the span id read from the *RequestCtx as a context.Context;
//	                           GET /fail answers 503
//	fasthttp-pair fiber        fiber v2 on $LISTEN, the same routes as front (GET /users/:id in
//	                           a group /api, behind a middleware), and GET /api/broken, whose
//	                           handler returns an error (fiber answers 500), and GET
//	                           /api/panic, which panics under fiber's recover middleware
//
// The program knows nothing of tracing beyond reading the span in its context.
package main

import (
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/valyala/fasthttp"
	"go.opentelemetry.io/otel/trace"
)

func main() {
	if len(os.Args) < 2 {
		log.Fatal("usage: fasthttp-pair downstream|front|fiber")
	}
	switch os.Args[1] {
	case "downstream":
		http.HandleFunc("/item", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "item traceparent=%s", r.Header.Get("traceparent"))
		})
		log.Fatal(http.ListenAndServe(os.Getenv("LISTEN"), nil))
	case "front":
		log.Fatal(fasthttp.ListenAndServe(os.Getenv("LISTEN"), front(os.Getenv("DOWNSTREAM"))))
	case "fiber":
		app := fiber.New(fiber.Config{DisableStartupMessage: true})
		app.Use(recover.New())
		api := app.Group("/api", func(c *fiber.Ctx) error { return c.Next() })
		api.Get("/users/:id", func(c *fiber.Ctx) error {
			status, body, err := fasthttp.Get(nil, os.Getenv("DOWNSTREAM")+"/item")
			if err != nil || status != fasthttp.StatusOK {
				return fiber.NewError(fiber.StatusBadGateway, fmt.Sprintf("downstream: %d %v", status, err))
			}
			return c.SendString(fmt.Sprintf("user %s span=%s %s", c.Params("id"), trace.SpanContextFromContext(c.Context()).SpanID(), body))
		})
		api.Get("/broken", func(c *fiber.Ctx) error { return errors.New("database is down") })
		api.Get("/panic", func(c *fiber.Ctx) error { panic("handler panicked") })
		log.Fatal(app.Listen(os.Getenv("LISTEN")))
	default:
		log.Fatalf("unknown role %q", os.Args[1])
	}
}

// front is the front server's handler.
func front(downstream string) fasthttp.RequestHandler {
	return func(ctx *fasthttp.RequestCtx) {
		path := string(ctx.Path())
		switch {
		case path == "/fail":
			ctx.Error("unavailable", fasthttp.StatusServiceUnavailable)
		case strings.HasPrefix(path, "/users/"):
			id := strings.TrimPrefix(path, "/users/")
			// No ctx: the CLIENT span's parent is the span current on this goroutine.
			status, body, err := fasthttp.Get(nil, downstream+"/item")
			if err != nil || status != fasthttp.StatusOK {
				ctx.Error(fmt.Sprintf("downstream: %d %v", status, err), fasthttp.StatusBadGateway)
				return
			}
			fmt.Fprintf(ctx, "user %s span=%s %s", id, trace.SpanContextFromContext(ctx).SpanID(), body)
		default:
			ctx.NotFound()
		}
	}
}
