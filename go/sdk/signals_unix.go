//go:build unix

package sdk

import (
	"os"
	"os/signal"
	"sync"
	"syscall"

	"autotel.dev/go/api"
)

// flushSignals are the signals on which the bootstrap flushes. Without
// autotel they end a Go program unless it listens for them; with it they
// still do, after the flush.
var flushSignals = []syscall.Signal{syscall.SIGTERM, syscall.SIGINT}

var (
	signalsMu sync.Mutex
	// ownSignals is the bootstrap's own channel, so that its Notify call is
	// not taken for the application's.
	ownSignals chan os.Signal
	// appSignals maps each channel the application passed to signal.Notify
	// to the flush signals it receives.
	appSignals map[chan<- os.Signal]map[syscall.Signal]bool
)

// signalListener is the bootstrap's goroutine that receives the flush
// signals.
type signalListener struct {
	ch chan os.Signal
}

// listenForSignals makes the bootstrap receive the flush signals; nil when
// there is none to listen for. A signal that the process inherited as
// ignored (SIGINT or SIGHUP of a background job) stays ignored: listening
// would turn it back on.
func listenForSignals(r *runtime) *signalListener {
	var sigs []os.Signal
	for _, s := range flushSignals {
		if !signal.Ignored(s) {
			sigs = append(sigs, s)
		}
	}
	if len(sigs) == 0 {
		return nil
	}
	ch := make(chan os.Signal, len(sigs))
	signalsMu.Lock()
	ownSignals = ch
	signalsMu.Unlock()
	signal.Notify(ch, sigs...)
	go func() {
		for s := range ch {
			if sig, ok := s.(syscall.Signal); ok {
				onSignal(r, sig)
			}
		}
	}()
	return &signalListener{ch: ch}
}

// stop ends the listener: after signal.Stop nothing is sent on its channel
// any more, so closing it ends the goroutine (after a signal it may be
// handling).
func (l *signalListener) stop() {
	signal.Stop(l.ch)
	close(l.ch)
}

// onSignal handles a flush signal. When the application listens for it, the
// application decides what happens next: flush what is buffered and let it
// go on (it exits through main or os.Exit, which flush again). Otherwise the
// signal would have ended the program: restore its default handling (so a
// second one acts at once), flush, and raise it again, so that the process
// ends exactly as it would have.
func onSignal(r *runtime, sig syscall.Signal) {
	defer api.Guard("sdk.onSignal")
	if appListens(sig) {
		r.forceFlush()
		return
	}
	signal.Reset(sig)
	r.shutdown()
	_ = syscall.Kill(syscall.Getpid(), sig)
}

func appNotify(c chan<- os.Signal, sigs []os.Signal) {
	if c == nil {
		return // signal.Notify panics on it
	}
	signalsMu.Lock()
	defer signalsMu.Unlock()
	if ownSignals != nil && c == chan<- os.Signal(ownSignals) {
		return
	}
	for _, fs := range flushSignals {
		if len(sigs) == 0 || containsSignal(sigs, fs) {
			if appSignals == nil {
				appSignals = make(map[chan<- os.Signal]map[syscall.Signal]bool)
			}
			if appSignals[c] == nil {
				appSignals[c] = make(map[syscall.Signal]bool)
			}
			appSignals[c][fs] = true
		}
	}
}

func appStop(c chan<- os.Signal) {
	signalsMu.Lock()
	defer signalsMu.Unlock()
	delete(appSignals, c)
}

func appListens(sig syscall.Signal) bool {
	signalsMu.Lock()
	defer signalsMu.Unlock()
	for _, sigs := range appSignals {
		if sigs[sig] {
			return true
		}
	}
	return false
}

func containsSignal(sigs []os.Signal, want syscall.Signal) bool {
	for _, s := range sigs {
		if s == want {
			return true
		}
	}
	return false
}
