// Package goredisv8 is autotel's instrumentation of go-redis v8
// (github.com/go-redis/redis/v8; instrumentation name "goredis", like v9;
// rules in rules/goredisv8.yaml, versions >=8.11.0, <9: the earlier v8 releases import a pre-1.0 OpenTelemetry API that cannot build next to the hook runtime). It does what
// autotel.dev/go/hooks/goredis does for v9, through v8's Hook interface
// (BeforeProcess/AfterProcess, BeforeProcessPipeline/AfterProcessPipeline):
// the rewritten NewClient and NewFailoverClient add the hook with AddHook;
// one CLIENT span per command, ONE span per pipeline or transaction
// ("PIPELINE", "MULTI", "PIPELINE GET"…); parent from the command's ctx or,
// without a span there, the goroutine's current span (api.Parent); redis.Nil
// is not an error. The span travels from Before to After in the context that
// Before returns, under a key of this package.
package goredisv8
