// Package grpc is autotel's instrumentation of google.golang.org/grpc
// (instrumentation name "grpc", rules in rules/grpc.yaml). The rewritten
// constructors NewServer and NewClient (Dial and DialContext call NewClient)
// append a stats.Handler of autotel's to the options the program passed, so
// every call is seen whatever interceptors and handlers the program
// configured, and once:
//
//   - a SERVER span per call, unary or streaming, named by the method
//     ("pkg.Service/Method"), continuing the trace of the traceparent and
//     baggage in the call's metadata, current on the handler's goroutine
//     (goroutine-local context: calls the handler makes without its ctx join
//     the trace); it ends when the handler has returned and the status is
//     sent. A call to an unknown service or method, which grpc answers
//     UNIMPLEMENTED without reaching a stats.End, is ended by the exit hook of
//     (*Server).handleStream (server.go);
//   - a CLIENT span per call, from Invoke or NewStream until the stream
//     finishes (the status, a cancel, an error), a child of the span in the
//     call's ctx or else of the goroutine's current span, with traceparent
//     and baggage added to the outgoing metadata (client.go);
//   - rpc.server.call.duration and rpc.client.call.duration.
//
// Attributes (internal/semconv/rpc.go): rpc.system.name=grpc, rpc.method,
// rpc.status_code (the code's name), error.type for a failed call;
// server.address/server.port from the client's target and from the
// server's :authority, network.peer.address/port on the server. A server
// span is an error for UNKNOWN, DEADLINE_EXCEEDED, UNIMPLEMENTED, INTERNAL,
// UNAVAILABLE and DATA_LOSS, a client span for every code but OK.
//
// A program that already traces grpc through otelgrpc's stats handlers, or
// through grpc's own OpenTelemetry plugin (stats/opentelemetry), gets no
// second span: a call whose ctx already holds such a span (their handlers
// run before autotel's; tracedByProgram) is left alone.
// A grpc.Server served through net/http (Server.ServeHTTP) gets the grpc
// span only: NewServer claims the application/grpc requests (api.ClaimHTTP),
// for which the net/http hooks start no span of their own.
// The SDK's own OTLP/gRPC exports run under api.Suppress and get no span.
package grpc
