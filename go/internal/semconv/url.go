package semconv

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// redacted replaces credentials and signed query values in URLs.
const redacted = "REDACTED"

// sensitiveQueryKeys are the query keys whose values the conventions ask to
// redact in url.full and url.query.
var sensitiveQueryKeys = map[string]bool{
	"AWSAccessKeyId":       true,
	"Signature":            true,
	"sig":                  true,
	"X-Goog-Signature":     true,
	"X-Amz-Signature":      true,
	"X-Amz-Credential":     true,
	"X-Amz-Security-Token": true,
}

// redactURL returns u as url.full: user name and password become
// REDACTED:REDACTED and the values of sensitive query keys REDACTED.
func redactURL(u *url.URL) string {
	if u.User == nil && u.RawQuery == "" {
		return u.String()
	}
	c := *u
	if c.User != nil {
		c.User = url.UserPassword(redacted, redacted)
	}
	c.RawQuery = redactQuery(c.RawQuery)
	return c.String()
}

// redactQuery replaces the values of sensitive keys in a raw query string,
// keeping everything else byte for byte. It allocates only when it redacts.
func redactQuery(raw string) string {
	var b strings.Builder
	copied := 0 // raw[:copied] is in b
	for i := 0; i <= len(raw); {
		end := strings.IndexByte(raw[i:], '&')
		if end < 0 {
			end = len(raw)
		} else {
			end += i
		}
		if key, _, ok := strings.Cut(raw[i:end], "="); ok && sensitiveKey(key) {
			b.WriteString(raw[copied:i])
			b.WriteString(key)
			b.WriteString("=" + redacted)
			copied = end
		}
		i = end + 1
	}
	if copied == 0 {
		return raw
	}
	b.WriteString(raw[copied:])
	return b.String()
}

func sensitiveKey(key string) bool {
	if sensitiveQueryKeys[key] {
		return true
	}
	if strings.IndexByte(key, '%') < 0 {
		return false
	}
	k, err := url.QueryUnescape(key)
	return err == nil && sensitiveQueryKeys[k]
}

// ErrorType returns error.type for an error that ended a request before a
// response: "timeout" for deadlines and network timeouts, "canceled" for a
// canceled context, otherwise the error's Go type (e.g. "*net.OpError"), which
// is low-cardinality.
func ErrorType(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	}
	return fmt.Sprintf("%T", err)
}
