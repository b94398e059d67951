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
        fields: &[G_GOID],
    },
    ProbeSpec {
        id: ProbeId::HttpServer,
        instrumentation: "nethttp",
        what: "net/http server spans",
        function: "net/http.serverHandler.ServeHTTP",
        fields: &[
            G_GOID,
            REQ_METHOD,
            REQ_URL,
            REQ_HOST,
            REQ_HEADER,
            REQ_PATTERN,
            URL_PATH,
            RESPONSE_STATUS,
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
        ],
    },
];

/// Libraries build mode instruments that attach does not yet: reported by `--check` when the
/// binary depends on them.
pub const NOT_YET: &[(&str, &str)] = &[
    ("database/sql", "database/sql"),
    ("github.com/redis/go-redis/v9", "go-redis v9"),
    ("google.golang.org/grpc", "grpc"),
    ("github.com/segmentio/kafka-go", "kafka-go"),
];
