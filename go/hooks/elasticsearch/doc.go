// Package elasticsearch is autotel's instrumentation of
// github.com/elastic/go-elasticsearch/v8 (instrumentation name
// "elasticsearch", rules in rules/elasticsearch.yaml, versions >=8.12.0, <9)
// through the client's own instrumentation seam, Config.Instrumentation
// (elastictransport.Instrumentation), which every API call of the esapi and
// typed clients reports to: Start with the endpoint's name, each path part,
// the request before and after the transport sent it, the response, an
// error, Close.
//
// The rewritten newTransport(cfg Config), which NewClient, NewTypedClient,
// NewBaseClient and NewDefaultClient call with their own copy of the
// application's Config, calls newTransportEnter, which sets autotel's
// Instrumentation on that copy when the application set none: the
// application's Config is not touched, and an Instrumentation the program
// set (elasticsearch.NewOpenTelemetryInstrumentation or its own) is kept and
// nothing is added beside it (design.md §1.9). Clients built with the
// functional options of v8.19 (elasticsearch.New(opts...)) do not go through
// newTransport and are not instrumented.
//
// Every API call is one CLIENT span from Start to Close, named
// "{db.operation.name} {db.collection.name}" ("search books") or the endpoint
// alone ("info"), with db.system.name elasticsearch, db.operation.name (the
// endpoint: search, index, get, delete, indices.create, …),
// db.collection.name (the index path part), db.operation.parameter.<part>
// for each path part (index, id, …), http.request.method, url.full,
// server.address and server.port of the node the transport sent it to,
// db.response.status_code (the HTTP status), db.namespace and
// elasticsearch.node.name from Elastic Cloud's X-Found-Handling-Cluster and
// X-Found-Handling-Instance response headers. A status of 400 or more, or an
// error (no response), sets status Error and error.type (the status code, or
// the error's type). No request body is read.
//
// The parent is the span in the call's ctx, or, when that has none
// (context.Background()), the goroutine's current span (api.Parent). The
// client sends the request with the span's context, so net/http's CLIENT
// span of the HTTP request (one per attempt) is a child of the API call's
// span and carries the traceparent to the server.
package elasticsearch
