// Package redisconv maps Redis commands onto the semantic conventions for
// database client spans (db.system.name=redis), for every Redis hook package
// (autotel.dev/go/hooks/redigo, …/goredis, …/goredisv8): span names, the
// sanitized db.query.text, db.operation.name, server.address/server.port and
// error.type. It knows nothing about any client library.
//
// Sanitization: a command keeps its name and its first argument (the key, for
// the commands that have one); every other argument becomes "?", so
// "SET user:1 secret" is recorded as "SET user:1 ?". Commands whose first
// argument is a secret (AUTH, HELLO, MIGRATE…) keep only their name. Command
// names are recorded upper case ("get" → "GET"), which is also the span name.
package redisconv

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"

	"autotel.dev/go/api"
	sc "autotel.dev/go/internal/semconv/keys"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// maxQueryText bounds db.query.text; longer texts are cut and end in "…".
const maxQueryText = 2048

// Server is where the commands of one connection or client go.
type Server struct {
	Address   string // server.address: host name, IP or unix socket path; "" when unknown
	Port      int    // server.port; 0 when unknown
	Namespace string // db.namespace: the database index given at connect time; "" when unknown
}

// ServerFromAddr parses "host:port" (or a unix socket path).
func ServerFromAddr(addr string) Server {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return Server{Address: addr}
	}
	p, _ := strconv.Atoi(port)
	return Server{Address: host, Port: p}
}

// ServerFromNetAddr is ServerFromAddr for a net.Addr (nil gives an empty Server).
func ServerFromNetAddr(a net.Addr) Server {
	if a == nil {
		return Server{}
	}
	if a.Network() == "unix" {
		return Server{Address: a.String()}
	}
	return ServerFromAddr(a.String())
}

// Attributes are the attributes of a span for server s.
func (s Server) Attributes(attrs []attribute.KeyValue) []attribute.KeyValue {
	attrs = append(attrs, sc.DBSystemNameRedis)
	if s.Address != "" {
		attrs = append(attrs, sc.ServerAddress(s.Address))
	}
	if s.Port > 0 {
		attrs = append(attrs, sc.ServerPort(s.Port))
	}
	if s.Namespace != "" {
		attrs = append(attrs, sc.DBNamespace(s.Namespace))
	}
	return attrs
}

// OperationName is db.operation.name (and the span name) of a command.
func OperationName(name string) string {
	return api.ValidText(strings.ToUpper(strings.TrimSpace(name)))
}

// secretFirstArg lists commands whose arguments are all redacted.
var secretFirstArg = map[string]bool{"AUTH": true, "HELLO": true, "MIGRATE": true, "ACL": true, "CONFIG": true}

// QueryText is the sanitized db.query.text of command name with args (the
// arguments after the name); valid UTF-8 even when the key is binary.
func QueryText(name string, args []any) string {
	var b strings.Builder
	op := OperationName(name)
	b.WriteString(op)
	for i, arg := range args {
		b.WriteByte(' ')
		if i == 0 && !secretFirstArg[op] {
			if s, ok := keyString(arg); ok {
				b.WriteString(s)
				continue
			}
		}
		b.WriteByte('?')
		if b.Len() > maxQueryText {
			break
		}
	}
	return api.TruncateText(b.String(), maxQueryText)
}

// keyString formats a key argument; ok is false for arguments that are not
// plain strings, byte slices or numbers.
func keyString(arg any) (string, bool) {
	switch v := arg.(type) {
	case string:
		return v, true
	case []byte:
		return string(v), true
	case int:
		return strconv.Itoa(v), true
	case int64:
		return strconv.FormatInt(v, 10), true
	case interface{ String() string }:
		return "", false // may be anything; do not call user code
	}
	return "", false
}

// Command is one command as a hook sees it.
type Command struct {
	Name string
	Args []any // arguments after the name
}

