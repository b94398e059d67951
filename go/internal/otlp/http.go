package otlp

// http.go owns OTLP/HTTP with binary protobuf: one POST of
// application/x-protobuf per attempt (gzip-compressed when configured), a 2xx
// is a success whose Export*ServiceResponse may report a partial success,
// 429/502/503/504 are retried (Retry-After honoured), any other status fails
// with the google.rpc.Status message of the body when there is one. Its
// connections go through the proxy of the environment (HTTP_PROXY,
// HTTPS_PROXY, NO_PROXY). It also owns what both protocols share: the
// dialer, gzip and the bounded read of a response body.

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

const userAgent = "autotel OTLP exporter (Go)"

// maxResponse bounds what is read of a response body: an OTLP response is a
// few bytes, an error page no more than this is worth quoting.
const maxResponse = 64 << 10

var dialer = &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}

type httpSender struct {
	signal    Signal
	url       string
	headers   []header
	gzip      bool
	transport *http.Transport
	client    *http.Client
}

func newHTTPSender(s Signal, st settings) *httpSender {
	// The official exporters' own copy of http.DefaultTransport.
	t := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: 1 * time.Second,
		TLSClientConfig:       st.tls,
	}
	return &httpSender{
		signal:    s,
		url:       st.url.String(),
		headers:   st.headers,
		gzip:      st.gzip,
		transport: t,
		client:    &http.Client{Transport: t},
	}
}

func (h *httpSender) closeIdleConnections() { h.transport.CloseIdleConnections() }

func (h *httpSender) encode(request []byte) ([]byte, error) {
	if !h.gzip {
		return request, nil
	}
	return gzipBytes(request)
}

func (h *httpSender) send(ctx context.Context, body []byte) error {
	req, err := newPost(ctx, h.url, body, h.headers)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	if h.gzip {
		req.Header.Set("Content-Encoding", "gzip")
	}
	resp, err := h.client.Do(req)
	if err != nil {
		// As the official exporters: only a failure net/http calls temporary
		// (a timeout) is retried; a refused connection is reported at once.
		var ue *url.Error
		if errors.As(err, &ue) && ue.Temporary() {
			return &retryableError{err: err}
		}
		return err
	}
	defer resp.Body.Close()
	data, err := readBody(resp.Body)
	if err != nil {
		return fmt.Errorf("Post %q: %s: reading the response: %w", h.url, resp.Status, err)
	}
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		if len(data) == 0 || !isProtobuf(resp.Header) {
			return nil
		}
		return partialSuccess(h.signal, data)
	}
	err = fmt.Errorf("Post %q: %s%s", h.url, resp.Status, bodyDetail(resp.Header, data))
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return &retryableError{err: err, throttle: retryAfter(resp.Header.Get("Retry-After"), time.Now())}
	}
	return err
}

func isProtobuf(h http.Header) bool {
	mt, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	return mt == "application/x-protobuf"
}

// bodyDetail is what a failed response's body says: the google.rpc.Status
// message of a protobuf body, else short printable text; "" when nothing.
func bodyDetail(h http.Header, body []byte) string {
	if isProtobuf(h) {
		if st, err := decodeStatus(body); err == nil && st.message != "" {
			return ": " + st.message
		}
		return ""
	}
	text := strings.TrimSpace(string(body))
	if text == "" || !utf8.ValidString(text) {
		return ""
	}
	if len(text) > 512 {
		text = strings.ToValidUTF8(text[:512], "") + "…"
	}
	return ": " + text
}

// retryAfter reads a Retry-After header: delay-seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.Duration(min(max(secs, 0), 1<<32)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// newPost is an export's request: a POST of body with the User-Agent and the
// configured headers (the protocol's own are set after them, so they win).
func newPost(ctx context.Context, url string, body []byte, headers []header) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", userAgent)
	for _, kv := range headers {
		req.Header.Set(kv.key, kv.value)
	}
	return req, nil
}

// readBody reads at most maxResponse bytes of a body and drains a little
// more, so that the connection can be reused.
func readBody(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxResponse))
	if err != nil {
		return data, err
	}
	_, _ = io.CopyN(io.Discard, r, maxResponse)
	return data, nil
}

func gzipBytes(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(b)/4 + 64)
	w := gzip.NewWriter(&buf)
	if _, err := w.Write(b); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
