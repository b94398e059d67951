//go:build go1.24

package main

import "net/http"

// speakH2C makes srv serve HTTP/1 and unencrypted HTTP/2, and t call over unencrypted HTTP/2.
func speakH2C(srv *http.Server, t *http.Transport) {
	srv.Protocols = new(http.Protocols)
	srv.Protocols.SetHTTP1(true)
	srv.Protocols.SetUnencryptedHTTP2(true)
	t.Protocols = new(http.Protocols)
	t.Protocols.SetUnencryptedHTTP2(true)
}
