//go:build !unix

package sdk

import "os"

// On systems without Unix signals the bootstrap flushes on return from main
// and on os.Exit only: it cannot re-raise a signal to end the process the
// way it would have ended, so it does not listen for any.

type signalListener struct{}

func listenForSignals(*runtime) *signalListener { return nil }

func (*signalListener) stop() {}

func appNotify(chan<- os.Signal, []os.Signal) {}

func appStop(chan<- os.Signal) {}
