//! The catalogue of what attach instruments: for each probe, the Go function, the BPF programs
//! attached at its entry and at each of its `RET`s, and the struct fields its programs read.

use crate::offsets::{self, Field};

/// Which BPF programs a probe uses (names of `SEC("uprobe")` functions in `bpf/lib/*.bpf.h`).
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
    /// The BPF programs of the probe: the one at its entry, and the one at each of its exits
    /// (`None`: an entry-only probe).
    pub fn programs(self) -> (&'static str, Option<&'static str>) {
        match self {
            ProbeId::Goroutines => ("newproc_runqput", None),
            ProbeId::HttpServer => ("http_server_enter", Some("http_server_ret")),
            ProbeId::Http2ServerEnd => ("http2_server_done", None),
            ProbeId::HttpClient => ("http_client_enter", Some("http_client_ret")),
            ProbeId::HttpInjectConn => ("http_conn_roundtrip", None),
            ProbeId::HttpInjectHeaders => ("http_header_write", None),
            ProbeId::SqlQuery => ("db_query_enter", Some("db_query_ret")),
            ProbeId::SqlExec => ("db_query_enter", Some("db_exec_ret")),
            ProbeId::SqlPrepare => ("db_prepare_enter", Some("db_query_ret")),
            ProbeId::SqlStmtQuery => ("db_stmt_enter", Some("db_query_ret")),
            ProbeId::SqlStmtExec => ("db_stmt_enter", Some("db_exec_ret")),
            ProbeId::SqlBegin => ("db_begin_enter", Some("db_query_ret")),
            ProbeId::SqlCommit => ("db_commit_enter", Some("db_error_ret")),
            ProbeId::SqlRollback => ("db_rollback_enter", Some("db_error_ret")),
            ProbeId::SqlPing => ("db_ping_enter", Some("db_error_ret")),
            ProbeId::GinRoute => ("gin_route_enter", Some("gin_route_ret")),
            ProbeId::EchoRoute => ("echo_route_enter", Some("echo_route_ret")),
            ProbeId::Redis => ("redis_process_enter", Some("redis_process_ret")),
            ProbeId::Redigo => ("redigo_do_enter", Some("redigo_do_ret")),
            ProbeId::GrpcInvoke => ("grpc_invoke_enter", Some("grpc_invoke_ret")),
            ProbeId::GrpcNewStream => ("grpc_newstream_enter", Some("grpc_newstream_ret")),
            ProbeId::GrpcStreamFinish => ("grpc_stream_finish", None),
            ProbeId::GrpcServer => ("grpc_server_enter", Some("grpc_server_ret")),
            ProbeId::GrpcWriteStatus => ("grpc_server_write_status", None),
            ProbeId::KafkaWrite => ("kafka_write_enter", Some("kafka_write_ret")),
            ProbeId::KafkaFetch => ("kafka_fetch_enter", Some("kafka_fetch_ret")),
        }
    }

    /// Whether the probe has a program at each RET (else at the entry only).
    pub fn has_exit(self) -> bool {
        self.programs().1.is_some()
    }
}

