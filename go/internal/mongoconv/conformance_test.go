package mongoconv

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"autotel.dev/go/api"
	"autotel.dev/go/internal/conformance"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// commandRow is a row of testdata/semantics/mongodb.json's commands.
type commandRow struct {
	About        string          `json:"about"`
	Command      string          `json:"command"`
	Database     string          `json:"database"`
	ConnectionID string          `json:"connection_id"`
	Document     json.RawMessage `json:"document"`
	Error        string          `json:"error"`
	ErrorCode    int32           `json:"error_code"`
	ErrorName    string          `json:"error_name"`
	conformance.Expect
}

// Every row, through what the MongoDB hooks call: Commands' Start and
// Succeed or Fail.
func TestConformanceCommands(t *testing.T) {
	for i, row := range conformance.Rows[commandRow](t, "mongodb.json", "commands") {
		rec := tracetest.NewSpanRecorder()
		prev := otel.GetTracerProvider()
		otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)))
		var doc []byte
		if len(row.Document) > 0 {
			doc = bsonOfJSON(t, row.Document)
		}
		var cmds Commands
		cmds.Start(context.Background(), api.NewInstrumentation("conformance"), Command{Name: row.Command, Database: row.Database, Document: doc, ConnectionID: row.ConnectionID}, int64(i))
		if row.Error == "" {
			cmds.Succeed(row.ConnectionID, int64(i))
		} else {
			cmds.Fail(row.ConnectionID, int64(i), Failure{Err: errors.New(row.Error), Code: row.ErrorCode, CodeName: row.ErrorName})
		}
		otel.SetTracerProvider(prev)
		conformance.Check(t, fmt.Sprintf("mongodb.json #%d %s", i, row.Command), rec.Ended(), row.Expect)
	}
}
