//! autotel attach mode: instruments an unmodified, already built (even stripped) Go binary
//! with eBPF uprobes and exports the same spans as build mode over OTLP.
//!
//! # Public API (called by the `autotel` CLI)
//!
//! - [`check`]`(path) -> Result<CheckReport, AttachError>`: analyses a binary without root and
//!   without loading anything. [`CheckReport`]'s `Display` is what `autotel attach --check
//!   PATH` prints: the Go version and modules, what would be instrumented (function, file
//!   offsets, RET count), what would not and why, and every struct offset with its source.
//! - [`run`]`(AttachOptions) -> Result<(), AttachError>`: attaches (root needed) and exports
//!   until Ctrl-C / SIGTERM, or until the target process exits (`Target::Pid`). With
//!   `Target::Exe` it instruments every process of that executable, those already running
//!   and those started later, and shows which ones it sees. `check_only: true` prints the
//!   report and returns.
//!
//! A program built by `autotel go build` (its manifest, `crates/manifest`, is in the
//! executable) already traces itself: attaching would record every span twice, so `run`
//! refuses it with [`AttachError::BuiltByAutotel`] before anything is loaded, and the
//! [`CheckReport`] of `check` plans nothing and says why.
//!
//! # What is traced
//!
//! | instrumentation (`OTEL_GO_*_INSTRUMENTATIONS` name) | functions | spans |
//! |---|---|---|
//! | `nethttp` | `serverHandler.ServeHTTP`, `(*Transport).roundTrip` | server `GET /route`, client `GET` (stable HTTP conventions, the same keys as build mode) |
//! | `databasesql` | `(*DB\|*Tx\|*Conn).QueryContext` / `ExecContext` / `PrepareContext` (`Query`, `QueryRow`, `Exec`, `Prepare` go through them), `(*Stmt).QueryContext` / `ExecContext`, `(*DB\|*Conn).BeginTx` / `PingContext`, `(*Tx).Commit` / `rollback` | `{db.query.summary}` (`SELECT orders customers`; `PREPARE users`, `BEGIN`, `COMMIT`, `ROLLBACK`, `PING` as in build mode, checked by `testdata/semantics/sql.json`), client; `db.system.name` from the driver of each call's DB (its connector's or driver's type, named by its code address in `.gopclntab`: `crate::drivers`), else from the driver module in the build info (`other_sql` when unknown or ambiguous); `db.query.text` sanitized; `server.address`/`server.port` from the socket the query is sent on |
//! | `gin`, `echo` | gin `(*Engine).handleHTTPRequest`, echo v4 `(*Router).Find` (entry and RETs) | the request's server span renamed to the matched route template (`GET /users/:id`), `http.route`, stripped binaries too (`offsets.json` has the fields for gin ≥1.7 and echo ≥4.1) |
//! | `goredis` | go-redis v9 `(*baseClient).process` (or `processStartingAt`) | the command (`GET`), client, `db.system.name=redis`, `db.query.text` = command and `?` per argument, `server.address`, `db.namespace`; commands the client sends to set up a connection (`HELLO`) belong to the command that needed it |
//! | `redigo` | `(*conn).DoWithTimeout` (`Do` and `DoContext` go through it) | as go-redis; `server.address`/`server.port` from the socket the command is sent on |
//! | `grpc` | `(*ClientConn).Invoke`, `NewStream` … `(*clientStream).finish`, `(*Server).processUnaryRPC` / `processStreamingRPC`, `(*http2Server).writeStatus` | `package.Service/Method`, client/server, `rpc.system.name=grpc`, `rpc.method`, `rpc.status_code` |
//! | `kafkago` | `(*Writer).WriteMessages`, `(*Reader).FetchMessage` | `send {topic}` producer, `receive {topic}` client, `messaging.*` |
//!
//! Spans join their goroutine's current span, and goroutines inherit it from their creator
//! (`runtime.newproc1`), so calls made without `ctx` land in the right trace. An incoming
//! HTTP `traceparent` is honoured (Go 1.24+ header maps).
//!
//! Clients that keep no address attach can read (database/sql drivers, redigo) get
//! `server.address` from the peer of the TCP socket their goroutine sends on during the span:
//! a BTF tracepoint (`sock_send_length`, Linux 6.4+) finds the sending goroutine from the
//! thread's saved user registers.
//!
//! # Configuration
//!
//! Export follows the standard variables: `OTEL_EXPORTER_OTLP_ENDPOINT` (default
//! `http://localhost:4318`, or `http://localhost:4317` with `grpc`),
//! `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, `OTEL_EXPORTER_OTLP_HEADERS`,
//! `OTEL_EXPORTER_OTLP_PROTOCOL` / `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL` (`http/protobuf`, or
//! `grpc` over plaintext HTTP/2; `http/json` and TLS for gRPC are refused with a clear error),
//! `OTEL_EXPORTER_OTLP_TIMEOUT`, `OTEL_SERVICE_NAME` (default: the executable's name),
//! `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_SDK_DISABLED`, `OTEL_TRACES_EXPORTER`, and
//! `OTEL_GO_ENABLED_INSTRUMENTATIONS` / `OTEL_GO_DISABLED_INSTRUMENTATIONS` (names in the table
//! above). `OTEL_GO_DB_QUERY_TEXT` = `sanitized` (default) | `raw` | `off` chooses what
//! `db.query.text` carries; build mode's `OTEL_GO_DB_QUERY_SANITIZE=false` means `raw`.
//!
//! # How it works
//!
//! 1. [`binary`], [`buildinfo`], [`pclntab`], [`disasm`], [`dwarf`], [`offsets`]: pure-Rust
//!    analysis. Functions come from `.gopclntab` (survives `-s -w`), exits are probed at every
//!    `RET` found by disassembly (never uretprobes), struct offsets come from DWARF or the
//!    generated fallback table `offsets.json` (standard library by Go release, libraries by
//!    module version).
//! 2. [`plan`] turns that into a [`CheckReport`] of probes at file offsets, each address
//!    proven by [`verify`] (decoded from its function's entry: an instruction start holding
//!    the expected `PUSHQ BP` / stack-check jump, `RET` or `CALL`) or refused with a warning.
//!    It loops over [`libs::LIBRARIES`]: each library's module says which probes it plans, what
//!    it loses without an optional offset, and its notes.
//! 3. `bpf/attach.bpf.c` (C, compiled by clang in `build.rs`, loaded with libbpf-rs; one
//!    compilation unit of `bpf/common.bpf.h` and one `bpf/lib/<library>.bpf.h` per library) tracks the
//!    span context of each goroutine, copies it to goroutines created by `runtime.newproc1`,
//!    reads an incoming `traceparent`, appends the outgoing one to an HTTP/1.1 request's
//!    header bytes in the connection's buffer (where the kernel allows), and sends finished
//!    spans through a ring buffer with batched wake-ups.
//!    Only the programs the plan uses are loaded, and the header-map scan is made of global
//!    BPF functions the verifier checks once each, so the start takes about a second on a
//!    70 MB binary; [`progress`] shows its steps on a terminal.
//! 4. [`event`] decodes them with the types generated from `bpf/attach.h` ([`bpf`]; target bytes
//!    as valid UTF-8 through [`text`]), [`spans`] has each event's library (with [`sql`]) map it
//!    onto the semantic conventions and [`export`] sends OTLP/HTTP or OTLP/gRPC.
//!
//! # Where a library lives
//!
//! In two files: `src/libs/<library>.rs` (one [`libs::Library`]: its name, probes, plan checks,
//! notes, BPF configuration and span building) and `bpf/lib/<library>.bpf.h` (its BPF
//! configuration, maps and programs). [`libs`] says how to add one.
//!
//! # Known gaps
//!
//! The outgoing `traceparent` is written into HTTP/1.1 requests only (not HTTP/2, grpc
//! metadata or kafka headers), and only where the kernel allows `bpf_probe_write_user`: under
//! lockdown a downstream service joins the caller's trace only when the caller was built with
//! `autotel go build`. Incoming grpc metadata and kafka headers are not read; headers (`traceparent`,
//! `User-Agent`) are read from Go 1.24+ maps only; go-redis pipelines and grpc servers
//! mounted through `ServeHTTP` are not traced; errors carry `error.type=_OTHER` (the Go error's
//! type is not read).
//!
//! Built without clang, the crate still compiles and [`check`] works; [`run`] returns
//! [`AttachError::BpfNotBuilt`] (see [`BPF_BUILT`]).

