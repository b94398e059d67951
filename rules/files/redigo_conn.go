// Added to package github.com/gomodule/redigo/redis by autotel
// (rules/redigo.yaml, file rule).
//
// It hands autotel's redigo hooks (autotel.dev/go/hooks/redigo) a way to read
// the remote address of a connection, which redigo keeps in the unexported
// field conn.conn. It only reads; it changes nothing. Checked against redigo
// v1.8.2 to v1.9.3: conn.conn is a net.Conn in all of them.

package redis

import (
	"net"
	"unsafe"
)

// autotelRegisterConnAccessor is pulled from the hook package, where it has a
// body.
//
//go:linkname autotelRegisterConnAccessor autotel.dev/go/hooks/redigo.registerConnAccessor
func autotelRegisterConnAccessor(func(unsafe.Pointer) net.Addr)

func init() {
	autotelRegisterConnAccessor(autotelConnAddr)
}

// autotelConnAddr returns the remote address of the *conn at p, or nil.
func autotelConnAddr(p unsafe.Pointer) net.Addr {
	c := (*conn)(p)
	if c == nil || c.conn == nil {
		return nil
	}
	return c.conn.RemoteAddr()
}
