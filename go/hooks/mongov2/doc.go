// Package mongov2 is autotel's instrumentation of go.mongodb.org/mongo-driver/v2
// (instrumentation name "mongo", shared with v1, rules in rules/mongov2.yaml, versions
// >=2.0.0, <3). The rewritten newClient, which mongo.Connect calls with the
// application's options, calls newClientEnter, which appends autotel's
// command monitor (event.CommandMonitor, the driver's own command-monitoring
// seam) to a copy of the options: the application's options are not touched,
// and a monitor the application set is called with every event exactly as
// before (autotel's wraps it). A monitor from otelmongo (the application
// traces the driver itself) is left alone and autotel adds nothing
// (design.md §1.9).
//
// Every command the driver sends for the application (find, insert, update,
// delete, aggregate, getMore, endSessions, …) is one CLIENT span from its
// started event to its succeeded or failed event (correlated by connection
// and request id), described by autotel.dev/go/internal/mongoconv: named
// "{db.operation.name} {db.collection.name}" ("find users") or the command
// alone ("ping"), with db.system.name mongodb, db.operation.name (the command
// name), db.collection.name, db.namespace (the database), server.address and
// server.port, the sanitized db.query.text, and on failure error.type (the
// server's code name) and db.response.status_code (its code). The driver's
// handshakes and heartbeats (hello on the monitoring connections) are not
// command-monitored, so they get no span.
//
// The parent is the span in the operation's ctx, or, when that has none
// (context.Background()), the goroutine's current span (api.Parent): the
// driver sends the started event on the calling goroutine. Spans are not made
// current on the goroutine: no application code runs inside a command.
package mongov2
