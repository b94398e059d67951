//go:build !go1.24

package otlp

// grpc_h2c_go123.go owns the cleartext HTTP/2 (h2c, prior knowledge)
// transport of OTLP/gRPC on Go 1.23, whose net/http cannot speak it:
// golang.org/x/net/http2's Transport allowed plain http:// URLs and given a
// plain TCP dial for its TLS dial (grpc_h2c_go124.go is the net/http one).

import (
	"context"
	"crypto/tls"
	"net"
	"time"

	"golang.org/x/net/http2"
)

func newH2CTransport() roundTripCloser {
	return &http2.Transport{
		AllowHTTP: true,
		DialTLSContext: func(ctx context.Context, network, addr string, _ *tls.Config) (net.Conn, error) {
			return dialer.DialContext(ctx, network, addr)
		},
		IdleConnTimeout: 90 * time.Second,
	}
}
