package redisconv

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"testing"

	"autotel.dev/go/internal/conformance"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// commandRow is a row of testdata/semantics/redis.json's commands.
type commandRow struct {
	About   string   `json:"about"`
	Command string   `json:"command"`
	Args    []string `json:"args"`
	Address string   `json:"address"`
	DB      *int     `json:"db"`
	Error   string   `json:"error"`
	conformance.Expect
}

// errNil stands for redis.Nil and redigo.ErrNil, which the hooks recognise
// with errors.Is.
var errNil = errors.New("redis: nil")

// Every row, through what the Redis hooks call: CommandAttributes, Start
// and End.
func TestConformanceCommands(t *testing.T) {
	for i, row := range conformance.Rows[commandRow](t, "redis.json", "commands") {
		rec := tracetest.NewSpanRecorder()
		tracer := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)).Tracer("conformance")
		server := ServerFromAddr(row.Address)
		if row.DB != nil {
			server.Namespace = strconv.Itoa(*row.DB)
		}
		args := make([]any, len(row.Args))
		for j, a := range row.Args {
			args[j] = a
		}
		cmd := Command{Name: row.Command, Args: args}
		_, span := Start(context.Background(), tracer, OperationName(cmd.Name), CommandAttributes(server, cmd))
		var err error
		switch row.Error {
		case "":
		case errNil.Error():
			err = errNil
		default:
			err = errors.New(row.Error)
		}
		End(span, err, func(e error) bool { return errors.Is(e, errNil) })
		conformance.Check(t, fmt.Sprintf("redis.json #%d %s %q", i, row.Command, row.Args), rec.Ended(), row.Expect)
	}
}
