package goredisv8

import (
	"context"
	"net"
	"strconv"
	"unsafe"

	"autotel.dev/go/api"
	"autotel.dev/go/internal/redisconv"
	"github.com/go-redis/redis/v8"
	"go.opentelemetry.io/otel/trace"
)

var inst = api.NewInstrumentation("goredis")

type constructed struct{}

// newClientEnter is the enter hook of NewClient(opt) and
// NewFailoverClient(opt) (opt is **Options or **FailoverOptions, unread): it
// only asks for the exit call.
func newClientEnter(_ unsafe.Pointer) (*constructed, bool) {
	defer api.Guard("goredisv8.newClientEnter")
	if !inst.Enabled() {
		return nil, false
	}
	return &constructed{}, false
}

// newClientExit is the exit hook of NewClient and NewFailoverClient: it adds
// autotel's hook to the client being returned.
func newClientExit(_ *constructed, c **redis.Client) {
	defer api.Guard("goredisv8.newClientExit")
	if c == nil || *c == nil {
		return
	}
	(*c).AddHook(newHook((*c).Options()))
}

// hook is the redis.Hook added to every client.
type hook struct {
	server redisconv.Server
}

// spanKey is the context key under which Before hands its span to After.
type spanKey struct{}

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

func command(cmd redis.Cmder) redisconv.Command {
	args := cmd.Args()
	if len(args) > 0 {
		args = args[1:]
	}
	return redisconv.Command{Name: cmd.Name(), Args: args}
}

func (h hook) BeforeProcess(ctx context.Context, cmd redis.Cmder) (_ context.Context, _ error) {
	defer api.Guard("goredisv8.BeforeProcess")
	if inst.Quiet(ctx) || api.Suppressed(ctx) { // Quiet: disabled, or an unsampled parent
		return ctx, nil
	}
	c := command(cmd)
	ctx, span := redisconv.Start(ctx, inst.Tracer(), redisconv.OperationName(c.Name), redisconv.CommandAttributes(h.server, c))
	return context.WithValue(ctx, spanKey{}, span), nil
}

func (h hook) AfterProcess(ctx context.Context, cmd redis.Cmder) error {
	defer api.Guard("goredisv8.AfterProcess")
	if span, ok := ctx.Value(spanKey{}).(trace.Span); ok {
		redisconv.End(span, cmd.Err(), isNil)
	}
	return nil
}

func (h hook) BeforeProcessPipeline(ctx context.Context, cmds []redis.Cmder) (_ context.Context, _ error) {
	defer api.Guard("goredisv8.BeforeProcessPipeline")
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
	ctx, span := redisconv.Start(ctx, inst.Tracer(), redisconv.PipelineNames(kind, batch), redisconv.PipelineAttributes(h.server, kind, batch))
	return context.WithValue(ctx, spanKey{}, span), nil
}

func (h hook) AfterProcessPipeline(ctx context.Context, cmds []redis.Cmder) error {
	defer api.Guard("goredisv8.AfterProcessPipeline")
	span, ok := ctx.Value(spanKey{}).(trace.Span)
	if !ok {
		return nil
	}
	var err error
	for _, cmd := range cmds {
		if e := cmd.Err(); e != nil && !isNil(e) {
			err = e
			break
		}
	}
	redisconv.End(span, err, isNil)
	return nil
}

func isNil(err error) bool { return err == redis.Nil }

// initConnEnter is the enter hook of (*baseClient).initConn(ctx, cn), which
// sets a new connection up (HELLO, AUTH, SELECT, CLIENT SETINFO; through the
// client's hooks in recent releases): its commands are go-redis's own, so
// they run under api.Suppress and get no span. cn (*internal/pool.Conn) is
// not used.
func initConnEnter(_ unsafe.Pointer, ctx *context.Context, _ unsafe.Pointer) (*struct{}, bool) {
	defer api.Guard("goredisv8.initConnEnter")
	if *ctx != nil {
		*ctx = api.Suppress(*ctx)
	}
	return nil, false
}
