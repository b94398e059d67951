package mongoconv

import (
	"context"
	"errors"
	"testing"

	"autotel.dev/go/api"
	"autotel.dev/go/internal/spantest"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/codes"
)

var testInst = api.NewInstrumentation("mongoconv-test")

// event stands for a driver's started or finished event.
type event struct {
	name    string
	conn    string
	request int64
}

func (e *event) command() (Command, int64) {
	return Command{Name: e.name, Database: "shop", ConnectionID: e.conn}, e.request
}

// Started and finished events are paired by connection and request id, not
// by order; a finished event never started ends nothing; the application's
// functions see every event, in the order the driver sent them.
func TestMonitorFunctionsPairEventsAndCallTheApplication(t *testing.T) {
	rec := spantest.Record(t)
	var cmds Commands
	var calls []string
	user := func(what string) func(context.Context, *event) {
		return func(_ context.Context, e *event) { calls = append(calls, what+" "+e.name) }
	}
	started := OnStarted(&cmds, testInst, (*event).command, user("started"))
	succeeded := OnFinished(user("succeeded"), func(e *event) { cmds.Succeed(e.conn, e.request) })
	failed := OnFinished(user("failed"), func(e *event) {
		cmds.Fail(e.conn, e.request, Failure{Err: errors.New("dup"), Code: 11000, CodeName: "DuplicateKey"})
	})
	ctx, parent := otel.Tracer("test").Start(context.Background(), "request")
	started(ctx, &event{"insert", "a:1[-1]", 1})
	started(ctx, &event{"find", "a:1[-2]", 1}) // same request id, other connection
	failed(ctx, &event{"insert", "a:1[-1]", 1})
	succeeded(ctx, &event{"find", "a:1[-2]", 1})
	succeeded(ctx, &event{"ping", "a:1[-2]", 9}) // never started
	parent.End()
	spans := rec.Ended()
	if len(spans) != 3 || spans[0].Name() != "insert" || spans[1].Name() != "find" {
		t.Fatalf("spans %v", spans)
	}
	if spans[0].Status().Code != codes.Error || spans[1].Status().Code == codes.Error {
		t.Error("the failure went to the wrong span")
	}
	for _, s := range spans[:2] {
		if s.Parent().SpanID() != parent.SpanContext().SpanID() {
			t.Errorf("%s: not a child of the span in ctx", s.Name())
		}
	}
	want := []string{"started insert", "started find", "failed insert", "succeeded find", "succeeded ping"}
	if len(calls) != len(want) {
		t.Fatalf("the application saw %q, want %q", calls, want)
	}
	for i := range want {
		if calls[i] != want[i] {
			t.Errorf("the application saw %q, want %q", calls, want)
		}
	}
}

// Without functions of the application's, the monitor still traces.
func TestMonitorFunctionsWithoutTheApplications(t *testing.T) {
	rec := spantest.Record(t)
	var cmds Commands
	OnStarted(&cmds, testInst, (*event).command, nil)(context.Background(), &event{"ping", "a:1", 1})
	OnFinished(nil, func(e *event) { cmds.Succeed(e.conn, e.request) })(context.Background(), &event{"ping", "a:1", 1})
	if spans := rec.Ended(); len(spans) != 1 || spans[0].Name() != "ping" {
		t.Fatalf("spans %v", spans)
	}
}

// Spans waiting for their finished event are bounded.
func TestOpenCommandsAreBounded(t *testing.T) {
	rec := spantest.Record(t)
	var cmds Commands
	for i := 0; i < maxOpen+10; i++ {
		cmds.Start(context.Background(), testInst, Command{Name: "find", ConnectionID: "a:1"}, int64(i))
	}
	if n := len(rec.Started()); n != maxOpen {
		t.Errorf("%d spans started, want at most %d", n, maxOpen)
	}
}

func TestIsOtelmongo(t *testing.T) {
	if IsOtelmongo(func(context.Context, *event) {}) || IsOtelmongo(nil) || IsOtelmongo((func())(nil)) {
		t.Error("a function outside otelmongo counts as otelmongo's")
	}
}
