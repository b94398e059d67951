// Added to package github.com/rs/zerolog by autotel (rules/zerolog.yaml, file
// rule).
//
// It hands autotel's zerolog hook (autotel.dev/go/hooks/zerolog) a way to
// read the fields already encoded in an event, which zerolog keeps in the
// unexported field Event.buf, so the hook does not add a trace_id the
// application wrote itself. It only reads; it changes nothing. Checked
// against zerolog v1.20.0 to v1.35.1: Event.buf is a []byte in all of them.

package zerolog

import "unsafe"

// autotelRegisterEventFields is pulled from the hook package, where it has a
// body.
//
//go:linkname autotelRegisterEventFields autotel.dev/go/hooks/zerolog.registerEventFields
func autotelRegisterEventFields(func(unsafe.Pointer) []byte)

func init() {
	autotelRegisterEventFields(autotelEventFields)
}

// autotelEventFields returns the encoded fields of the *Event at p.
func autotelEventFields(p unsafe.Pointer) []byte {
	return (*Event)(p).buf
}
