package sdk

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// stderrErrorHandler is the OpenTelemetry error handler the bootstrap
// installs: it writes each error to stderr with an "autotel: " prefix, and
// the same message at most once a minute, so a collector that is down does
// not flood the application's stderr.
type stderrErrorHandler struct {
	mu   sync.Mutex
	w    io.Writer
	last map[string]time.Time // message → when it was last written
	now  func() time.Time
}

const (
	repeatInterval = time.Minute
	maxRemembered  = 256
)

func newStderrErrorHandler(w io.Writer) *stderrErrorHandler {
	return &stderrErrorHandler{w: w, last: map[string]time.Time{}, now: time.Now}
}

func (h *stderrErrorHandler) Handle(err error) {
	if err == nil {
		return
	}
	msg := err.Error()
	h.mu.Lock()
	defer h.mu.Unlock()
	now := h.now()
	if t, ok := h.last[msg]; ok && now.Sub(t) < repeatInterval {
		return
	}
	if len(h.last) >= maxRemembered {
		clear(h.last)
	}
	h.last[msg] = now
	if !strings.HasPrefix(msg, "autotel: ") {
		msg = "autotel: " + msg
	}
	fmt.Fprintln(h.w, msg)
}
