// Command websocket is the application of the build-mode WebSocket test
// (crates/autotel/tests/build_mode/websocket.rs): one process that serves
// WebSocket echo endpoints with gorilla/websocket (/gorilla) and
// coder/websocket (/coder), and dials them itself when asked: GET
// /run?lib=gorilla|coder&hold=DURATION dials ws://LISTEN/<lib>, sends one
// message, reads its echo, keeps the connection open for hold, closes it,
// and answers with the echo. gorilla's Dialer writes its handshake on a
// connection of its own; coder's Dial goes through net/http's Transport.
package main

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"os"
	"time"

	coder "github.com/coder/websocket"
	"github.com/gorilla/websocket"
)

var addr = os.Getenv("LISTEN")

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /gorilla", gorillaEcho)
	mux.HandleFunc("GET /coder", coderEcho)
	mux.HandleFunc("GET /run", run)
	log.Fatal(http.ListenAndServe(addr, mux))
}

var upgrader websocket.Upgrader

// gorillaEcho echoes every message until the client closes.
func gorillaEcho(w http.ResponseWriter, r *http.Request) {
	c, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // Upgrade answered the client
	}
	defer c.Close()
	for {
		kind, msg, err := c.ReadMessage()
		if err != nil {
			return
		}
		if err := c.WriteMessage(kind, msg); err != nil {
			return
		}
	}
}

// coderEcho echoes every message until the client closes.
func coderEcho(w http.ResponseWriter, r *http.Request) {
	c, err := coder.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer c.CloseNow()
	for {
		kind, msg, err := c.Read(r.Context())
		if err != nil {
			return
		}
		if err := c.Write(r.Context(), kind, msg); err != nil {
			return
		}
	}
}

// run dials the endpoint of the library asked for, echoes one message and
// holds the connection open before closing it.
func run(w http.ResponseWriter, r *http.Request) {
	hold, err := time.ParseDuration(r.URL.Query().Get("hold"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	url := "ws://" + addr + "/" + r.URL.Query().Get("lib")
	var echo string
	switch r.URL.Query().Get("lib") {
	case "gorilla":
		echo, err = gorillaRoundTrip(url, hold)
	case "coder":
		echo, err = coderRoundTrip(r.Context(), url, hold)
	default:
		err = fmt.Errorf("unknown lib")
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	fmt.Fprint(w, echo)
}

func gorillaRoundTrip(url string, hold time.Duration) (string, error) {
	c, resp, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		return "", err
	}
	defer c.Close()
	if resp.StatusCode != http.StatusSwitchingProtocols {
		return "", fmt.Errorf("status %d", resp.StatusCode)
	}
	if err := c.WriteMessage(websocket.TextMessage, []byte("hello gorilla")); err != nil {
		return "", err
	}
	_, msg, err := c.ReadMessage()
	if err != nil {
		return "", err
	}
	time.Sleep(hold)
	c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
	return string(msg), nil
}

func coderRoundTrip(ctx context.Context, url string, hold time.Duration) (string, error) {
	c, resp, err := coder.Dial(ctx, url, nil)
	if err != nil {
		return "", err
	}
	defer c.CloseNow()
	if resp.StatusCode != http.StatusSwitchingProtocols {
		return "", fmt.Errorf("status %d", resp.StatusCode)
	}
	if err := c.Write(ctx, coder.MessageText, []byte("hello coder")); err != nil {
		return "", err
	}
	_, msg, err := c.Read(ctx)
	if err != nil {
		return "", err
	}
	time.Sleep(hold)
	c.Close(coder.StatusNormalClosure, "")
	return string(msg), nil
}
