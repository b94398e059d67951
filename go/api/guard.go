package api

import (
	"fmt"
	"sync"

	"go.opentelemetry.io/otel"
)

// reported holds the names of the hooks whose panic has been reported.
var reported sync.Map // string → struct{}

// Guard recovers a panic raised in the hook that defers it and reports it once
// per hook name, through otel.Handle (the SDK bootstrap routes that to stderr):
//
//	func serverEnter(...) (*serverState, bool) {
//		defer api.Guard("nethttp.serverEnter")
//		...
//	}
//
// It must be deferred directly (recover only works in a deferred call). It
// never recovers a panic of the instrumented function itself: an exit hook
// runs as a deferred call while the application panics, and the Guard it
// defers sees no panic of its own, so the application's panic goes on as
// before. A hook that declares no named results returns its zero values after
// a recovered panic: (nil, false) for an enter hook, that is "no exit call,
// run the body".
func Guard(name string) {
	r := recover()
	if r == nil {
		return
	}
	if _, seen := reported.LoadOrStore(name, struct{}{}); seen {
		return
	}
	otel.Handle(&HookPanicError{Hook: name, Value: r})
}

// HookPanicError is what [Guard] reports when a hook panics.
type HookPanicError struct {
	Hook  string // hook name as given to Guard, e.g. "nethttp.serverEnter"
	Value any    // the value passed to panic
}

func (e *HookPanicError) Error() string {
	return fmt.Sprintf("autotel: hook %s panicked: %v; instrumentation continues", e.Hook, e.Value)
}
