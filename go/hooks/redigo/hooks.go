package redigo

import (
	"net"
	"sync"
	"time"
	"unsafe"

	"autotel.dev/go/api"
	"autotel.dev/go/internal/redisconv"
	"go.opentelemetry.io/otel/trace"
)

var inst = api.NewInstrumentation("redigo")

// connAddr returns the remote address of a *conn (given as unsafe.Pointer),
// or nil. Registered by the file added to package redis, during its init;
// no initializer, so that this package's init does not erase it.
var connAddr func(unsafe.Pointer) net.Addr

// registerConnAccessor is pulled with //go:linkname by rules/files/redigo_conn.go.
func registerConnAccessor(f func(unsafe.Pointer) net.Addr) {
	if f != nil {
		connAddr = f
	}
}

func server(c unsafe.Pointer) redisconv.Server {
	if connAddr == nil || c == nil {
		return redisconv.Server{}
	}
	return redisconv.ServerFromNetAddr(connAddr(c))
}

// maxPending bounds the spans kept for commands sent and not yet answered on
// one connection; beyond it, spans end at once (pub/sub and very long
// pipelines lose their reply timing, memory stays bounded).
const maxPending = 1024

// pending holds, per connection, the spans of commands sent with Send whose
// replies have not been read yet, oldest first. Entries are removed when the
// queue becomes empty and when the connection closes.
var pending sync.Map // unsafe.Pointer (*conn) → *queue

type queue struct {
	mu    sync.Mutex
	spans []trace.Span
}

func push(c unsafe.Pointer, span trace.Span) {
	v, _ := pending.LoadOrStore(c, &queue{})
	q := v.(*queue)
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.spans) >= maxPending {
		span.End()
		return
	}
	q.spans = append(q.spans, span)
}

// popOne removes the oldest pending span of c, or returns nil.
func popOne(c unsafe.Pointer) trace.Span {
	v, ok := pending.Load(c)
	if !ok {
		return nil
	}
	q := v.(*queue)
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.spans) == 0 {
		return nil
	}
	span := q.spans[0]
	q.spans[0] = nil
	q.spans = q.spans[1:]
	if len(q.spans) == 0 {
		pending.Delete(c)
	}
	return span
}

// popAll removes every pending span of c.
func popAll(c unsafe.Pointer) []trace.Span {
	v, ok := pending.LoadAndDelete(c)
	if !ok {
		return nil
	}
	q := v.(*queue)
	q.mu.Lock()
	defer q.mu.Unlock()
	spans := q.spans
	q.spans = nil
	return spans
}

// connOf reads the *conn out of the receiver pointer a trampoline passes.
func connOf(recv unsafe.Pointer) unsafe.Pointer {
	if recv == nil {
		return nil
	}
	return *(*unsafe.Pointer)(recv)
}

// doState carries one DoWithTimeout from enter to exit.
type doState struct {
	span    trace.Span   // the command's span; nil for Do("")
	pending []trace.Span // spans of earlier Sends whose replies this Do reads
}

// doEnter is the enter hook of (*conn).DoWithTimeout(readTimeout, cmd, args...).
func doEnter(recv unsafe.Pointer, _ *time.Duration, cmd *string, args *[]interface{}) (*doState, bool) {
	defer api.Guard("redigo.doEnter")
	c := connOf(recv)
	if c == nil {
		return nil, false
	}
	pending := popAll(c)
	var span trace.Span
	// Quiet: disabled, or an unsampled parent; the command propagates nothing.
	if *cmd != "" && !inst.Quiet(nil) {
		command := redisconv.Command{Name: *cmd, Args: *args}
		_, span = redisconv.Start(nil, inst.Tracer(), redisconv.OperationName(*cmd),
			redisconv.CommandAttributes(server(c), command))
	}
	if span == nil && pending == nil {
		return nil, false
	}
	return &doState{span: span, pending: pending}, false
}

// doExit is the exit hook of (*conn).DoWithTimeout.
func doExit(st *doState, reply *interface{}, err *error) {
	defer api.Guard("redigo.doExit")
	if st == nil {
		return
	}
	e := *err
	for _, span := range st.pending {
		// A Do("") returns the replies of the pending commands; a failure
		// there (nil reply) is theirs. Otherwise errors are the Do's own.
		if st.span == nil || *reply == nil {
			redisconv.End(span, e, nil)
		} else {
			span.End()
		}
	}
	if st.span != nil {
		redisconv.End(st.span, e, nil)
	}
}

// sendState carries one Send from enter to exit.
type sendState struct {
	conn unsafe.Pointer
	span trace.Span
}

// sendEnter is the enter hook of (*conn).Send(cmd, args...): the command's
// span starts here and ends when its reply is read.
func sendEnter(recv unsafe.Pointer, cmd *string, args *[]interface{}) (*sendState, bool) {
	defer api.Guard("redigo.sendEnter")
	if inst.Quiet(nil) { // disabled, or an unsampled parent
		return nil, false
	}
	c := connOf(recv)
	if c == nil {
		return nil, false
	}
	command := redisconv.Command{Name: *cmd, Args: *args}
	_, span := redisconv.Start(nil, inst.Tracer(), redisconv.OperationName(*cmd),
		redisconv.CommandAttributes(server(c), command))
	return &sendState{conn: c, span: span}, false
}

// sendExit is the exit hook of (*conn).Send: a failed send ends the span.
func sendExit(st *sendState, err *error) {
	defer api.Guard("redigo.sendExit")
	if st == nil {
		return
	}
	if *err != nil {
		redisconv.End(st.span, *err, nil)
		return
	}
	push(st.conn, st.span)
}

// receiveEnter is the enter hook of (*conn).ReceiveWithTimeout(timeout).
func receiveEnter(recv unsafe.Pointer, _ *time.Duration) (unsafe.Pointer, bool) {
	defer api.Guard("redigo.receiveEnter")
	c := connOf(recv)
	if c == nil {
		return nil, false
	}
	if _, ok := pending.Load(c); !ok {
		return nil, false // pub/sub, or nothing traced was sent
	}
	return c, false
}

// receiveExit is the exit hook of (*conn).ReceiveWithTimeout: the oldest
// pending command has its reply (or error).
func receiveExit(c unsafe.Pointer, _ *interface{}, err *error) {
	defer api.Guard("redigo.receiveExit")
	if span := popOne(c); span != nil {
		redisconv.End(span, *err, nil)
	}
}

// closeEnter is the enter hook of (*conn).Close: commands sent and never
// answered end now.
func closeEnter(recv unsafe.Pointer) (unsafe.Pointer, bool) {
	defer api.Guard("redigo.closeEnter")
	if c := connOf(recv); c != nil {
		for _, span := range popAll(c) {
			span.End()
		}
	}
	return nil, false
}
