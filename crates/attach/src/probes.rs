//! The catalogue of what attach instruments: for each probe, the Go function, the BPF programs
//! attached at its entry and at each of its `RET`s, and the struct fields its programs read.

use crate::offsets::{self, Field};

/// Which BPF programs a probe uses (names of `SEC("uprobe")` functions in `bpf/attach.bpf.c`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProbeId {
    /// `runtime.newproc1`: goroutine ancestry (child goid → parent's context).
    Goroutines,
    /// `net/http.serverHandler.ServeHTTP`: one server span per request.
    HttpServer,
    /// `net/http.(*Transport).roundTrip`: one client span per request.
    HttpClient,
    /// `database/sql.(*DB|*Tx|*Conn).QueryContext`: one span per query (`Query`, `QueryRow`
    /// and `QueryRowContext` go through it).
    SqlQuery,
    /// `database/sql.(*DB|*Tx|*Conn).ExecContext`: one span per exec (`Exec` goes through it).
    SqlExec,
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
    /// Whether the probe has a program at each RET (else at the entry only).
    pub fn has_exit(self) -> bool {
        !matches!(self, ProbeId::GrpcStreamFinish | ProbeId::GrpcWriteStatus)
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
}

use offsets::*;

pub const CATALOGUE: &[ProbeSpec] = &[
    ProbeSpec {
        id: ProbeId::Goroutines,
        instrumentation: "runtime",
        what: "goroutine ancestry (spans in child goroutines join their parent's trace)",
        function: "runtime.newproc1",
        also: &[],
        fields: &[G_GOID],
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
    },
    sql(ProbeId::SqlQuery, "database/sql DB queries", "database/sql.(*DB).QueryContext"),
    sql(ProbeId::SqlExec, "database/sql DB execs", "database/sql.(*DB).ExecContext"),
    sql(ProbeId::SqlQuery, "database/sql Tx queries", "database/sql.(*Tx).QueryContext"),
    sql(ProbeId::SqlExec, "database/sql Tx execs", "database/sql.(*Tx).ExecContext"),
    sql(ProbeId::SqlQuery, "database/sql Conn queries", "database/sql.(*Conn).QueryContext"),
    sql(ProbeId::SqlExec, "database/sql Conn execs", "database/sql.(*Conn).ExecContext"),
    ProbeSpec {
        id: ProbeId::Redis,
        instrumentation: "goredis",
        what: "go-redis v9 commands",
        function: "github.com/redis/go-redis/v9.(*baseClient).process",
        also: &["github.com/redis/go-redis/v9.(*baseClient).processStartingAt"],
        fields: &[G_GOID, REDIS_BASECMD_ARGS, REDIS_BASECLIENT_OPT, REDIS_OPTIONS_ADDR, REDIS_OPTIONS_DB],
    },
    ProbeSpec {
        id: ProbeId::Redigo,
        instrumentation: "redigo",
        what: "redigo commands",
        function: "github.com/gomodule/redigo/redis.(*conn).DoWithTimeout",
        also: &[],
        fields: &[G_GOID],
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
    },
    ProbeSpec {
        id: ProbeId::KafkaWrite,
        instrumentation: "kafkago",
        what: "kafka-go writer",
        function: "github.com/segmentio/kafka-go.(*Writer).WriteMessages",
        also: &[],
        fields: &[G_GOID, KAFKA_WRITER_TOPIC, KAFKA_MESSAGE_TOPIC],
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
    },
];

const fn sql(id: ProbeId, what: &'static str, function: &'static str) -> ProbeSpec {
    ProbeSpec {
        id,
        instrumentation: "databasesql",
        what,
        function,
        also: &[],
        fields: &[G_GOID],
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
    }
}

/// Libraries build mode instruments that attach does not yet: reported by `--check` when the
/// binary depends on them.
pub const NOT_YET: &[(&str, &str)] = &[
    ("github.com/redis/go-redis/v9", "go-redis v9 pipelines"),
];
