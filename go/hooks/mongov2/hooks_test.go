package mongov2

import (
	"context"
	"testing"

	"autotel.dev/go/api"
	"autotel.dev/go/hooks/mongov2/internal/fake/otelmongo"
	"autotel.dev/go/internal/spantest"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// connected runs newClientEnter on opts as the rewritten newClient does and
// returns the monitor the client would get (options merged as the driver
// merges them).
func connected(t *testing.T, opts ...*options.ClientOptions) *event.CommandMonitor {
	t.Helper()
	before := append([]*options.ClientOptions(nil), opts...)
	newClientEnter(&opts)
	for i := range before {
		if opts[i] != before[i] {
			t.Fatalf("option %d replaced", i)
		}
	}
	return options.MergeClientOptions(opts...).Monitor
}

// appMonitorRecorder is the application's own monitor: it records the events it gets.
type appMonitorRecorder struct{ calls []string }

func (a *appMonitorRecorder) monitor() *event.CommandMonitor {
	return &event.CommandMonitor{
		Started: func(ctx context.Context, e *event.CommandStartedEvent) {
			a.calls = append(a.calls, "started "+e.CommandName)
			if !trace.SpanContextFromContext(ctx).IsValid() {
				a.calls = append(a.calls, "no span in ctx")
			}
		},
		Succeeded: func(_ context.Context, e *event.CommandSucceededEvent) {
			a.calls = append(a.calls, "succeeded "+e.CommandName)
		},
		Failed: func(_ context.Context, e *event.CommandFailedEvent) {
			a.calls = append(a.calls, "failed "+e.CommandName)
		},
	}
}

func started(t *testing.T, name, db string, requestID int64, cmd any) *event.CommandStartedEvent {
	t.Helper()
	raw, err := bson.Marshal(cmd)
	if err != nil {
		t.Fatal(err)
	}
	return &event.CommandStartedEvent{Command: raw, DatabaseName: db, CommandName: name, RequestID: requestID, ConnectionID: "127.0.0.1:27017[-4]"}
}

func finished(name, db string, requestID int64) event.CommandFinishedEvent {
	return event.CommandFinishedEvent{CommandName: name, DatabaseName: db, RequestID: requestID, ConnectionID: "127.0.0.1:27017[-4]"}
}

func TestCommandSpanAroundTheApplicationsMonitor(t *testing.T) {
	rec := spantest.Record(t)
	app := &appMonitorRecorder{}
	m := connected(t, options.Client().ApplyURI("mongodb://127.0.0.1:27017"), options.Client().SetMonitor(app.monitor()))
	if m == nil || m == app.monitor() {
		t.Fatal("the client gets no monitor of autotel's")
	}
	ctx, parent := otel.Tracer("test").Start(context.Background(), "request")
	m.Started(ctx, started(t, "find", "shop", 7, bson.D{{Key: "find", Value: "users"}, {Key: "filter", Value: bson.D{{Key: "name", Value: "alice"}}}, {Key: "lsid", Value: bson.D{{Key: "id", Value: "x"}}}, {Key: "$db", Value: "shop"}}))
	m.Succeeded(ctx, &event.CommandSucceededEvent{CommandFinishedEvent: finished("find", "shop", 7)})
	parent.End()
	if want := []string{"started find", "succeeded find"}; len(app.calls) != 2 || app.calls[0] != want[0] || app.calls[1] != want[1] {
		t.Errorf("the application's monitor got %q, want %q", app.calls, want)
	}
	spans := rec.Ended()
	if len(spans) != 2 {
		t.Fatalf("%d spans, want the command's and the parent", len(spans))
	}
	s := spans[0]
	if s.Name() != "find users" || s.SpanKind() != trace.SpanKindClient {
		t.Errorf("span %q %v, want \"find users\" client", s.Name(), s.SpanKind())
	}
	if s.Parent().SpanID() != parent.SpanContext().SpanID() {
		t.Error("the command's span is not a child of the span in ctx")
	}
	spantest.WantAttrs(t, s, map[string]any{
		"db.system.name": "mongodb", "db.operation.name": "find", "db.collection.name": "users", "db.namespace": "shop",
		"server.address": "127.0.0.1", "server.port": int64(27017), "db.query.text": `{"find":"users","filter":{"name":?}}`,
	})
	if s.Status().Code == codes.Error {
		t.Error("a succeeded command's span has status Error")
	}
}

func TestFailedCommandHasTheServersCode(t *testing.T) {
	rec := spantest.Record(t)
	app := &appMonitorRecorder{}
	m := connected(t, options.Client().SetMonitor(app.monitor()))
	m.Started(context.Background(), started(t, "drop", "shop", 9, bson.D{{Key: "drop", Value: "ghosts"}}))
	err := driver.Error{Code: 26, Name: "NamespaceNotFound", Message: "ns not found"}
	m.Failed(context.Background(), &event.CommandFailedEvent{CommandFinishedEvent: finished("drop", "shop", 9), Failure: err})
	spans := rec.Ended()
	if len(spans) != 1 {
		t.Fatalf("%d spans, want 1", len(spans))
	}
	s := spans[0]
	if s.Name() != "drop ghosts" || s.Status().Code != codes.Error {
		t.Errorf("span %q status %v, want \"drop ghosts\" Error", s.Name(), s.Status())
	}
	spantest.WantAttrs(t, s, map[string]any{"error.type": "NamespaceNotFound", "db.response.status_code": "26"})
	if len(app.calls) != 3 || app.calls[2] != "failed drop" {
		t.Errorf("the application's monitor got %q", app.calls)
	}
}

// A client traced by otelmongo keeps its monitor alone.
func TestOtelmongoClientIsLeftAlone(t *testing.T) {
	rec := spantest.Record(t)
	n := 0
	own := otelmongo.NewMonitor(&n)
	m := connected(t, options.Client().SetMonitor(own))
	if m != own {
		t.Fatal("autotel replaced otelmongo's monitor")
	}
	m.Started(context.Background(), started(t, "ping", "admin", 3, bson.D{{Key: "ping", Value: 1}}))
	if n != 1 || len(rec.Started()) != 0 {
		t.Errorf("otelmongo saw %d events, autotel started %d spans", n, len(rec.Started()))
	}
}

// Disabled (OTEL_GO_DISABLED_INSTRUMENTATIONS=mongo): the options are left as they are.
func TestDisabledLeavesTheOptions(t *testing.T) {
	t.Cleanup(api.ReloadEnvironment) // after t.Setenv's restore (cleanups run last first)
	t.Setenv("OTEL_GO_DISABLED_INSTRUMENTATIONS", "mongo")
	api.ReloadEnvironment()
	app := &appMonitorRecorder{}
	own := app.monitor()
	opts := []*options.ClientOptions{options.Client().SetMonitor(own)}
	newClientEnter(&opts)
	if len(opts) != 1 || opts[0].Monitor != own {
		t.Error("a disabled instrumentation changed the options")
	}
}
