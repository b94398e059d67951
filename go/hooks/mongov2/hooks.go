package mongov2

import (
	"errors"

	"autotel.dev/go/api"
	"autotel.dev/go/internal/mongoconv"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver"
)

var inst = api.NewInstrumentation("mongo")

// newClientEnter is the enter hook of newClient(opts ...*options.ClientOptions),
// which Connect calls: it appends one ClientOptions holding autotel's
// command monitor (around the application's own) to a copy of opts. The
// options merge field by field, the last one set winning, so the client gets
// autotel's monitor and the application's options are not touched.
func newClientEnter(opts *[]*options.ClientOptions) (*struct{}, bool) {
	defer api.Guard("mongov2.newClientEnter")
	if !inst.Enabled() || opts == nil {
		return nil, false
	}
	user := appMonitor(*opts)
	if user != nil && mongoconv.IsOtelmongo(user.Started) {
		return nil, false
	}
	with := make([]*options.ClientOptions, len(*opts), len(*opts)+1)
	copy(with, *opts)
	*opts = append(with, options.Client().SetMonitor(newMonitor(user)))
	return nil, false
}

// appMonitor is the command monitor the client would get without autotel:
// the last one opts set.
func appMonitor(opts []*options.ClientOptions) *event.CommandMonitor {
	var m *event.CommandMonitor
	for _, o := range opts {
		if o != nil && o.Monitor != nil {
			m = o.Monitor
		}
	}
	return m
}

// newMonitor returns autotel's command monitor: a CLIENT span per command,
// from its started event to its succeeded or failed one, and the
// application's monitor (nil when none) called with every event as before.
func newMonitor(user *event.CommandMonitor) *event.CommandMonitor {
	if user == nil {
		user = &event.CommandMonitor{}
	}
	cmds := &mongoconv.Commands{}
	return &event.CommandMonitor{
		Started: mongoconv.OnStarted(cmds, inst, func(e *event.CommandStartedEvent) (mongoconv.Command, int64) {
			return mongoconv.Command{Name: e.CommandName, Database: e.DatabaseName, Document: e.Command, ConnectionID: e.ConnectionID}, e.RequestID
		}, user.Started),
		Succeeded: mongoconv.OnFinished(user.Succeeded, func(e *event.CommandSucceededEvent) {
			cmds.Succeed(e.ConnectionID, e.RequestID)
		}),
		Failed: mongoconv.OnFinished(user.Failed, func(e *event.CommandFailedEvent) {
			cmds.Fail(e.ConnectionID, e.RequestID, failure(e.Failure))
		}),
	}
}

// failure describes a failed event's error: a server error (driver.Error)
// has its code and code name.
func failure(err error) mongoconv.Failure {
	f := mongoconv.Failure{Err: err}
	var de driver.Error
	if errors.As(err, &de) {
		f.Code, f.CodeName = de.Code, de.Name
	}
	return f
}
