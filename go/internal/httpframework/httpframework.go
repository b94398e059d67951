// Package httpframework is what the hooks of web frameworks built on net/http
// (autotel.dev/go/hooks/gin, …/echo, …/echov3, …/echov5, …/gorillamux,
// …/chi) share. Such a framework serves requests that net/http's server hook
// has already given a SERVER span (it is in the request's context); the
// framework hooks make no second span, they enrich that one: the route
// template as name and http.route, the handler's errors and panics. It must
// not start spans.
//
// The server hook also puts a *Served in the request's context (WithServed):
// the route the router hooks find through SetRoute is kept there, and the
// server hook puts it on the http.server.request.duration data point.
package httpframework

import (
	"context"
	"fmt"
	"net/http"
	"sync"

	"autotel.dev/go/api"
	"autotel.dev/go/internal/semconv"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// ServerSpan returns the server span of the request whose context is ctx (the
// span of its *Served, else the span in ctx) when it is recording, or when it
// yielded to the program's own SERVER span of the request (api.Yielded: the
// route still goes on net/http's duration metric, and the rest does nothing),
// or nil: then the hooks do nothing.
func ServerSpan(ctx context.Context) trace.Span {
	if ctx == nil {
		return nil
	}
	span := trace.SpanFromContext(ctx)
	if s := servedOf(ctx); s != nil && s.span != nil {
		span = s.span
	}
	if !span.IsRecording() && !api.Yielded(span) {
		return nil
	}
	return span
}

// Served is what net/http's server hook and the router hooks share about one
// served request: its route and whether a panic was recorded. A handler may
// run on another goroutine than the server hook (http.TimeoutHandler): hence
// the lock.
type Served struct {
	span     trace.Span // the server span
	mu       sync.Mutex
	route    string
	panicked bool
	// upgrading counts the upgrades in progress (StartUpgrade to
	// EndUpgrade); upgraded is the server hook's end of the span, deferred
	// by a hijack during one of them (DeferUntilUpgraded).
	upgrading int
	upgraded  func(status int)
	node      servedContext // the context WithServedIn returns
}

type servedKey struct{}

// WithServed returns ctx with a new *Served of the server span, for the
// server hook.
func WithServed(ctx context.Context, span trace.Span) (context.Context, *Served) {
	s := &Served{span: span}
	return context.WithValue(ctx, servedKey{}, s), s
}

// WithServedIn is WithServed with the *Served in the caller's memory (s: a
// zero Served, a field of the server hook's per-request state, never
// copied), and key's value (the hook's own state) in the same node of the
// context chain: two context values without an allocation.
func WithServedIn(ctx context.Context, s *Served, span trace.Span, key, value any) context.Context {
	s.span = span
	s.node = servedContext{Context: ctx, served: s, key: key, value: value}
	return &s.node
}

// servedContext is the context WithServedIn returns: ctx with its *Served
// and one more value.
type servedContext struct {
	context.Context
	served     *Served
	key, value any
}

func (c *servedContext) Value(key any) any {
	switch key {
	case servedKey{}:
		return c.served
	case c.key:
		return c.value
	}
	return c.Context.Value(key)
}

// servedOf returns the *Served in ctx, or nil.
func servedOf(ctx context.Context) *Served {
	if ctx == nil {
		return nil
	}
	s, _ := ctx.Value(servedKey{}).(*Served)
	return s
}

// Route returns the route set so far ("" when none).
func (s *Served) Route() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.route
}

// SetRouteOnce is SetRoute for net/http's ServeMux: the route is set only
// when none is yet (nested muxes exit inner first, a framework's router
// inside a ServeMux names it before the mux exits). It reports whether it
// set the route.
func SetRouteOnce(ctx context.Context, method, route string) bool {
	if s := servedOf(ctx); s != nil && s.Route() != "" {
		return false
	}
	return SetRoute(ctx, method, route)
}

// SetRoute names the server span in ctx after the route template ("GET
// /users/:id"), sets http.route on it, and keeps the route for the server
// hook's duration metric, also when the span records nothing (the metric is
// recorded whatever the sampling, with the same attributes). An empty route
// changes nothing; the last route set wins (an outer router's hook exits
// after the inner one's, with the same full route or a wider one). It
// reports whether it set the route.
func SetRoute(ctx context.Context, method, route string) bool {
	if route == "" {
		return false
	}
	span, s := ServerSpan(ctx), servedOf(ctx)
	if span == nil && s == nil {
		return false
	}
	if s != nil {
		s.mu.Lock()
		s.route = route
		s.mu.Unlock()
	}
	if span != nil {
		span.SetName(semconv.ServerSpanName(method, route))
		span.SetAttributes(semconv.RouteAttribute(route))
	}
	return true
}

// RecordHandlerError records an error a handler returned: an exception event
// and, when the response is a server error (status >= 500, or 0 when not
// known yet and the framework will answer 500), status Error with the
// error's message. A 4xx is the client's fault: event only, status unset, as
// the HTTP conventions ask of server spans.
func RecordHandlerError(span trace.Span, err error, status int) {
	if span == nil || err == nil {
		return
	}
	span.RecordError(err)
	if status >= 500 || status == 0 {
		span.SetStatus(codes.Error, err.Error())
	}
}

