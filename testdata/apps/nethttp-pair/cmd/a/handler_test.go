package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestCallForwardsToB runs A's handler against a stand-in for B in the same process.
func TestCallForwardsToB(t *testing.T) {
	b := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"id":"`+strings.TrimPrefix(r.URL.Path, "/items/")+`"}`)
	}))
	defer b.Close()
	a := httptest.NewServer(newMux(b.URL))
	defer a.Close()

	resp, err := http.Get(a.URL + "/call/7")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(body) != `b said: {"id":"7"}` {
		t.Fatalf("got %d %q", resp.StatusCode, body)
	}
}