// PipelineNames returns db.operation.name and the span name of a pipeline (or
// MULTI/EXEC transaction when kind is "MULTI") of cmds: "PIPELINE GET" when
// every command is GET, else "PIPELINE"; a single command is named as itself.
func PipelineNames(kind string, cmds []Command) string {
	if len(cmds) == 1 {
		return OperationName(cmds[0].Name)
	}
	same := ""
	for i, c := range cmds {
		op := OperationName(c.Name)
		if i == 0 {
			same = op
		} else if op != same {
			same = ""
			break
		}
	}
	if same == "" {
		return kind
	}
	return kind + " " + same
}

// PipelineQueryText joins the sanitized texts of cmds with "; ".
func PipelineQueryText(cmds []Command) string {
	var b strings.Builder
	for i, c := range cmds {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(QueryText(c.Name, c.Args))
		if b.Len() > maxQueryText {
			break
		}
	}
	return api.TruncateText(b.String(), maxQueryText)
}

// CommandAttributes are the attributes of the span of one command.
func CommandAttributes(s Server, c Command) []attribute.KeyValue {
	attrs := make([]attribute.KeyValue, 0, 6)
	attrs = s.Attributes(attrs)
	return append(attrs,
		sc.DBOperationName(OperationName(c.Name)),
		sc.DBQueryText(QueryText(c.Name, c.Args)))
}

// PipelineAttributes are the attributes of the span of a pipeline; kind is
// "PIPELINE" or "MULTI".
func PipelineAttributes(s Server, kind string, cmds []Command) []attribute.KeyValue {
	if len(cmds) == 1 {
		return CommandAttributes(s, cmds[0])
	}
	attrs := make([]attribute.KeyValue, 0, 7)
	attrs = s.Attributes(attrs)
	return append(attrs,
		sc.DBOperationName(PipelineNames(kind, cmds)),
		sc.DBQueryText(PipelineQueryText(cmds)),
		sc.DBOperationBatchSize(len(cmds)))
}

// Start starts the CLIENT span of a command or pipeline, as a child of the
// span in ctx or, when ctx has none, of the goroutine's current span
// (api.Parent). It does not make the span current: a Redis command runs no
// user code that could start children.
func Start(ctx context.Context, tracer trace.Tracer, name string, attrs []attribute.KeyValue) (context.Context, trace.Span) {
	return tracer.Start(api.Parent(ctx), name,
		trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attrs...))
}

// End ends span after a command that returned err. isNil reports whether err
// only means "no such key" (redis.Nil, redigo.ErrNil): that is a reply, not
// an error.
func End(span trace.Span, err error, isNil func(error) bool) {
	if err != nil && (isNil == nil || !isNil(err)) {
		RecordError(span, err)
	}
	span.End()
}

// RecordError records err on span: an exception event, status Error, and
// error.type: the error prefix of a server error reply ("ERR",
// "WRONGTYPE"…), else what api.ErrorType says.
func RecordError(span trace.Span, err error) {
	if err == nil || !span.IsRecording() {
		return
	}
	span.RecordError(err)
	span.SetStatus(codes.Error, err.Error())
	span.SetAttributes(sc.ErrorTypeKey.String(ErrorType(err)))
}

// ErrorType is error.type of err. A Redis error reply starts with an upper
// case word ("ERR unknown command", "WRONGTYPE Operation…", "NOAUTH …"): that
// word is the type. Other errors (network, timeouts) get api.ErrorType.
func ErrorType(err error) string {
	var ne net.Error
	if !errors.As(err, &ne) {
		msg := err.Error()
		msg = strings.TrimPrefix(msg, "redis: ") // go-redis prefixes some of its own errors
		word, _, _ := strings.Cut(msg, " ")
		if word != "" && word == strings.ToUpper(word) && strings.IndexFunc(word, func(r rune) bool { return r < 'A' || r > 'Z' }) < 0 {
			return word
		}
	}
	return api.ErrorType(err)
}
