// Package fasthttp is autotel's instrumentation of github.com/valyala/fasthttp
// (instrumentation name "fasthttp", rules in rules/fasthttp.yaml, versions
// >=1.51.0). fasthttp has its own server and client, not net/http's, so this
// is their own instrumentation, with the same spans, attributes and metrics
// as autotel.dev/go/hooks/nethttp:
//
//   - serverEnter/serverExit, called by the file rules/files/fasthttp_server.go
//     adds to fasthttp around the server's one call of the program's handler
//     (a call rule redirects s.Handler(ctx) to it): a SERVER span per request
//     continuing the caller's trace context (a new trace without one), current
//     on the handler's goroutine (goroutine-local context, api.Begin) so that
//     calls made without a ctx join it, and http.server.request.duration. The
//     *fasthttp.RequestCtx the handler gets is a context.Context that, while the
//     handler runs, also answers Value for the span's context (trace.SpanFromContext(ctx)
//     works on it); routers built on fasthttp (autotel.dev/go/hooks/fiber)
//     name the span after their route through it (httpframework.SetRoute);
//   - doEnter/doExit on (*HostClient).Do, through which Client's and
//     HostClient's Do, DoTimeout, DoDeadline, DoRedirects, Get and Post all go:
//     a CLIENT span per call, child of the span current on the goroutine
//     (fasthttp's client takes no ctx), trace context injected into the
//     request's headers for the call and removed again when it returns (the
//     caller's request is left as it was), http.client.request.duration.
//
// The hooks follow the contract in ARCHITECTURE.md ("The hook contract");
// mapping onto the semantic conventions is autotel.dev/go/internal/semconv's.
package fasthttp

import (
	"autotel.dev/go/api"
	"autotel.dev/go/internal/semconv"
)

// inst is this package's instrumentation: name, switch, tracer and meter.
var inst = api.NewInstrumentation("fasthttp")

// metrics are the histograms of this package.
var metrics = api.NewInstruments(inst, semconv.NewHTTPDurations)