// HandledError is one error a handler returned, on its way through a
// framework's error handler (fiber v2's and v3's (*App).ErrorHandler), from
// that handler's enter hook to its exit hook, where the status answered is
// known.
type HandledError struct {
	ctx  context.Context
	resp interface{ StatusCode() int }
	err  error
}

// StartHandledError begins the handling of err for the request with context
// ctx, whose response resp (a *fasthttp.Response) will hold the status; nil
// when err is nil.
func StartHandledError(ctx context.Context, resp interface{ StatusCode() int }, err error) *HandledError {
	if err == nil || resp == nil {
		return nil
	}
	return &HandledError{ctx: ctx, resp: resp, err: err}
}

// End records the error (RecordHandlerError) with the status the error
// handler answered, 500 when it failed itself (the framework answers 500
// then).
func (h *HandledError) End(failed bool) {
	if h == nil {
		return
	}
	status := h.resp.StatusCode()
	if failed {
		status = http.StatusInternalServerError
	}
	RecordHandlerError(ServerSpan(h.ctx), h.err, status)
}

// RecordPanic records a panic of the handler on the server span in ctx: an
// exception event (type and message of the panic value) and status Error;
// once a request, though nested routers each see the panic go by. The caller
// re-panics or lets the framework recover, as the application would without
// autotel.
func RecordPanic(ctx context.Context, value any) {
	span := ServerSpan(ctx)
	if span == nil {
		return
	}
	if s := servedOf(ctx); s != nil {
		s.mu.Lock()
		again := s.panicked
		s.panicked = true
		s.mu.Unlock()
		if again {
			return
		}
	}
	msg := fmt.Sprint(value)
	span.AddEvent("exception", trace.WithAttributes(
		attribute.String("exception.type", fmt.Sprintf("%T", value)),
		attribute.String("exception.message", msg),
	))
	span.SetStatus(codes.Error, "panic: "+msg)
}

// Routing is one request's routing, from a router hook's enter to its exit.
type Routing struct {
	ctx    context.Context
	method string
}

// StartRouting begins a routing of the request with context ctx, or returns
// nil when it has no server span, recording or measured (a *Served: the
// route goes on the duration metric); then the hook needs no exit call.
func StartRouting(ctx context.Context, method string) *Routing {
	if ServerSpan(ctx) == nil && servedOf(ctx) == nil {
		return nil
	}
	return &Routing{ctx: ctx, method: method}
}

// Done names the request after route (SetRoute); "" changes nothing.
func (r *Routing) Done(route string) {
	if r != nil {
		SetRoute(r.ctx, r.method, route)
	}
}

// Panicked records value, which the router's exit hook recovered and will
// panic with again (RecordPanic). It guards itself, for that hook cannot.
func (r *Routing) Panicked(hook string, value any) {
	defer api.Guard(hook)
	if r != nil && value != nil {
		RecordPanic(r.ctx, value)
	}
}

// Context is the request's context the routing began with.
func (r *Routing) Context() context.Context { return r.ctx }

// StartServing is StartRouting for the enter hook of a router's ServeHTTP(w,
// r), whose exit hook records a panic: nil when inst is disabled or r has no
// server span.
func StartServing(inst *api.Instrumentation, r *http.Request) *Routing {
	if !inst.Enabled() || r == nil {
		return nil
	}
	return StartRouting(r.Context(), r.Method)
}

// StartUpgrade is for the hooks of a library that answers an HTTP upgrade
// itself on the connection it hijacks (gorilla/websocket's Upgrade writes its
// "101 Switching Protocols" on the raw connection, where net/http cannot see
// it): called before the library hijacks, it keeps the server span of the
// request whose context is ctx open across the hijack until the library's
// hook calls EndUpgrade with the status it saw written. It returns nil when
// ctx has no server span of net/http's hook.
func StartUpgrade(ctx context.Context) *Served {
	s := servedOf(ctx)
	if s == nil {
		return nil
	}
	s.mu.Lock()
	s.upgrading++
	s.mu.Unlock()
	return s
}

// EndUpgrade ends what StartUpgrade began: status is the status the library
// wrote on the hijacked connection, 0 when it wrote none (the upgrade
// failed); a nil *Served does nothing. When the connection was hijacked meanwhile, the server span ends
// now, with that status.
func (s *Served) EndUpgrade(status int) {
	if s == nil {
		return
	}
	s.mu.Lock()
	s.upgrading--
	end := s.upgraded
	if s.upgrading == 0 {
		s.upgraded = nil
	} else {
		end = nil
	}
	s.mu.Unlock()
	if end != nil {
		end(status)
	}
}

// DeferUntilUpgraded is for net/http's server hook when the handler hijacks
// the connection: during an upgrade (StartUpgrade) it keeps end, which
// EndUpgrade calls with the status the library saw written, and reports
// true; otherwise it reports false, and the hook ends the span itself. A nil
// *Served defers nothing.
func (s *Served) DeferUntilUpgraded(end func(status int)) bool {
	if s == nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.upgrading == 0 {
		return false
	}
	s.upgraded = end
	return true
}
