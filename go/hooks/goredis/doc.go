// Package goredis is autotel's instrumentation of go-redis v9
// (github.com/redis/go-redis/v9; instrumentation name "goredis", rules in
// rules/goredis.yaml, versions >=9.0.0). The rewritten constructors NewClient
// and NewFailoverClient call newClientExit, which adds a redis.Hook to the
// new client through go-redis's own public AddHook. ClusterClient, Ring and
// UniversalClient build their node clients with NewClient, so every node is
// covered (with its own server.address). Commands that go-redis sends while
// setting up a connection (HELLO, AUTH, SELECT, CLIENT SETINFO) get no span:
// initConnEnter runs (*baseClient).initConn under api.Suppress.
//
//   - a command: one CLIENT span named by the command ("GET"), a child of
//     the span in the command's ctx or, when that has none (e.g.
//     context.Background()), of the goroutine's current span (api.Parent);
//   - a pipeline (Pipelined, Pipeline().Exec) or transaction (TxPipelined):
//     ONE span for the whole batch, named "PIPELINE" or "MULTI" (followed by
//     the command when all commands are the same, e.g. "PIPELINE GET"), with
//     db.operation.batch.size and the sanitized texts joined by "; "; a batch
//     of one command is named and described as that command.
//
// redis.Nil (no such key) is a reply, not an error. Attribute mapping is in
// autotel.dev/go/internal/redisconv.
package goredis
