// Command oldest-libs serves GET /users/:id with the framework named by
// FRAMEWORK (gin, echo3 or echo4) on LISTEN, with the OLDEST release of each
// library that autotel supports (see go.mod), so that the end-to-end tests
// check the rewrite against them. A request runs, on the handler's goroutine
// and without ctx: a redigo pipeline (Send, Send, Flush, Receive, Receive),
// a go-redis v8 pipeline and a go-redis v8 GET of a missing key with
// context.Background(), and logs with logrus (JSON), zap (console) and
// zerolog (JSON: once plainly, once through a logger whose context already
// holds a trace_id, which must stay the only one).
// GET /boom panics (gin and echo without their recovery middleware); GET
// /fail returns an error (echo) or attaches one (gin) with status 500.
// REDIS_ADDR is the Redis server.
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"

	"github.com/gin-gonic/gin"
	redisv8 "github.com/go-redis/redis/v8"
	"github.com/gomodule/redigo/redis"
	echo3 "github.com/labstack/echo"
	echo4 "github.com/labstack/echo/v4"
	"github.com/rs/zerolog"
	"github.com/sirupsen/logrus"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

type app struct {
	pool *redis.Pool
	rdb  *redisv8.Client
	lr   *logrus.Logger
	zl   *zap.Logger
	zero zerolog.Logger
}

func (a *app) user(id string) (string, error) {
	a.lr.WithField("user", id).Info("user lookup")
	a.zl.Info("user lookup", zap.String("user", id))
	a.zero.Info().Str("user", id).Msg("zerolog user lookup")
	own := a.zero.With().Str("trace_id", "set-by-the-app").Logger()
	own.Info().Msg("zerolog own trace_id")
	conn := a.pool.Get()
	defer conn.Close()
	conn.Send("SET", "user:"+id, "secret")
	conn.Send("GET", "user:"+id)
	if err := conn.Flush(); err != nil {
		return "", err
	}
	if _, err := conn.Receive(); err != nil {
		return "", err
	}
	name, err := redis.String(conn.Receive())
	if err != nil {
		return "", err
	}
	ctx := context.Background()
	if _, err := a.rdb.Pipelined(ctx, func(p redisv8.Pipeliner) error {
		p.Incr(ctx, "visits")
		p.Incr(ctx, "visits")
		return nil
	}); err != nil {
		return "", err
	}
	if err := a.rdb.Get(ctx, "missing").Err(); err != redisv8.Nil {
		return "", fmt.Errorf("GET missing: %v", err)
	}
	return name, nil
}

var errFail = errors.New("handler failed")

func main() {
	addr := os.Getenv("REDIS_ADDR")
	a := &app{
		pool: &redis.Pool{Dial: func() (redis.Conn, error) { return redis.Dial("tcp", addr) }},
		rdb:  redisv8.NewClient(&redisv8.Options{Addr: addr}),
		lr:   logrus.New(),
	}
	a.lr.Out = os.Stdout
	a.lr.Formatter = &logrus.JSONFormatter{}
	enc := zap.NewDevelopmentEncoderConfig()
	a.zl = zap.New(zapcore.NewCore(zapcore.NewConsoleEncoder(enc), zapcore.Lock(os.Stdout), zapcore.InfoLevel))
	a.zero = zerolog.New(os.Stdout)

	var h http.Handler
	switch os.Getenv("FRAMEWORK") {
	case "gin":
		gin.SetMode(gin.ReleaseMode)
		e := gin.New()
		e.GET("/users/:id", func(c *gin.Context) {
			name, err := a.user(c.Param("id"))
			if err != nil {
				c.String(500, err.Error())
				return
			}
			c.String(200, name)
		})
		e.GET("/boom", func(c *gin.Context) { panic("boom") })
		e.GET("/fail", func(c *gin.Context) { c.Error(errFail); c.String(500, "failed") })
		h = e
	case "echo3":
		e := echo3.New()
		e.GET("/users/:id", func(c echo3.Context) error {
			name, err := a.user(c.Param("id"))
			if err != nil {
				return err
			}
			return c.String(200, name)
		})
		e.GET("/boom", func(c echo3.Context) error { panic("boom") })
		e.GET("/fail", func(c echo3.Context) error { return errFail })
		h = e
	case "echo4":
		e := echo4.New()
		e.GET("/users/:id", func(c echo4.Context) error {
			name, err := a.user(c.Param("id"))
			if err != nil {
				return err
			}
			return c.String(200, name)
		})
		e.GET("/boom", func(c echo4.Context) error { panic("boom") })
		e.GET("/fail", func(c echo4.Context) error { return errFail })
		h = e
	default:
		log.Fatalf("FRAMEWORK=%q: want gin, echo3 or echo4", os.Getenv("FRAMEWORK"))
	}
	log.Fatal(http.ListenAndServe(os.Getenv("LISTEN"), h))
}
