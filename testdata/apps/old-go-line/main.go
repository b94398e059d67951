// A module whose go line predates Go 1.22 in two ways a program can see. Its language: the
// closures below share one `i` under go 1.20 semantics (prints 333) and get one each from 1.22
// on (prints 012). Its default GODEBUG settings: under go 1.20 a ServeMux pattern "GET /x" is a
// plain path (httpmuxgo121=1: 404) and panic(nil) recovers nil (panicnil=1); from 1.22 the
// pattern routes (200) and the recovered value is a *runtime.PanicNilError. The hook runtime's
// go line is 1.23, so an instrumented build must let it raise neither
// (crates/autotel/tests/build_mode/language.rs).
package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
)

func main() {
	var prints []func()
	for i := 0; i < 3; i++ {
		prints = append(prints, func() { fmt.Print(i) })
	}
	for _, p := range prints {
		p()
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /x", func(http.ResponseWriter, *http.Request) {})
	recorder := httptest.NewRecorder()
	mux.ServeHTTP(recorder, httptest.NewRequest("GET", "/x", nil))
	fmt.Printf(" mux=%d", recorder.Code)

	defer func() { fmt.Printf(" panic(nil)=%T\n", recover()) }()
	panic(nil)
}