pub mod binary;
pub mod bpf;
pub mod buildinfo;
pub mod disasm;
pub mod drivers;
pub mod dwarf;
pub mod error;
pub mod event;
pub mod export;
pub mod libs;
#[cfg(test)]
mod conformance;
pub mod offsets;
pub mod pclntab;
pub mod plan;
pub mod probes;
pub mod progress;
pub mod spans;
pub mod summary;
pub mod sql;
pub mod text;
pub mod verify;
mod session;

use std::path::PathBuf;

pub use error::AttachError;
pub use plan::{check, CheckReport};

/// Whether this build contains the compiled BPF programs (clang was found at build time).
pub const BPF_BUILT: bool = cfg!(bpf_built);

/// What to attach to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Every process running this executable, now or later.
    Exe(PathBuf),
    /// One running process.
    Pid(u32),
}

/// Options of [`run`].
#[derive(Debug, Clone)]
pub struct AttachOptions {
    pub target: Target,
    /// Print the [`CheckReport`] and return without attaching.
    pub check_only: bool,
    /// Less progress output on stderr.
    pub quiet: bool,
    /// Prints the time of each start step, and adds libbpf's log to BPF errors.
    pub verbose: bool,
    /// Stops [`run`] when set, like SIGTERM does (for embedding and tests).
    pub stop: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
    /// Exporter settings; `None` reads the `OTEL_*` variables.
    pub export: Option<export::ExportConfig>,
}

impl AttachOptions {
    pub fn new(target: Target) -> AttachOptions {
        AttachOptions {
            target,
            check_only: false,
            quiet: false,
            verbose: false,
            stop: None,
            export: None,
        }
    }
}

/// Whether the kernel lets attach write the outgoing `traceparent` into a target's request
/// (`bpf_probe_write_user`, which lockdown refuses). Needs root to find out.
pub fn outgoing_injection_allowed() -> bool {
    session::probe_write_user_allowed()
}

/// Attaches to the target and exports spans until stopped; see the crate documentation.
pub fn run(opts: AttachOptions) -> Result<(), AttachError> {
    session::run(opts)
}
