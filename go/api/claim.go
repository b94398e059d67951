package api

import (
	"strings"
	"sync"
	"sync/atomic"
)

// An HTTP claim says that requests of one content type are traced by
// another instrumentation than net/http's: a grpc.Server served through
// net/http (Server.ServeHTTP) gives its calls one SERVER span, grpc's, not a
// net/http span as well.
type httpClaim struct {
	prefix string
	inst   *Instrumentation
}

var (
	claimsMu sync.Mutex
	claims   atomic.Pointer[[]httpClaim]
)

// ClaimHTTP says that inst traces the HTTP server requests whose
// Content-Type starts with prefix (while inst is enabled). Claiming twice is
// harmless.
func ClaimHTTP(prefix string, inst *Instrumentation) {
	claimsMu.Lock()
	defer claimsMu.Unlock()
	var next []httpClaim
	if cur := claims.Load(); cur != nil {
		for _, c := range *cur {
			if c.prefix == prefix && c.inst == inst {
				return
			}
		}
		next = append(next, *cur...)
	}
	next = append(next, httpClaim{prefix: prefix, inst: inst})
	claims.Store(&next)
}

// HTTPClaimed reports whether an enabled instrumentation claimed the HTTP
// server requests of this Content-Type (see [ClaimHTTP]). Without claims it
// is one atomic load.
func HTTPClaimed(contentType string) bool {
	cur := claims.Load()
	if cur == nil || contentType == "" {
		return false
	}
	for _, c := range *cur {
		if strings.HasPrefix(contentType, c.prefix) && c.inst.Enabled() {
			return true
		}
	}
	return false
}
