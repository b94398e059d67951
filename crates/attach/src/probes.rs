//! What a probe is: its id and the BPF programs attached at its entry and at each of its
//! `RET`s ([`ProbeId`]), and the Go function and struct fields it needs ([`ProbeSpec`]). Each
//! library's probes are listed in its module under `crate::libs`.

use crate::offsets::Field;

/// A probe, for the plan and the session to find it by (its programs are in its [`ProbeSpec`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProbeId {
    /// `runtime.newproc`'s closure, at its call of `runqput(pp, newg, next)` (one emulated
    /// instruction): goroutine ancestry (child goid → parent's context).
    Goroutines,
    /// `net/http.serverHandler.ServeHTTP`: one server span per request, ended where HTTP/1
    /// `(*conn).serve` asks whether the handler hijacked the connection (right after
    /// `ServeHTTP` returns)...
    HttpServer,
    /// ...or where HTTP/2's `runHandler` tells the response writer the handler is done.
    Http2ServerEnd,
    /// `net/http.(*ServeMux).ServeHTTP`, at its call of `findHandler(r)` (entry only): notes
    /// the request each mux routes, so that the innermost one's `Pattern` names the server
    /// span (a middleware's `r.WithContext` hands an inner mux a copy of the request).
    HttpMuxRoute,
    /// `net/http.(*Transport).roundTrip`: one client span per request.
    HttpClient,
    /// `net/http.(*persistConn).roundTrip` (entry only): notes which connection buffer the
    /// client span's request is written to...
    HttpInjectConn,
    /// ...and `net/http.(*transferWriter).writeHeader` (entry only) appends the outgoing
    /// `traceparent` to it (where the kernel allows `bpf_probe_write_user`; else only counts).
    HttpInjectHeaders,
    /// `database/sql.(*DB|*Tx|*Conn).QueryContext`: one span per query (`Query`, `QueryRow`
    /// and `QueryRowContext` go through it).
    SqlQuery,
    /// `database/sql.(*DB|*Tx|*Conn).ExecContext`: one span per exec (`Exec` goes through it).
    SqlExec,
    /// `database/sql.(*DB|*Tx|*Conn).PrepareContext`: `PREPARE {collection}`.
    SqlPrepare,
    /// `database/sql.(*Stmt).QueryContext`: a query with the statement's text.
    SqlStmtQuery,
    /// `database/sql.(*Stmt).ExecContext`: an exec with the statement's text.
    SqlStmtExec,
    /// `database/sql.(*DB|*Conn).BeginTx`: `BEGIN`.
    SqlBegin,
    /// `database/sql.(*Tx).Commit`: `COMMIT`.
    SqlCommit,
    /// `database/sql.(*Tx).rollback` (the exported `Rollback` is small enough to be inlined
    /// into its callers, where no probe sees it), except from the goroutine that rolls back
    /// every transaction once its context ends (`awaitDone`): `ROLLBACK`.
    SqlRollback,
    /// `database/sql.(*DB|*Conn).PingContext` (`Ping` goes through it): `PING`.
    SqlPing,
    /// gin `(*Engine).handleHTTPRequest`: at its RETs, `Context.fullPath` (the matched route
    /// template) names the request's server span.
    GinRoute,
    /// echo v4 `(*Router).Find`: at its RETs, the context's `path` (the matched route) names
    /// the request's server span.
    EchoRoute,
    /// go-redis v9 `(*baseClient).process`: one span per command (pipelines not yet).
    Redis,
    /// redigo `(*conn).DoWithTimeout`: one span per command (`Do` and `DoContext` go through it).
    Redigo,
    /// grpc `(*ClientConn).Invoke`: one client span per unary call.
    GrpcInvoke,
    /// grpc `(*ClientConn).NewStream`: starts a client span per stream...
    GrpcNewStream,
    /// ...which `(*clientStream).finish` ends (entry only).
    GrpcStreamFinish,
    /// grpc `(*Server).processUnaryRPC` / `processStreamingRPC`: one server span per call.
    GrpcServer,
    /// grpc `(*transport.http2Server).writeStatus`: the server span's status (entry only).
    GrpcWriteStatus,
    /// kafka-go `(*Writer).WriteMessages`: one producer span per call.
    KafkaWrite,
    /// kafka-go `(*Reader).FetchMessage` (`ReadMessage` calls it): one receive span per message.
    KafkaFetch,
}

impl ProbeId {
    /// Whether the probe has a program at each RET (else at the entry only): its library's
    /// [`ProbeSpec::has_exit`] (every spec of one id has the same programs).
    pub fn has_exit(self) -> bool {
        crate::libs::all_probes().any(|s| s.id == self && s.has_exit())
    }
}

/// One probe of a library.
#[derive(Debug, Clone, Copy)]
pub struct ProbeSpec {
    pub id: ProbeId,
    /// The name `OTEL_GO_ENABLED_INSTRUMENTATIONS` / `OTEL_GO_DISABLED_INSTRUMENTATIONS` use,
    /// the same as build mode's rule files.
    pub instrumentation: &'static str,
    /// Human description for the check report.
    pub what: &'static str,
    /// The BPF programs (`SEC("uprobe")` functions of its library's `bpf/lib/<library>.bpf.h`):
    /// the one at its entry, and the one at each of its exits (`None`: an entry-only probe).
    pub programs: (&'static str, Option<&'static str>),
    /// Symbol in `.gopclntab`.
    pub function: &'static str,
    /// Symbols tried in order when `function` is not in the binary (a library release that
    /// inlined it), with the same registers at entry and exit.
    pub also: &'static [&'static str],
    /// Fields the programs read; a missing required one skips the probe.
    pub fields: &'static [Field],
    /// A function whose calls of this one are the library's own, not the program's: its
    /// address range goes to the entry program, which ignores calls returning into it.
    pub ignore_calls_from: Option<&'static str>,
    /// The entry program goes on this function's calls of the one named here, instead of on
    /// its prologue.
    pub at_calls_to: Option<&'static str>,
    /// Callees tried in order when `at_calls_to` is not in the binary (the same function under
    /// another name: Go 1.27 moved HTTP/2 into `net/http/internal/http2`).
    pub also_calls_to: &'static [&'static str],
    /// The exit program goes on the calls the first function makes to the second, instead of on
    /// this function's RETs (a call is emulated by the kernel, a RET single-stepped).
    pub exit_at_calls: Option<(&'static str, &'static str)>,
}

impl ProbeSpec {
    /// Whether the probe has a program at each RET (else at the entry only).
    pub fn has_exit(&self) -> bool {
        self.programs.1.is_some()
    }
}

/// Libraries build mode instruments that attach does not yet: reported by `--check` when the
/// binary depends on them.
pub const NOT_YET: &[(&str, &str)] = &[
    ("github.com/redis/go-redis/v9", "go-redis v9 pipelines"),
];
