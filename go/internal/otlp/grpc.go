package otlp

// grpc.go owns OTLP/gRPC spoken with net/http alone: one unary call per
// attempt, a POST over HTTP/2 of the request in gRPC's 5-byte length-prefixed
// framing (compressed flag + big-endian length), content-type
// application/grpc, te: trailers, grpc-timeout from the context's deadline,
// grpc-encoding gzip when compression is gzip; the outcome is grpc-status,
// grpc-message and grpc-status-details-bin of the trailers (or of the headers
// of a trailers-only response). TLS connections negotiate h2 by ALPN on every
// Go; cleartext ones (h2c, http://localhost:4317) need a transport of the Go
// release's own (grpc_h2c_go124.go, grpc_h2c_go123.go). Retryable codes are
// the official exporter's: Canceled, DeadlineExceeded, Aborted, OutOfRange,
// Unavailable, DataLoss, and ResourceExhausted when the status carries a
// RetryInfo delay.

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// roundTripCloser is an HTTP/2 transport of either kind.
type roundTripCloser interface {
	http.RoundTripper
	CloseIdleConnections()
}

type grpcSender struct {
	signal    Signal
	url       string
	headers   []header
	gzip      bool
	transport roundTripCloser
}

func newGRPCSender(s Signal, st settings) *grpcSender {
	g := &grpcSender{signal: s, url: st.url.String(), headers: st.headers, gzip: st.gzip}
	if st.url.Scheme == "http" {
		g.transport = newH2CTransport()
	} else {
		var cfg *tls.Config
		if st.tls != nil {
			cfg = st.tls.Clone()
		}
		g.transport = &http.Transport{
			DialContext:         dialer.DialContext,
			TLSClientConfig:     cfg,
			ForceAttemptHTTP2:   true,
			IdleConnTimeout:     90 * time.Second,
			TLSHandshakeTimeout: 10 * time.Second,
		}
	}
	return g
}

func (g *grpcSender) closeIdleConnections() { g.transport.CloseIdleConnections() }

// encode frames the request as one gRPC message.
func (g *grpcSender) encode(request []byte) ([]byte, error) {
	flag := byte(0)
	if g.gzip {
		var err error
		if request, err = gzipBytes(request); err != nil {
			return nil, err
		}
		flag = 1
	}
	body := make([]byte, 5, 5+len(request))
	body[0] = flag
	binary.BigEndian.PutUint32(body[1:], uint32(len(request)))
	return append(body, request...), nil
}

func (g *grpcSender) send(ctx context.Context, body []byte) error {
	req, err := newPost(ctx, g.url, body, g.headers)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/grpc")
	req.Header.Set("Te", "trailers")
	if g.gzip {
		req.Header.Set("Grpc-Encoding", "gzip")
	}
	req.Header.Set("Grpc-Accept-Encoding", "gzip")
	if deadline, ok := ctx.Deadline(); ok {
		left := time.Until(deadline)
		if left <= 0 {
			return fmt.Errorf("OTLP/gRPC export to %s: %w", g.url, context.DeadlineExceeded)
		}
		req.Header.Set("Grpc-Timeout", grpcTimeout(left))
	}
	resp, err := g.transport.RoundTrip(req)
	if err != nil && ctx.Err() != nil {
		return fmt.Errorf("OTLP/gRPC export to %s: %w", g.url, err)
	}
	if err != nil {
		e := &grpcError{code: codeUnavailable, message: err.Error()}
		if tlsRefused(err) {
			return e // trying again would be refused again
		}
		return &retryableError{err: e}
	}
	defer resp.Body.Close()
	if resp.ProtoMajor != 2 {
		return fmt.Errorf("OTLP/gRPC export to %s: the server answered over %s, not HTTP/2", g.url, resp.Proto)
	}
	if resp.StatusCode != http.StatusOK {
		return statusErr(&grpcError{code: httpToCode(resp.StatusCode), message: "unexpected HTTP status " + resp.Status}, rpcStatus{})
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/grpc") {
		return &grpcError{code: codeUnknown, message: fmt.Sprintf("unexpected content-type %q", ct)}
	}
	var data []byte
	trailer := resp.Header // a trailers-only response has its status in the headers
	if resp.Header.Get("Grpc-Status") == "" {
		if data, err = readBody(resp.Body); err != nil && ctx.Err() != nil {
			return fmt.Errorf("OTLP/gRPC export to %s: reading the response: %w", g.url, err)
		} else if err != nil {
			return &retryableError{err: &grpcError{code: codeUnavailable, message: "reading the response: " + err.Error()}}
		}
		trailer = resp.Trailer
	}
	code, st, err := callStatus(trailer)
	if err != nil {
		return err
	}
	if code != codeOK {
		return statusErr(&grpcError{code: code, message: st.message}, st)
	}
	msg, err := responseMessage(data, resp.Header.Get("Grpc-Encoding"))
	if err != nil {
		return &grpcError{code: codeInternal, message: err.Error()}
	}
	return partialSuccess(g.signal, msg)
}

