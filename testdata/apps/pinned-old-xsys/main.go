// A program that pins golang.org/x/sys at logrus v1.9.3's version (2022), older than any
// OpenTelemetry Go release with a Logs SDK allows: `autotel go build` moves it, and must say so
// exactly (crates/autotel/tests/build_mode/dependencies.rs).
package main

import (
	"fmt"
	"net/http"
	"os"

	"golang.org/x/sys/unix"
)

func main() {
	http.HandleFunc("/pid", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, unix.Getpid())
	})
	if err := http.ListenAndServe(os.Getenv("LISTEN"), nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
