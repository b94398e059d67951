//go:build unix

package sdk

import (
	"os"
	"syscall"
	"testing"
)

func TestSignalBookkeeping(t *testing.T) {
	signalsMu.Lock()
	saved, savedOwn := appSignals, ownSignals
	appSignals, ownSignals = nil, make(chan os.Signal, 1)
	own := ownSignals
	signalsMu.Unlock()
	t.Cleanup(func() {
		signalsMu.Lock()
		appSignals, ownSignals = saved, savedOwn
		signalsMu.Unlock()
	})

	call := func(c chan<- os.Signal, sigs ...os.Signal) {
		if st, skip := signalNotifyEnter(&c, &sigs); st != nil || skip {
			t.Fatalf("signalNotifyEnter returned (%v, %v), want (nil, false)", st, skip)
		}
	}
	stop := func(c chan<- os.Signal) {
		if st, skip := signalStopEnter(&c); st != nil || skip {
			t.Fatalf("signalStopEnter returned (%v, %v), want (nil, false)", st, skip)
		}
	}
	listens := func() (term, intr bool) {
		return appListens(syscall.SIGTERM), appListens(syscall.SIGINT)
	}

	call(own, syscall.SIGTERM, syscall.SIGINT)
	if term, intr := listens(); term || intr {
		t.Fatal("the bootstrap's own Notify counted as the application's")
	}

	hup := make(chan os.Signal, 1)
	call(hup, syscall.SIGHUP)
	call(nil, syscall.SIGTERM) // signal.Notify panics on it: not a registration
	if term, intr := listens(); term || intr {
		t.Fatal("SIGHUP or a nil channel counted as listening for SIGTERM/SIGINT")
	}

	term := make(chan os.Signal, 1)
	call(term, syscall.SIGTERM)
	if gotTerm, gotInt := listens(); !gotTerm || gotInt {
		t.Fatalf("after Notify(c, SIGTERM): term=%v int=%v", gotTerm, gotInt)
	}

	all := make(chan os.Signal, 1)
	call(all)
	if gotTerm, gotInt := listens(); !gotTerm || !gotInt {
		t.Fatalf("after Notify(c) for all signals: term=%v int=%v", gotTerm, gotInt)
	}

	stop(all)
	if gotTerm, gotInt := listens(); !gotTerm || gotInt {
		t.Fatalf("after Stop(all): term=%v int=%v", gotTerm, gotInt)
	}
	stop(term)
	if gotTerm, gotInt := listens(); gotTerm || gotInt {
		t.Fatalf("after Stop(term): term=%v int=%v", gotTerm, gotInt)
	}
}
