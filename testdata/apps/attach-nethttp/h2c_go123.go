//go:build !go1.24

package main

import (
	"fmt"
	"net/http"
	"os"
	"runtime"
)

// speakH2C: net/http has no unencrypted HTTP/2 before Go 1.24 (http.Protocols).
func speakH2C(*http.Server, *http.Transport) {
	fmt.Fprintf(os.Stderr, "-h2c needs Go 1.24 or later (net/http's unencrypted HTTP/2); this is %s\n", runtime.Version())
	os.Exit(2)
}
