//go:build go1.24

package otlp

// grpc_h2c_go124.go owns the cleartext HTTP/2 (h2c, prior knowledge)
// transport of OTLP/gRPC from Go 1.24 on: net/http's own, through
// Transport.Protocols (grpc_h2c_go123.go is the Go 1.23 one).

import (
	"net/http"
	"time"
)

func newH2CTransport() roundTripCloser {
	var p http.Protocols
	p.SetUnencryptedHTTP2(true)
	return &http.Transport{
		Protocols:       &p,
		DialContext:     dialer.DialContext,
		IdleConnTimeout: 90 * time.Second,
	}
}
