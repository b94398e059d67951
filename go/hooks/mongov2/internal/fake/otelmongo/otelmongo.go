// Package otelmongo is a fake of OpenTelemetry's otelmongo for the hook's
// tests only: a command monitor whose functions are methods of a type in a
// package named otelmongo, as otelmongo's NewMonitor returns them, which is
// all the hook looks at to leave a client to the program's own
// instrumentation.
package otelmongo

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/event"
)

type monitor struct{ started *int }

func (m *monitor) Started(context.Context, *event.CommandStartedEvent) { *m.started++ }

// NewMonitor returns a monitor that counts the started events it sees.
func NewMonitor(started *int) *event.CommandMonitor {
	m := &monitor{started: started}
	return &event.CommandMonitor{Started: m.Started}
}
