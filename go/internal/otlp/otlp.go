// Package otlp is autotel's OTLP transport: it sends an already encoded
// Export{Trace,Metrics,Logs}ServiceRequest to a collector over OTLP/HTTP
// (binary protobuf) or OTLP/gRPC, configured from the standard
// OTEL_EXPORTER_OTLP_* variables, with the official exporters' retries,
// compression and TLS, and without their dependencies: no protobuf, no grpc,
// no generated OTLP types (the few response fields it reads are decoded by
// hand, response.go), so a program that links it stays small.
//
// otlp.go owns the Client: its life cycle (no goroutine before an export,
// Shutdown waits for the exports in flight, then cancels them and closes the
// connections) and one export (timeout, compression, retries). config.go
// reads the environment, http.go and grpc.go make one attempt each, retry.go
// decides whether and when to try again.
package otlp

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// Signal is the kind of telemetry a Client exports.
type Signal int

const (
	Traces Signal = iota
	Metrics
	Logs
)

// The protocols of OTEL_EXPORTER_OTLP_PROTOCOL that New accepts.
const (
	ProtocolHTTPProtobuf = "http/protobuf"
	ProtocolGRPC         = "grpc"
)

// ErrShutdown is returned by Export after Shutdown.
var ErrShutdown = errors.New("otlp: the exporter's client is shut down")

// PartialSuccessError is returned by an export the collector accepted only in
// part (the response's partial_success): Rejected items were dropped, for
// the reason in Message. It is not retried.
type PartialSuccessError struct {
	Signal   Signal
	Rejected int64
	Message  string
}

func (e *PartialSuccessError) Error() string {
	s := fmt.Sprintf("OTLP partial success: %d %s rejected", e.Rejected, e.Signal.rejectedUnit())
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// sender makes the attempts of one protocol.
type sender interface {
	// encode turns a request into the body every attempt sends (compressed,
	// framed); it runs once per export.
	encode(request []byte) ([]byte, error)
	// send makes one attempt; an error to retry is a *retryableError.
	send(ctx context.Context, body []byte) error
	closeIdleConnections()
}

// Client sends the exports of one signal. It is safe for concurrent use.
type Client struct {
	sender   sender
	settings settings
	retry    retryPolicy

	// stop is cancelled by Shutdown to end the exports still in flight;
	// context.AfterFunc ties each export to it without a goroutine.
	stop       context.Context
	cancelStop context.CancelFunc

	mu       sync.Mutex
	shutdown bool
	inflight int
	drained  chan struct{} // closed when the last export ends after Shutdown began
}

// New builds the Client of signal s for protocol ("http/protobuf" or "grpc";
// the empty string is http/protobuf) from the environment as getenv reads
// it. A value that cannot be used (an endpoint that is not a URL, an
// unreadable certificate, a malformed header list, an unknown compression)
// is an error naming the variable; nothing is started, nothing is dialled.
func New(s Signal, protocol string, getenv func(string) string) (*Client, error) {
	if s < Traces || s > Logs {
		return nil, fmt.Errorf("otlp: unknown signal %d", int(s))
	}
	var grpc bool
	switch protocol {
	case "", ProtocolHTTPProtobuf:
	case ProtocolGRPC:
		grpc = true
	default:
		return nil, fmt.Errorf("otlp: unsupported protocol %q (want %s or %s)", protocol, ProtocolHTTPProtobuf, ProtocolGRPC)
	}
	st, err := loadSettings(s, grpc, getenv)
	if err != nil {
		return nil, err
	}
	c := &Client{settings: st, retry: defaultRetry}
	if grpc {
		c.sender = newGRPCSender(s, st)
	} else {
		c.sender = newHTTPSender(s, st)
	}
	c.stop, c.cancelStop = context.WithCancel(context.Background())
	return c, nil
}

// Export sends request, the bytes of a whole Export*ServiceRequest, retrying
// transient failures; OTEL_EXPORTER_OTLP_[SIGNAL_]TIMEOUT bounds it, retries
// included, and so does ctx. It is sent with ctx as given (the caller marks
// it as the SDK's own, so the program's HTTP instrumentation skips it).
func (c *Client) Export(ctx context.Context, request []byte) error {
	if !c.begin() {
		return ErrShutdown
	}
	defer c.end()

	ctx, cancel := context.WithTimeout(ctx, c.settings.timeout)
	defer cancel()
	defer context.AfterFunc(c.stop, cancel)()

	body, err := c.sender.encode(request)
	if err != nil {
		return err
	}
	return c.retry.do(ctx, func(ctx context.Context) error {
		return c.sender.send(ctx, body)
	})
}

// Shutdown refuses further exports, waits for those in flight until ctx is
// done (then cancels them and returns ctx's error) and closes the idle
// connections. Calling it again does nothing.
func (c *Client) Shutdown(ctx context.Context) error {
	c.mu.Lock()
	if c.shutdown {
		c.mu.Unlock()
		return nil
	}
	c.shutdown = true
	var drained chan struct{}
	if c.inflight > 0 {
		c.drained = make(chan struct{})
		drained = c.drained
	}
	c.mu.Unlock()

	var err error
	if drained != nil {
		select {
		case <-drained:
		case <-ctx.Done():
			err = ctx.Err()
			c.cancelStop()
			<-drained
		}
	}
	c.cancelStop()
	c.sender.closeIdleConnections()
	return err
}

// CloseIdleConnections closes the connections no export is using (their
// goroutines end with them); the next export dials again.
func (c *Client) CloseIdleConnections() {
	c.sender.closeIdleConnections()
}

func (c *Client) begin() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.shutdown {
		return false
	}
	c.inflight++
	return true
}

func (c *Client) end() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.inflight--
	if c.inflight == 0 && c.drained != nil {
		close(c.drained)
		c.drained = nil
	}
}
