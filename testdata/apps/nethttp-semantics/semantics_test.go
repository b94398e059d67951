// Package semantics pins two net/http behaviours that echo v5's own tests rely on (its
// TestStartConfig_WithHTTP2WithCustomTlsConfig and TestStartConfig_GracefulShutdown), so that
// `autotel go test` can be checked against `go test` without their timing: a TLS server that
// offers only "h2" still serves HTTP/1.1 to a client without ALPN and HTTP/2 to one with it, and
// Server.Shutdown with a handler still running returns its context's deadline error. Each
// handler logs whether the request carried a traceparent header (autotel's client hook adds
// one), which tells the two runs apart. A third behaviour is grpc's credentials/sts tests':
// httputil.DumpRequestOut gives the same dump twice and leaves the request's body readable.
package semantics

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httputil"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// selfSigned is a certificate for 127.0.0.1 (the clients skip verification).
func selfSigned(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	template := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// serve runs an http.Server with handler on a loopback listener (TLS when config is not nil)
// until the test ends; it returns the server and its address.
func serve(t *testing.T, handler http.Handler, config *tls.Config) (*http.Server, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if config != nil {
		ln = tls.NewListener(ln, config)
	}
	srv := &http.Server{Handler: handler}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		srv.Close()
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	})
	return srv, addr
}

// traceparents counts the requests that arrived with a traceparent header.
var traceparents atomic.Int32

func proto(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Traceparent") != "" {
		traceparents.Add(1)
	}
	io.WriteString(w, r.Proto)
}

func get(t *testing.T, client *http.Client, url string) (int, string) {
	t.Helper()
	res, err := client.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(body)
}

func TestTLSServerOfferingOnlyH2ServesHTTP1AndHTTP2(t *testing.T) {
	traceparents.Store(0)
	cert := selfSigned(t)
	_, addr := serve(t, http.HandlerFunc(proto), &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2"}})
	url := "https://" + addr + "/"

	// A Transport with its own TLS config offers no ALPN: crypto/tls lets it in without a
	// protocol and net/http serves HTTP/1.1.
	http1 := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	if code, body := get(t, http1, url); code != http.StatusOK || body != "HTTP/1.1" {
		t.Errorf("without ALPN: %d %q, want 200 \"HTTP/1.1\"", code, body)
	}
	// With HTTP/2 forced the client offers h2 and the server's HTTP/2 handler answers.
	http2 := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, ForceAttemptHTTP2: true}}
	if code, body := get(t, http2, url); code != http.StatusOK || body != "HTTP/2.0" {
		t.Errorf("with h2: %d %q, want 200 \"HTTP/2.0\"", code, body)
	}
	http1.CloseIdleConnections()
	http2.CloseIdleConnections()
	t.Logf("requests with a traceparent: %d of 2", traceparents.Load())
}

func TestTLSServerOfferingOnlyHTTP1RefusesAnH2OnlyClient(t *testing.T) {
	cert := selfSigned(t)
	_, addr := serve(t, http.HandlerFunc(proto), &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"http/1.1"}})
	conn, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"h2"}})
	if err == nil {
		conn.Close()
		t.Fatal("an h2-only client was let in by a server offering only http/1.1")
	}
	if !strings.Contains(err.Error(), "tls: no application protocol") {
		t.Errorf("handshake error %q, want one about no application protocol", err)
	}
}

func TestShutdownReturnsTheDeadlineWhileAHandlerRuns(t *testing.T) {
	traceparents.Store(0)
	entered, release := make(chan struct{}), make(chan struct{})
	srv, addr := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
		proto(w, r)
	}), nil)

	type response struct {
		code int
		body string
	}
	got := make(chan response, 1)
	go func() {
		res, err := http.Get("http://" + addr + "/")
		if err != nil {
			t.Errorf("GET: %v", err)
			got <- response{}
			return
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		got <- response{res.StatusCode, string(body)}
	}()
	<-entered

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := srv.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown with a handler running: %v, want %v", err, context.DeadlineExceeded)
	}
	close(release)
	if r := <-got; r.code != http.StatusOK || r.body != "HTTP/1.1" {
		t.Errorf("the in-flight request got %d %q, want 200 \"HTTP/1.1\"", r.code, r.body)
	}
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Errorf("Shutdown once the handler returned: %v", err)
	}
	t.Logf("requests with a traceparent: %d of 1", traceparents.Load())
}

// TestDumpRequestOutDumpsTheSameRequestTwice dumps one request twice, as grpc's credentials/sts
// tests do, then sends it to a server: the dumps are equal and carry no traceparent (the dump
// reaches no network), the body is still there for the real request, which carries one under
// autotel.
func TestDumpRequestOutDumpsTheSameRequestTwice(t *testing.T) {
	traceparents.Store(0)
	bodies := make(chan string, 1)
	_, addr := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Traceparent") != "" {
			traceparents.Add(1)
		}
		body, _ := io.ReadAll(r.Body)
		bodies <- string(body)
	}), nil)
	req, err := http.NewRequest("POST", "http://"+addr+"/token", strings.NewReader("grant_type=x"))
	if err != nil {
		t.Fatal(err)
	}
	first, err := httputil.DumpRequestOut(req, true)
	if err != nil {
		t.Fatal(err)
	}
	second, err := httputil.DumpRequestOut(req, true)
	if err != nil {
		t.Fatal(err)
	}
	if string(first) != string(second) {
		t.Fatalf("two dumps of one request differ:\n%s\n%s", first, second)
	}
	if strings.Contains(strings.ToLower(string(first)), "traceparent") {
		t.Fatalf("the dump carries a traceparent:\n%s", first)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := <-bodies; got != "grant_type=x" {
		t.Fatalf("the server got the body %q after the dumps", got)
	}
	t.Logf("requests with a traceparent: %d of 1", traceparents.Load())
}
