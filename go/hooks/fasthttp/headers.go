package fasthttp

import (
	"strings"

	"github.com/valyala/fasthttp"
)

// requestHeader is a fasthttp request's headers as a propagation carrier and
// as semconv's HeaderGetter.
type requestHeader struct{ h *fasthttp.RequestHeader }

func (c requestHeader) Get(key string) string { return string(c.h.Peek(key)) }

func (c requestHeader) Set(key, value string) { c.h.Set(key, value) }

func (c requestHeader) Keys() []string {
	var keys []string
	c.h.VisitAll(func(k, _ []byte) { keys = append(keys, string(k)) })
	return keys
}

// injectedHeader is the carrier the client hook injects through: it sets only
// the keys the program's request does not carry already (a request that
// propagates its own context keeps it) and remembers them, so that they can
// be removed when the call returns.
type injectedHeader struct {
	h   *fasthttp.RequestHeader
	set []string
}

func (c *injectedHeader) Get(key string) string { return string(c.h.Peek(key)) }

func (c *injectedHeader) Set(key, value string) {
	if len(c.h.Peek(key)) > 0 {
		return
	}
	c.h.Set(key, value)
	c.set = append(c.set, key)
}

func (c *injectedHeader) Keys() []string { return requestHeader{c.h}.Keys() }

// remove deletes the headers Set added.
func (c *injectedHeader) remove() {
	for _, k := range c.set {
		c.h.Del(k)
	}
}

// protocolVersion splits "HTTP/1.1" into 1, 1 (0, 0 when it is not that shape).
func protocolVersion(proto []byte) (major, minor int) {
	p, ok := strings.CutPrefix(string(proto), "HTTP/")
	if !ok || len(p) != 3 || p[1] != '.' || p[0] < '0' || p[0] > '9' || p[2] < '0' || p[2] > '9' {
		return 0, 0
	}
	return int(p[0] - '0'), int(p[2] - '0')
}
