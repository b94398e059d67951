package sdk

import (
	"os"
	"unsafe"

	"autotel.dev/go/api"
)

// The hooks below are woven in by rules/sdk.yaml (instrumentation "sdk").
// Their shapes follow ARCHITECTURE.md ("The hook contract").

// mainEnter is the enter hook of main.main in every main package. Its state
// is the runtime, so that mainExit is deferred only when the SDK runs.
func mainEnter() (*runtime, bool) {
	defer api.Guard("sdk.mainEnter")
	return current, false
}

// mainExit is the exit hook of main.main: main returned (or is panicking,
// which ends the program too), so flush.
func mainExit(r *runtime) {
	defer api.Guard("sdk.mainExit")
	r.shutdown()
}

// osExitEnter is the enter hook of os.Exit(code int): flush before the
// process ends. The code is not touched.
func osExitEnter(_ *int) (unsafe.Pointer, bool) {
	defer api.Guard("sdk.osExitEnter")
	if r := current; r != nil {
		r.shutdown()
	}
	return nil, false
}

// signalNotifyEnter is the enter hook of os/signal.Notify(c chan<- os.Signal,
// sig ...os.Signal): it records whether the application listens for a
// signal the bootstrap flushes on, so that on such a signal the bootstrap
// knows whether to end the process itself (see signals_unix.go).
func signalNotifyEnter(c *chan<- os.Signal, sigs *[]os.Signal) (unsafe.Pointer, bool) {
	defer api.Guard("sdk.signalNotifyEnter")
	appNotify(*c, *sigs)
	return nil, false
}

// signalStopEnter is the enter hook of os/signal.Stop(c chan<- os.Signal):
// after it, c no longer counts as the application listening.
func signalStopEnter(c *chan<- os.Signal) (unsafe.Pointer, bool) {
	defer api.Guard("sdk.signalStopEnter")
	appStop(*c)
	return nil, false
}

// testRunEnter is the enter hook of testing.(*M).Run(): a test binary's
// tests are about to run. Its state is the runtime, so that testRunExit is
// deferred only when the SDK runs.
func testRunEnter(_ unsafe.Pointer) (*runtime, bool) {
	defer api.Guard("sdk.testRunEnter")
	return current, false
}

// testRunExit is the exit hook of testing.(*M).Run() (code int): the tests
// have run, so flush and stop everything before TestMain goes on, where
// leak checkers (goleak.VerifyTestMain) look for goroutines left behind.
func testRunExit(r *runtime, _ *int) {
	defer api.Guard("sdk.testRunExit")
	r.shutdown()
}
