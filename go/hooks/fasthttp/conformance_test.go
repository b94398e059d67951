package fasthttp

import (
	"crypto/tls"
	"fmt"
	"net"
	"testing"

	"autotel.dev/go/internal/conformance"
	"autotel.dev/go/internal/httpframework"
	"github.com/valyala/fasthttp"
)

// conn is the connection a request arrived on, as RequestCtx reads it: the
// peer's address, and TLS when the row says so.
type conn struct {
	net.Conn
	remote net.Addr
}

func (c *conn) RemoteAddr() net.Addr { return c.remote }
func (c *conn) LocalAddr() net.Addr  { return c.remote }

type tlsConn struct{ conn }

func (*tlsConn) Handshake() error                     { return nil }
func (*tlsConn) ConnectionState() tls.ConnectionState { return tls.ConnectionState{} }

// Every server row, through the hooks as the file added to fasthttp runs
// them around the handler. fasthttp has no router of its own: a row's route,
// or its ServeMux pattern's (the http.route it expects), is set by the
// handler as fiber's hook sets it, through the request's context.
func TestConformanceServer(t *testing.T) {
	for i, row := range conformance.Rows[conformance.HTTPServerRow](t, "http.json", "server") {
		tel := setup(t)
		remote, err := net.ResolveTCPAddr("tcp", row.RemoteAddr)
		if err != nil {
			t.Fatalf("http.json server #%d: remote_addr: %v", i, err)
		}
		var c net.Conn = &conn{remote: remote}
		if row.TLS {
			c = &tlsConn{conn{remote: remote}}
		}
		var rc fasthttp.RequestCtx
		rc.Init2(c, nil, false)
		target := row.Path
		if row.Query != "" {
			target += "?" + row.Query
		}
		rc.Request.Header.SetMethod(row.Method)
		rc.Request.Header.SetRequestURI(target)
		rc.Request.Header.SetHost(row.Host)
		rc.Request.Header.SetProtocol("HTTP/" + row.Proto)
		if row.UserAgent != "" {
			rc.Request.Header.SetUserAgent(row.UserAgent)
		}
		route := row.Route
		if row.Pattern != "" {
			route, _ = row.Attributes["http.route"].(string)
		}
		state := serverEnter(&rc)
		if route != "" {
			httpframework.SetRoute(requestContextOf(state), row.Method, route)
		}
		if row.StatusCode != 0 {
			rc.SetStatusCode(row.StatusCode)
		}
		serverExit(state, rc.Response.StatusCode())
		conformance.Check(t, fmt.Sprintf("http.json server #%d %s %s", i, row.Method, target), tel.spans.Ended(), row.Expect)
	}
}

// Every client row, through the hooks as the rewritten (*HostClient).Do runs
// them, with the row's response.
func TestConformanceClient(t *testing.T) {
	for i, row := range conformance.Rows[conformance.HTTPClientRow](t, "http.json", "client") {
		tel := setup(t)
		req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
		req.Header.SetMethod(row.Method)
		req.SetRequestURI(row.URL)
		var c *fasthttp.HostClient
		st, _ := doEnter(&c, &req, &resp)
		resp.SetStatusCode(row.StatusCode)
		resp.Header.SetProtocol([]byte("HTTP/" + row.Proto))
		var err error
		doExit(st, &err)
		conformance.Check(t, fmt.Sprintf("http.json client #%d %s %s", i, row.Method, row.URL), tel.spans.Ended(), row.Expect)
	}
}
