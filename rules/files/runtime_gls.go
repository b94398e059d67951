// Added to package runtime by autotel (rules/runtime.yaml, file rule).
//
// It hands autotel's goroutine-local context (autotel.dev/go/gls) the slot
// that rules/runtime.yaml adds to every g (field autotel_gls), together with
// the goroutine's id. It runs during runtime's init, before any user code and
// before any goroutine but the main one exists. Checked against Go 1.23 to
// 1.27: getg, g.m, m.curg and g.goid exist with these meanings in all of them.

package runtime

import "unsafe"

// autotelRegisterGLS is pulled from the hook package, where it has a body (a
// pull linkname to a non-standard-library symbol is allowed).
//
//go:linkname autotelRegisterGLS autotel.dev/go/gls.registerAccessor
func autotelRegisterGLS(func() (*unsafe.Pointer, uint64))

func init() {
	autotelRegisterGLS(autotelGLSSlot)
}

// autotelGLSSlot returns the address of the calling goroutine's slot and the
// goroutine's id. Through m.curg it answers for the user goroutine even when
// called on a system stack. g structures are never freed (allgs keeps them),
// so the address stays valid; only the goroutine itself writes its slot after
// it started (newproc1 fills it before, gdestroy clears it after).
func autotelGLSSlot() (*unsafe.Pointer, uint64) {
	gp := getg().m.curg
	return &gp.autotel_gls, gp.goid
}
