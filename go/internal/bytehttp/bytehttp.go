// Package bytehttp is what the hooks of HTTP stacks that are not net/http and
// keep their headers and URIs as []byte (autotel.dev/go/hooks/fasthttp,
// autotel.dev/go/hooks/hertz, whose protocol package is a fork of fasthttp's)
// share: their request headers as propagation carriers and semconv
// HeaderGetters, the client's URL for url.full, the server's request target
// split into path and query, and the protocol version. It starts no spans.
package bytehttp

import (
	"net/url"
	"strings"
)

// Header is a request header of such a stack (*fasthttp.RequestHeader,
// *protocol.RequestHeader of hertz).
type Header interface {
	Peek(key string) []byte
	Set(key, value string)
	Del(key string)
	VisitAll(f func(key, value []byte))
}

// Carrier is a request's headers as a propagation carrier and as semconv's
// HeaderGetter.
type Carrier[H Header] struct{ H H }

func (c Carrier[H]) Get(key string) string { return string(c.H.Peek(key)) }

func (c Carrier[H]) Set(key, value string) { c.H.Set(key, value) }

func (c Carrier[H]) Keys() []string {
	var keys []string
	c.H.VisitAll(func(k, _ []byte) { keys = append(keys, string(k)) })
	return keys
}

// Injected is the carrier a client hook injects through: it sets only the
// keys the program's request does not carry already (a request that
// propagates its own context keeps it) and remembers them, so that Remove
// can take them out again when the call returns.
type Injected[H Header] struct {
	H   H
	set []string
}

func (c *Injected[H]) Get(key string) string { return string(c.H.Peek(key)) }

func (c *Injected[H]) Set(key, value string) {
	if len(c.H.Peek(key)) > 0 {
		return
	}
	c.H.Set(key, value)
	c.set = append(c.set, key)
}

func (c *Injected[H]) Keys() []string { return Carrier[H]{c.H}.Keys() }

// Remove deletes the headers Set added.
func (c *Injected[H]) Remove() {
	for _, k := range c.set {
		c.H.Del(k)
	}
	c.set = nil
}

// URI is a client request's URI (*fasthttp.URI, *protocol.URI of hertz).
type URI interface {
	Scheme() []byte
	Host() []byte
	Path() []byte
	PathOriginal() []byte
	QueryString() []byte
}

// RequestURL is url.full's URL of a client request: scheme, host, the path as
// the program gave it, and the query; never the user name and password.
func RequestURL(u URI) *url.URL {
	raw := string(u.Scheme()) + "://" + string(u.Host()) + string(u.PathOriginal())
	if q := u.QueryString(); len(q) > 0 {
		raw += "?" + string(q)
	}
	parsed, err := url.Parse(raw)
	if err != nil {
		return &url.URL{Scheme: string(u.Scheme()), Host: string(u.Host()), Path: string(u.Path())}
	}
	parsed.User = nil
	return parsed
}

// SplitTarget splits a server request's target (the request line's, as
// received) into path and query, without its fragment; an absolute-form
// target ("http://host/p?q") gives its path.
func SplitTarget(target string) (path, query string) {
	target, _, _ = strings.Cut(target, "#")
	path, query, _ = strings.Cut(target, "?")
	if u, err := url.Parse(path); err == nil && u.Path != "" {
		path = u.Path
	}
	return path, query
}

// ProtocolVersion splits "HTTP/1.1" into 1, 1 (0, 0 when it is not that shape).
func ProtocolVersion(proto string) (major, minor int) {
	p, ok := strings.CutPrefix(proto, "HTTP/")
	if !ok || len(p) != 3 || p[1] != '.' || p[0] < '0' || p[0] > '9' || p[2] < '0' || p[2] > '9' {
		return 0, 0
	}
	return int(p[0] - '0'), int(p[2] - '0')
}
