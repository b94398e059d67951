// Package hertz is autotel's instrumentation of github.com/cloudwego/hertz
// (instrumentation name "hertz", rules in rules/hertz.yaml, versions
// >=0.9.2). hertz has its own server and client, not net/http's, so this is
// their own instrumentation, with the same spans, attributes and metrics as
// autotel.dev/go/hooks/nethttp:
//
//   - newEnter on server.New (server.Default goes through it) appends
//     server.WithTracer(autotel's tracer) to a copy of the program's options.
//     hertz calls the tracer's Start when it begins reading a request and its
//     Finish when the response is written; Start puts the request's state in
//     the context it returns, which hertz hands to the engine. serveEnter, on
//     (*route.Engine).ServeHTTP, runs when the request's headers are read: it
//     starts the SERVER span there, continuing the caller's trace context (a
//     new trace without one), current on the handler's goroutine
//     (goroutine-local context, api.Begin) so that calls made without a ctx
//     join it, and hands the handlers the span's context. Finish names the
//     span after the matched route (c.FullPath(), with http.route), sets the
//     status, ends it and records http.server.request.duration.
//     A request hertz never routes (a header it cannot parse) has no span;
//     an engine served without hertz's server (ut.PerformRequest) neither.
//   - doEnter/doExit on (*client.Client).Do, through which Get, Post,
//     DoTimeout, DoDeadline and DoRedirects go: a CLIENT span per call, child
//     of the span in the call's ctx or else of the one current on the
//     goroutine, whose context the program's client middlewares get; trace
//     context injected into the request's headers for the call and removed
//     again when it returns (keys the program set are kept),
//     http.client.request.duration.
//
// The hooks follow the contract in ARCHITECTURE.md ("The hook contract");
// mapping onto the semantic conventions is autotel.dev/go/internal/semconv's.
package hertz

import (
	"autotel.dev/go/api"
	"autotel.dev/go/internal/semconv"
)

// inst is this package's instrumentation: name, switch, tracer and meter.
var inst = api.NewInstrumentation("hertz")

// metrics are the histograms of this package.
var metrics = api.NewInstruments(inst, semconv.NewHTTPDurations)
