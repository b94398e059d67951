package sdk

// exportclient.go: the interface between autotel's OTLP exporters and their transport (go/internal/otlp)

import "context"

// exportClient sends one encoded Export*ServiceRequest (the whole message's bytes).
type exportClient interface {
	Export(ctx context.Context, request []byte) error
	Shutdown(ctx context.Context) error
}
