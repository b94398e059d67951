// Package redigo is autotel's instrumentation of github.com/gomodule/redigo
// (instrumentation name "redigo", rules in rules/redigo.yaml, versions
// >=1.8.2). It owns the hook functions that the rewritten package
// github.com/gomodule/redigo/redis calls on its connection type (*conn),
// which every Conn comes down to: redis.Dial, redis.DialURL, and the
// connections that Pool.Get and Pool.GetContext hand out (they wrap a *conn).
//
//   - doEnter/doExit on (*conn).DoWithTimeout, which Do and DoContext call:
//     one CLIENT span per command, named by the command ("PING", "GET");
//   - sendEnter/sendExit on (*conn).Send and receiveEnter/receiveExit on
//     (*conn).ReceiveWithTimeout (which Receive and ReceiveContext call):
//     pipelining gives one span per command, from Send to the Receive (or
//     the Do, e.g. Do("")) that reads its reply;
//   - closeEnter on (*conn).Close: spans of commands whose reply was never
//     read end there;
//   - registerConnAccessor, called from the file that rules/files/redigo_conn.go
//     adds to the package, which reads the connection's remote address
//     (server.address/server.port).
//
// redigo takes no context.Context in Do, so a span's parent is the span
// current on the calling goroutine (api.Parent); DoContext runs the command
// on a goroutine of its own, which inherits the caller's current span.
// Arguments are sanitized by autotel.dev/go/internal/redisconv ("SET key ?").
// redigo.ErrNil is produced by the reply helpers (redis.String…), not by Do, so
// a missing key is never an error here.
package redigo
