package mongoconv

import (
	"context"
	"errors"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"autotel.dev/go/api"
	sc "autotel.dev/go/internal/semconv/keys"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// Commands holds the spans of one client's commands between their started
// and finished events, which the driver correlates by connection id and
// request id. Its zero value is ready to use.
type Commands struct {
	mu   sync.Mutex
	open map[commandKey]trace.Span
}

type commandKey struct {
	conn    string
	request int64
}

// maxOpen bounds the spans waiting for their finished event (the driver sends
// one for every started event; the bound only guards against a driver that
// would not): past it, a command gets no span.
const maxOpen = 4096

// Start starts the CLIENT span of cmd as a child of the span in ctx or, when
// ctx has none (a call made with context.Background()), of the goroutine's
// current span: the driver sends the started event on the calling goroutine.
// It does not make the span current: nothing the application wrote runs
// inside a command.
func (c *Commands) Start(ctx context.Context, inst *api.Instrumentation, cmd Command, requestID int64) {
	defer api.Guard("mongoconv.Start")
	if inst.Quiet(ctx) || api.Suppressed(ctx) {
		return
	}
	key := commandKey{conn: cmd.ConnectionID, request: requestID}
	c.mu.Lock()
	full := len(c.open) >= maxOpen
	c.mu.Unlock()
	if full {
		return
	}
	name, attrs := Describe(cmd)
	_, span := inst.Tracer().Start(api.Parent(ctx), name,
		trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attrs...))
	c.mu.Lock()
	if c.open == nil {
		c.open = make(map[commandKey]trace.Span)
	}
	if _, dup := c.open[key]; dup || len(c.open) >= maxOpen {
		c.mu.Unlock()
		span.End()
		return
	}
	c.open[key] = span
	c.mu.Unlock()
}

// Succeed ends the span of the command requestID on connectionID.
func (c *Commands) Succeed(connectionID string, requestID int64) {
	defer api.Guard("mongoconv.Succeed")
	if span := c.take(connectionID, requestID); span != nil {
		span.End()
	}
}

// Fail records f on the span of the command requestID on connectionID and
// ends it.
func (c *Commands) Fail(connectionID string, requestID int64, f Failure) {
	defer api.Guard("mongoconv.Fail")
	span := c.take(connectionID, requestID)
	if span == nil {
		return
	}
	f.record(span)
	span.End()
}

func (c *Commands) take(connectionID string, requestID int64) trace.Span {
	key := commandKey{conn: connectionID, request: requestID}
	c.mu.Lock()
	defer c.mu.Unlock()
	span, ok := c.open[key]
	if !ok {
		return nil
	}
	delete(c.open, key)
	return span
}

// Failure is why a command failed, as far as the driver's failed event tells.
type Failure struct {
	Err      error  // the failure (v1's event has only its message: errors.New of it)
	Code     int32  // the server's error code; 0 when unknown (db.response.status_code)
	CodeName string // the server's code name ("NamespaceNotFound"); "" when unknown
}

// FailureOfMessage reads a Failure from the text of a driver error, which
// is all the failed event of mongo-driver v1 carries: a server error reads
// "(CodeName) message", which gives the code name; the numeric code is not
// in it.
func FailureOfMessage(msg string) Failure {
	f := Failure{Err: errors.New(msg)}
	if rest, ok := strings.CutPrefix(msg, "("); ok {
		if name, _, ok := strings.Cut(rest, ")"); ok && name != "" && !strings.ContainsAny(name, " \t") {
			f.CodeName = name
		}
	}
	return f
}

// record sets what the conventions ask of a failed command: an exception
// event, status Error, error.type (the server's code name, else its code,
// else api.ErrorType of the error) and db.response.status_code (the code as
// a string) when the server sent one.
func (f Failure) record(span trace.Span) {
	if !span.IsRecording() {
		return
	}
	msg := "command failed"
	if f.Err != nil {
		span.RecordError(f.Err)
		msg = f.Err.Error()
	}
	span.SetStatus(codes.Error, msg)
	switch {
	case f.CodeName != "":
		span.SetAttributes(sc.ErrorTypeKey.String(api.ValidText(f.CodeName)))
	case f.Code != 0:
		span.SetAttributes(sc.ErrorTypeKey.String(strconv.Itoa(int(f.Code))))
	case f.Err != nil && !isPlain(f.Err):
		span.SetAttributes(sc.ErrorTypeKey.String(api.ErrorType(f.Err)))
	default:
		span.SetAttributes(sc.ErrorTypeKey.String("_OTHER"))
	}
	if f.Code != 0 {
		span.SetAttributes(sc.DBResponseStatusCodeKey.String(strconv.Itoa(int(f.Code))))
	}
}

// isPlain reports whether err is only a message (errors.New): its type
// tells nothing.
func isPlain(err error) bool {
	return api.ErrorType(err) == "*errors.errorString"
}

// OnStarted returns the Started function of autotel's command monitor for a
// driver whose started event is E: it starts the command's span (read gives
// the command and its request id), then calls the application's own Started
// (user, nil when it set none) with the same arguments.
func OnStarted[E any](cmds *Commands, inst *api.Instrumentation, read func(*E) (Command, int64), user func(context.Context, *E)) func(context.Context, *E) {
	return func(ctx context.Context, e *E) {
		if e != nil {
			cmd, requestID := read(e)
			cmds.Start(ctx, inst, cmd, requestID)
		}
		if user != nil {
			user(ctx, e)
		}
	}
}

// OnFinished returns the Succeeded or Failed function of autotel's command
// monitor: it calls the application's own (user, nil when it set none), then
// ends the command's span (end).
func OnFinished[E any](user func(context.Context, *E), end func(*E)) func(context.Context, *E) {
	return func(ctx context.Context, e *E) {
		if user != nil {
			user(ctx, e)
		}
		if e != nil {
			end(e)
		}
	}
}

// IsOtelmongo reports whether started, the Started function of the
// application's command monitor, is OpenTelemetry's instrumentation of the
// driver (otelmongo's NewMonitor, whose functions are methods of a type in
// package otelmongo): the application traces the commands itself
// (design.md §1.9).
func IsOtelmongo(started any) bool {
	v := reflect.ValueOf(started)
	if v.Kind() != reflect.Func || v.IsNil() {
		return false
	}
	f := runtime.FuncForPC(v.Pointer())
	return f != nil && strings.Contains(f.Name(), "/otelmongo.")
}
