// Package bytesx does not import kv: its tests run alone, without the kv hooks.
package bytesx

// Reverse returns b's bytes in reverse order.
func Reverse(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		out[len(b)-1-i] = c
	}
	return out
}