/// One probe of the catalogue.
#[derive(Debug, Clone, Copy)]
pub struct ProbeSpec {
    pub id: ProbeId,
    /// The name `OTEL_GO_ENABLED_INSTRUMENTATIONS` / `OTEL_GO_DISABLED_INSTRUMENTATIONS` use,
    /// the same as build mode's rule files.
    pub instrumentation: &'static str,
    /// Human description for the check report.
    pub what: &'static str,
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

use offsets::*;

pub const CATALOGUE: &[ProbeSpec] = &[
    ProbeSpec {
        id: ProbeId::Goroutines,
        instrumentation: "runtime",
        what: "goroutine ancestry (spans in child goroutines join their parent's trace)",
        function: "runtime.newproc.func1",
        also: &[],
        fields: &[G_GOID, G_M, M_CURG],
        ignore_calls_from: None,
        at_calls_to: Some("runtime.runqput"),
        also_calls_to: &[],
        exit_at_calls: None,
    },
    ProbeSpec {
        id: ProbeId::HttpServer,
        instrumentation: "nethttp",
        what: "net/http server spans",
        function: "net/http.serverHandler.ServeHTTP",
        also: &[],
        fields: &[
            G_GOID,
            REQ_METHOD,
            REQ_URL,
            REQ_HOST,
            REQ_HEADER,
            REQ_PATTERN,
            URL_PATH,
            RESPONSE_STATUS,
            REQ_PROTOMAJOR,
            REQ_PROTOMINOR,
            REQ_REMOTEADDR,
            REQ_TLS,
            MAP_DIRPTR,
            MAP_DIRLEN,
            TABLE_GROUPS,
            GROUPSREF_DATA,
            GROUPSREF_MASK,
        ],
        ignore_calls_from: None,
        at_calls_to: None,
        also_calls_to: &[],
        exit_at_calls: Some(("net/http.(*conn).serve", "net/http.(*conn).hijacked")),
    },
    ProbeSpec {
        id: ProbeId::Http2ServerEnd,
        instrumentation: "nethttp",
        what: "net/http HTTP/2 server span ends",
        function: "net/http.(*http2serverConn).runHandler.func1",
        also: &["net/http/internal/http2.(*serverConn).runHandler.func1"],
        fields: &[G_GOID, H2_WRITER_STATE, H2_STATE_STATUS, H2_INTERNAL_WRITER_STATE, H2_INTERNAL_STATE_STATUS],
        ignore_calls_from: None,
        at_calls_to: Some("net/http.(*http2responseWriter).handlerDone"),
        also_calls_to: &["net/http/internal/http2.(*responseWriter).handlerDone"],
        exit_at_calls: None,
    },
    ProbeSpec {
        id: ProbeId::HttpClient,
        instrumentation: "nethttp",
        what: "net/http client spans",
        function: "net/http.(*Transport).roundTrip",
        also: &[],
        fields: &[
            G_GOID,
            REQ_METHOD,
            REQ_URL,
            REQ_HOST,
            URL_SCHEME,
            URL_HOST,
            URL_PATH,
            URL_RAWQUERY,
            RESP_STATUSCODE,
            RESP_PROTOMAJOR,
            RESP_PROTOMINOR,
        ],
        ignore_calls_from: None,
        at_calls_to: None,
        also_calls_to: &[],
        exit_at_calls: None,
    },
    ProbeSpec {
        id: ProbeId::HttpInjectConn,
        instrumentation: "nethttp",
        what: "net/http client connections (outgoing traceparent)",
        function: "net/http.(*persistConn).roundTrip",
        also: &[],
        fields: &[G_GOID, PERSISTCONN_BW],
        ignore_calls_from: None,
        at_calls_to: None,
        also_calls_to: &[],
        exit_at_calls: None,
    },
    ProbeSpec {
        id: ProbeId::HttpInjectHeaders,
        instrumentation: "nethttp",
        what: "net/http request heads (outgoing traceparent)",
        function: "net/http.(*transferWriter).writeHeader",
        also: &[],
        fields: &[TRANSFERWRITER_HEADER, BUFIO_WRITER_BUF, BUFIO_WRITER_N, MAP_DIRPTR, MAP_DIRLEN, TABLE_GROUPS, GROUPSREF_DATA, GROUPSREF_MASK],
        ignore_calls_from: None,
        at_calls_to: None,
        also_calls_to: &[],
        exit_at_calls: None,
    },
    sql(ProbeId::SqlQuery, "database/sql DB queries", "database/sql.(*DB).QueryContext"),
    sql(ProbeId::SqlExec, "database/sql DB execs", "database/sql.(*DB).ExecContext"),
    sql(ProbeId::SqlQuery, "database/sql Tx queries", "database/sql.(*Tx).QueryContext"),
    sql(ProbeId::SqlExec, "database/sql Tx execs", "database/sql.(*Tx).ExecContext"),
    sql(ProbeId::SqlQuery, "database/sql Conn queries", "database/sql.(*Conn).QueryContext"),
    sql(ProbeId::SqlExec, "database/sql Conn execs", "database/sql.(*Conn).ExecContext"),
    sql(ProbeId::SqlPrepare, "database/sql DB prepares", "database/sql.(*DB).PrepareContext"),
    sql(ProbeId::SqlPrepare, "database/sql Tx prepares", "database/sql.(*Tx).PrepareContext"),
    sql(ProbeId::SqlPrepare, "database/sql Conn prepares", "database/sql.(*Conn).PrepareContext"),
    ProbeSpec {
        fields: &[G_GOID, STMT_QUERY, DB_CONNECTOR, DSNCONNECTOR_DRIVER, STMT_DB],
        ..sql(ProbeId::SqlStmtQuery, "database/sql prepared-statement queries", "database/sql.(*Stmt).QueryContext")
    },
    ProbeSpec {
        fields: &[G_GOID, STMT_QUERY, DB_CONNECTOR, DSNCONNECTOR_DRIVER, STMT_DB],
        ..sql(ProbeId::SqlStmtExec, "database/sql prepared-statement execs", "database/sql.(*Stmt).ExecContext")
    },
    sql(ProbeId::SqlBegin, "database/sql DB transactions begun", "database/sql.(*DB).BeginTx"),
    sql(ProbeId::SqlBegin, "database/sql Conn transactions begun", "database/sql.(*Conn).BeginTx"),
    sql(ProbeId::SqlCommit, "database/sql commits", "database/sql.(*Tx).Commit"),
    ProbeSpec {
        ignore_calls_from: Some("database/sql.(*Tx).awaitDone"),
        ..sql(ProbeId::SqlRollback, "database/sql rollbacks", "database/sql.(*Tx).rollback")
    },
    sql(ProbeId::SqlPing, "database/sql DB pings", "database/sql.(*DB).PingContext"),
    sql(ProbeId::SqlPing, "database/sql Conn pings", "database/sql.(*Conn).PingContext"),
    ProbeSpec {
        id: ProbeId::GinRoute,
        instrumentation: "gin",
        what: "gin routes (server spans named by the route template)",
        function: "github.com/gin-gonic/gin.(*Engine).handleHTTPRequest",
        also: &[],
        fields: &[G_GOID, GIN_CONTEXT_FULLPATH],
        ignore_calls_from: None,
        at_calls_to: None,
        also_calls_to: &[],
        exit_at_calls: None,
    },
    ProbeSpec {
        id: ProbeId::EchoRoute,
        instrumentation: "echo",
        what: "echo v4 routes (server spans named by the route template)",
        function: "github.com/labstack/echo/v4.(*Router).Find",
        also: &[],
        fields: &[G_GOID, ECHO_CONTEXT_PATH],
        ignore_calls_from: None,
        at_calls_to: None,
        also_calls_to: &[],
        exit_at_calls: None,
    },
    ProbeSpec {
        id: ProbeId::Redis,
        instrumentation: "goredis",
        what: "go-redis v9 commands",
        function: "github.com/redis/go-redis/v9.(*baseClient).process",
        also: &["github.com/redis/go-redis/v9.(*baseClient).processStartingAt"],
        fields: &[G_GOID, REDIS_BASECMD_ARGS, REDIS_BASECLIENT_OPT, REDIS_OPTIONS_ADDR, REDIS_OPTIONS_DB],
        ignore_calls_from: None,
        at_calls_to: None,
        also_calls_to: &[],
        exit_at_calls: None,
    },
    ProbeSpec {
        id: ProbeId::Redigo,
        instrumentation: "redigo",
        what: "redigo commands",
        function: "github.com/gomodule/redigo/redis.(*conn).DoWithTimeout",
        also: &[],
        fields: &[G_GOID],
        ignore_calls_from: None,
        at_calls_to: None,
        also_calls_to: &[],
        exit_at_calls: None,
    },
    grpc(ProbeId::GrpcInvoke, "grpc client unary calls", "google.golang.org/grpc.(*ClientConn).Invoke", GRPC_CLIENT_FIELDS),
    grpc(ProbeId::GrpcNewStream, "grpc client streams", "google.golang.org/grpc.(*ClientConn).NewStream", GRPC_CLIENT_FIELDS),
    grpc(ProbeId::GrpcStreamFinish, "grpc client stream ends", "google.golang.org/grpc.(*clientStream).finish", &[]),
    grpc(ProbeId::GrpcServer, "grpc server unary calls", "google.golang.org/grpc.(*Server).processUnaryRPC", GRPC_SERVER_FIELDS),
    grpc(ProbeId::GrpcServer, "grpc server streams", "google.golang.org/grpc.(*Server).processStreamingRPC", GRPC_SERVER_FIELDS),
    ProbeSpec {
        id: ProbeId::GrpcWriteStatus,
        instrumentation: "grpc",
        what: "grpc server status codes",
        function: "google.golang.org/grpc/internal/transport.(*http2Server).writeStatus",
        also: &["google.golang.org/grpc/internal/transport.(*http2Server).WriteStatus"],
        fields: &[G_GOID, GRPC_STATUS_S, SPB_STATUS_CODE],
        ignore_calls_from: None,
        at_calls_to: None,
        also_calls_to: &[],
        exit_at_calls: None,
    },
    ProbeSpec {
        id: ProbeId::KafkaWrite,
        instrumentation: "kafkago",
        what: "kafka-go writer",
        function: "github.com/segmentio/kafka-go.(*Writer).WriteMessages",
        also: &[],
        fields: &[G_GOID, KAFKA_WRITER_TOPIC, KAFKA_MESSAGE_TOPIC],
        ignore_calls_from: None,
        at_calls_to: None,
        also_calls_to: &[],
        exit_at_calls: None,
    },
    ProbeSpec {
        id: ProbeId::KafkaFetch,
        instrumentation: "kafkago",
        what: "kafka-go reader",
        function: "github.com/segmentio/kafka-go.(*Reader).FetchMessage",
        also: &[],
        fields: &[
            G_GOID,
            KAFKA_READER_CONFIG,
            KAFKA_READERCFG_TOPIC,
            KAFKA_READERCFG_GROUP,
            KAFKA_READERCFG_BROKERS,
            KAFKA_READERCFG_PARTITION,
        ],
        ignore_calls_from: None,
        at_calls_to: None,
        also_calls_to: &[],
        exit_at_calls: None,
    },
];

const fn sql(id: ProbeId, what: &'static str, function: &'static str) -> ProbeSpec {
    ProbeSpec {
        id,
        instrumentation: "databasesql",
        what,
        function,
        also: &[],
        fields: &[G_GOID, DB_CONNECTOR, DSNCONNECTOR_DRIVER, CONN_DB, TX_DB],
        ignore_calls_from: None,
        at_calls_to: None,
        also_calls_to: &[],
        exit_at_calls: None,
    }
}

const GRPC_CLIENT_FIELDS: &[Field] = &[G_GOID, GRPC_CC_TARGET, GRPC_ERROR_S, GRPC_STATUS_S, SPB_STATUS_CODE];
const GRPC_SERVER_FIELDS: &[Field] =
    &[G_GOID, GRPC_SERVERSTREAM_STREAM, GRPC_STREAM_METHOD, GRPC_STATUS_S, SPB_STATUS_CODE];

const fn grpc(id: ProbeId, what: &'static str, function: &'static str, fields: &'static [Field]) -> ProbeSpec {
    ProbeSpec {
        id,
        instrumentation: "grpc",
        what,
        function,
        also: &[],
        fields,
        ignore_calls_from: None,
        at_calls_to: None,
        also_calls_to: &[],
        exit_at_calls: None,
    }
}

/// Libraries build mode instruments that attach does not yet: reported by `--check` when the
/// binary depends on them.
pub const NOT_YET: &[(&str, &str)] = &[
    ("github.com/redis/go-redis/v9", "go-redis v9 pipelines"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_probe_names_uprobe_programs_of_the_bpf_object() {
        let source = [
            include_str!("../bpf/attach.bpf.c"),
            include_str!("../bpf/lib/nethttp.bpf.h"),
            include_str!("../bpf/lib/routes.bpf.h"),
            include_str!("../bpf/lib/goroutines.bpf.h"),
            include_str!("../bpf/lib/databasesql.bpf.h"),
            include_str!("../bpf/lib/goredis.bpf.h"),
            include_str!("../bpf/lib/redigo.bpf.h"),
            include_str!("../bpf/lib/grpc.bpf.h"),
            include_str!("../bpf/lib/kafkago.bpf.h"),
        ]
        .concat();
        for spec in CATALOGUE {
            let (entry, exit) = spec.id.programs();
            for name in std::iter::once(entry).chain(exit) {
                let definition = format!("SEC(\"uprobe\")\nint {name}(struct pt_regs *ctx)");
                assert!(source.contains(&definition), "{:?}: no uprobe program `{name}` in attach.bpf.c", spec.id);
            }
        }
    }
}
