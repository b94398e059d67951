// fiberv3-pair: a fiber v3 front service calling a fiber v3 downstream through fiber v3's client,
// for the build-mode tests (crates/autotel/tests/build_mode/fiberv3.rs). One binary, one role
// per run, each serving fiber v3 on $LISTEN:
//
//	fiberv3-pair downstream   GET /users/:id answers "user {id} traceparent=…", the
//	                          traceparent header it received
//	fiberv3-pair front        GET /users/:id (in a group /api, behind a middleware) calls
//	                          $DOWNSTREAM/users/{id} with fiber's client: with no ctx
//	                          (client.Get, whose request context is context.Background()),
//	                          or, with ?ctx=request, with the context of a span "lookup" the
//	                          handler starts under its fiber.Ctx (OpenTelemetry's API) as the
//	                          request's context; it answers "span={span id seen through c}
//	                          <downstream's answer>". GET /api/broken's handler returns an
//	                          error (fiber answers 500); GET /api/panic panics under fiber's
//	                          recover middleware
//
// The program knows nothing of tracing beyond reading the span in its handler's context and
// starting "lookup".
package main

import (
	"errors"
	"fmt"
	"log"
	"os"

	"github.com/gofiber/fiber/v3"
	"github.com/gofiber/fiber/v3/client"
	"github.com/gofiber/fiber/v3/middleware/recover"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace"
)

func main() {
	if len(os.Args) < 2 {
		log.Fatal("usage: fiberv3-pair downstream|front")
	}
	app := fiber.New()
	switch os.Args[1] {
	case "downstream":
		app.Get("/users/:id", func(c fiber.Ctx) error {
			return c.SendString(fmt.Sprintf("user %s traceparent=%s", c.Params("id"), c.Get("traceparent")))
		})
	case "front":
		downstream := os.Getenv("DOWNSTREAM")
		cc := client.New()
		app.Use(recover.New())
		api := app.Group("/api", func(c fiber.Ctx) error { return c.Next() })
		api.Get("/users/:id", func(c fiber.Ctx) error {
			url := downstream + "/users/" + c.Params("id")
			var resp *client.Response
			var err error
			if c.Query("ctx") == "request" {
				ctx, span := otel.Tracer("fiberv3-pair").Start(c, "lookup")
				resp, err = cc.R().SetContext(ctx).Get(url)
				span.End()
			} else {
				// No ctx: the CLIENT span's parent is the span current on this goroutine.
				resp, err = cc.Get(url)
			}
			if err != nil {
				return fiber.NewError(fiber.StatusBadGateway, fmt.Sprintf("downstream: %v", err))
			}
			defer resp.Close()
			if resp.StatusCode() != fiber.StatusOK {
				return fiber.NewError(fiber.StatusBadGateway, fmt.Sprintf("downstream: %d", resp.StatusCode()))
			}
			return c.SendString(fmt.Sprintf("span=%s %s", trace.SpanContextFromContext(c).SpanID(), resp.String()))
		})
		api.Get("/broken", func(c fiber.Ctx) error { return errors.New("database is down") })
		api.Get("/panic", func(c fiber.Ctx) error { panic("handler panicked") })
	default:
		log.Fatalf("unknown role %q", os.Args[1])
	}
	log.Fatal(app.Listen(os.Getenv("LISTEN"), fiber.ListenConfig{DisableStartupMessage: true}))
}
