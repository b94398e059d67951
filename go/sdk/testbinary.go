package sdk

import "strings"

// isTestBinary reports whether the program is a test binary run by go test,
// from its arguments: go test always passes -test.* flags (-test.paniconexit0
// and -test.timeout at least). There the bootstrap does not listen for
// signals: the first signal.Notify starts os/signal's own goroutine, which
// nothing ever stops, and suites that count goroutines once their tests ran
// (coder/websocket's TestMain wants exactly one) would fail under autotel.
// Test binaries still flush when testing.(*M).Run returns (hooks.go); on
// SIGINT or SIGTERM they end as without autotel, unflushed.
func isTestBinary(args []string) bool {
	for _, arg := range args[min(1, len(args)):] {
		if arg == "--" {
			return false
		}
		if strings.HasPrefix(arg, "-test.") || strings.HasPrefix(arg, "--test.") {
			return true
		}
	}
	return false
}
