package sdk

import goruntime "runtime"

// manifest is what autotel instrumented this program with (its version, the Go
// release, the instrumented packages with their module versions): JSON after a
// marker, set by autotel's toolexec proxy when it links the program
// (`-X autotel.dev/go/sdk.manifest=…`, crates/manifest). The
// linker stores a string's bytes as they are, so `autotel inspect BINARY`
// finds them in the executable, stripped or not. Empty when the program was
// linked without autotel (the runtime's own tests).
var manifest string

func init() {
	// The program never reads the manifest; this reference keeps the linker
	// from dropping it as dead (its value: the compiler drops a KeepAlive of
	// a global's address, and the string with it).
	goruntime.KeepAlive(manifest)
}
