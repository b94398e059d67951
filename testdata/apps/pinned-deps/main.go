// A program that pins golang.org/x/sys, x/net and x/text exactly at the hook runtime's floors
// (x/sys: OpenTelemetry Go v1.36.0's requirement; x/net and its x/text: the runtime's own, for
// HTTP/2 on Go 1.23), and protobuf, which the runtime does not require, at an old release:
// `autotel go build` must link exactly these versions (crates/autotel/tests/build_mode/dependencies.rs).
package main

import (
	"fmt"
	"net/http"
	"os"

	"golang.org/x/net/http/httpguts"
	"golang.org/x/sys/unix"
	"golang.org/x/text/language"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

func main() {
	http.HandleFunc("/pid", func(w http.ResponseWriter, r *http.Request) {
		size := proto.Size(wrapperspb.String(language.English.String()))
		fmt.Fprintln(w, unix.Getpid(), httpguts.ValidHeaderFieldName("X-Pid"), size)
	})
	if err := http.ListenAndServe(os.Getenv("LISTEN"), nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