// tlsRefused: the TLS handshake failed on a certificate, the collector's
// (not trusted) or ours (refused by its alert). With TLS 1.3 the server's
// alert arrives after the handshake, and the HTTP/2 transport hands it on as
// text only: crypto/tls's "remote error: tls: …" is matched then.
func tlsRefused(err error) bool {
	var verify *tls.CertificateVerificationError
	var alert tls.AlertError
	return errors.As(err, &verify) || errors.As(err, &alert) || strings.Contains(err.Error(), "remote error: tls: ")
}

// callStatus reads grpc-status, grpc-message and grpc-status-details-bin.
func callStatus(h http.Header) (int, rpcStatus, error) {
	v := h.Get("Grpc-Status")
	if v == "" {
		return 0, rpcStatus{}, &grpcError{code: codeInternal, message: "the server closed the stream without a grpc-status"}
	}
	code, err := strconv.Atoi(v)
	if err != nil {
		return 0, rpcStatus{}, &grpcError{code: codeInternal, message: fmt.Sprintf("malformed grpc-status %q", v)}
	}
	var st rpcStatus
	if bin := h.Get("Grpc-Status-Details-Bin"); bin != "" {
		if raw, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(bin, "=")); err == nil {
			st, _ = decodeStatus(raw)
		}
	}
	st.message = percentDecode(h.Get("Grpc-Message"))
	return code, st, nil
}

// responseMessage unframes the response's message (none is fine: the
// response has no field the exporter needs then).
func responseMessage(data []byte, encoding string) ([]byte, error) {
	if len(data) == 0 {
		return nil, nil
	}
	if len(data) < 5 {
		return nil, fmt.Errorf("truncated response frame")
	}
	n := binary.BigEndian.Uint32(data[1:5])
	if uint64(n) > uint64(len(data)-5) {
		return nil, fmt.Errorf("truncated response message")
	}
	msg := data[5 : 5+n]
	if data[0] == 0 {
		return msg, nil
	}
	if encoding != "gzip" {
		return nil, fmt.Errorf("compressed response with grpc-encoding %q", encoding)
	}
	r, err := gzip.NewReader(bytes.NewReader(msg))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(io.LimitReader(r, maxResponse))
}

// The gRPC status codes the transport names.
const (
	codeOK                = 0
	codeUnknown           = 2
	codeResourceExhausted = 8
	codeInternal          = 13
	codeUnavailable       = 14
)

var codeNames = [...]string{
	"OK", "Canceled", "Unknown", "InvalidArgument", "DeadlineExceeded", "NotFound",
	"AlreadyExists", "PermissionDenied", "ResourceExhausted", "FailedPrecondition",
	"Aborted", "OutOfRange", "Unimplemented", "Internal", "Unavailable", "DataLoss",
	"Unauthenticated",
}

// grpcError is a failed call, worded as grpc-go words it.
type grpcError struct {
	code    int
	message string
}

func (e *grpcError) Error() string {
	name := "Code(" + strconv.Itoa(e.code) + ")"
	if e.code >= 0 && e.code < len(codeNames) {
		name = codeNames[e.code]
	}
	return "rpc error: code = " + name + " desc = " + e.message
}

// statusErr makes e retryable when its code is.
func statusErr(e *grpcError, st rpcStatus) error {
	switch e.code {
	case 1, 4, 10, 11, codeUnavailable, 15: // Canceled, DeadlineExceeded, Aborted, OutOfRange, Unavailable, DataLoss
		return &retryableError{err: e, throttle: st.retryDelay}
	case codeResourceExhausted:
		if st.hasRetryInfo {
			return &retryableError{err: e, throttle: st.retryDelay}
		}
	}
	return e
}

// httpToCode is gRPC's mapping of an HTTP status that is not 200.
func httpToCode(status int) int {
	switch status {
	case http.StatusBadRequest:
		return codeInternal
	case http.StatusUnauthorized:
		return 16 // Unauthenticated
	case http.StatusForbidden:
		return 7 // PermissionDenied
	case http.StatusNotFound:
		return 12 // Unimplemented
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return codeUnavailable
	}
	return codeUnknown
}

// grpcTimeout encodes d as a grpc-timeout value: at most 8 digits and a
// unit, rounded up.
func grpcTimeout(d time.Duration) string {
	units := []struct {
		d time.Duration
		u string
	}{{time.Nanosecond, "n"}, {time.Microsecond, "u"}, {time.Millisecond, "m"}, {time.Second, "S"}, {time.Minute, "M"}, {time.Hour, "H"}}
	for _, u := range units {
		n := d / u.d
		if d%u.d != 0 {
			n++
		}
		if n <= 99999999 {
			return strconv.FormatInt(int64(n), 10) + u.u
		}
	}
	return "99999999H"
}

// percentDecode undoes grpc-message's percent-encoding; a malformed escape
// is kept as it is.
func percentDecode(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				b.WriteByte(byte(v))
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
