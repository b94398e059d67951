package goredis

import (
	"context"
	"net"
	"strconv"
	"unsafe"

	"autotel.dev/go/api"
	"autotel.dev/go/internal/redisconv"
	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel/trace"
)

var inst = api.NewInstrumentation("goredis")

type constructed struct{}

// newClientEnter is the enter hook of NewClient(opt) and
// NewFailoverClient(opt) (opt is **Options or **FailoverOptions, unread): it
// only asks for the exit call.
func newClientEnter(_ unsafe.Pointer) (*constructed, bool) {
	defer api.Guard("goredis.newClientEnter")
	if !inst.Enabled() {
		return nil, false
	}
	return &constructed{}, false
}

// newClientExit is the exit hook of NewClient(opt) and NewFailoverClient(opt):
// it adds autotel's hook to the client being returned.
func newClientExit(_ *constructed, c **redis.Client) {
	defer api.Guard("goredis.newClientExit")
	if c == nil || *c == nil {
		return
	}
	(*c).AddHook(newHook((*c).Options()))
}

// hook is the redis.Hook added to every client.
type hook struct {
	server redisconv.Server
}

func newHook(opt *redis.Options) hook {
	var s redisconv.Server
	if opt != nil {
		if opt.Network == "unix" {
			s.Address = opt.Addr
		} else if host, port, err := net.SplitHostPort(opt.Addr); err == nil {
			s.Address = host
			s.Port, _ = strconv.Atoi(port)
		}
		s.Namespace = strconv.Itoa(opt.DB)
	}
	return hook{server: s}
}

func (h hook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h hook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		spanCtx, span := h.startCommand(ctx, cmd)
		if span == nil {
			return next(ctx, cmd)
		}
		err := next(spanCtx, cmd)
		end(span, err)
		return err
	}
}

func (h hook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		spanCtx, span := h.startPipeline(ctx, cmds)
		if span == nil {
			return next(ctx, cmds)
		}
		err := next(spanCtx, cmds)
		end(span, err)
		return err
	}
}

func command(cmd redis.Cmder) redisconv.Command {
	args := cmd.Args()
	if len(args) > 0 {
		args = args[1:]
	}
	return redisconv.Command{Name: cmd.Name(), Args: args}
}

func (h hook) startCommand(ctx context.Context, cmd redis.Cmder) (_ context.Context, span trace.Span) {
	defer api.Guard("goredis.process")
	if inst.Quiet(ctx) || api.Suppressed(ctx) { // Quiet: disabled, or an unsampled parent
		return ctx, nil
	}
	c := command(cmd)
	return redisconv.Start(ctx, inst.Tracer(), redisconv.OperationName(c.Name), redisconv.CommandAttributes(h.server, c))
}

func (h hook) startPipeline(ctx context.Context, cmds []redis.Cmder) (_ context.Context, span trace.Span) {
	defer api.Guard("goredis.processPipeline")
	if inst.Quiet(ctx) || api.Suppressed(ctx) { // Quiet: disabled, or an unsampled parent
		return ctx, nil
	}
	kind := "PIPELINE"
	batch := make([]redisconv.Command, 0, len(cmds))
	for _, cmd := range cmds {
		batch = append(batch, command(cmd))
	}
	// Transactions arrive wrapped in MULTI … EXEC.
	if n := len(batch); n >= 2 && redisconv.OperationName(batch[0].Name) == "MULTI" && redisconv.OperationName(batch[n-1].Name) == "EXEC" {
		kind = "MULTI"
		batch = batch[1 : n-1]
	}
	return redisconv.Start(ctx, inst.Tracer(), redisconv.PipelineNames(kind, batch), redisconv.PipelineAttributes(h.server, kind, batch))
}

func end(span trace.Span, err error) {
	defer api.Guard("goredis.end")
	redisconv.End(span, err, isNil)
}

func isNil(err error) bool { return err == redis.Nil }

// initConnEnter is the enter hook of (*baseClient).initConn(ctx, cn), which
// sets a new connection up (HELLO, AUTH, SELECT, CLIENT SETINFO; through the
// client's hooks in recent releases): its commands are go-redis's own, so
// they run under api.Suppress and get no span. cn (*internal/pool.Conn) is
// not used.
func initConnEnter(_ unsafe.Pointer, ctx *context.Context, _ unsafe.Pointer) (*struct{}, bool) {
	defer api.Guard("goredis.initConnEnter")
	if *ctx != nil {
		*ctx = api.Suppress(*ctx)
	}
	return nil, false
}
