//! The comparison, as root: test programs under `testdata/apps` built by `autotel go
//! build` (build mode, exporting itself) and built by plain `go build` then attached. The same
//! requests go to each; for every request, the spans of both modes must have the same names,
//! kinds and attribute keys. Covered: net/http (`attach-nethttp`), database/sql and its
//! drivers (`attach-sql`, `attach-sql-drivers`: SQLite and MySQL in one program, whose spans
//! are paired by `db.system.name` too), grpc (`attach-grpc`: unary and bidirectional-stream
//! calls, client and server, paired by method and status code) and segmentio/kafka-go
//! (`attach-kafka` against a real broker: producer and receive spans, paired by destination).
//! Values such as ports, ids and the Go error type in `error.type` differ by nature. An
//! attribute one mode cannot observe is an [`Allowed`] difference of its case, with the
//! reason; the comparison fails when one no longer occurs.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use attach::export::ExportConfig;
use attach::{AttachOptions, Target};
use common::*;
use otlp::model::{Span, SpanKind};

const TP: &str = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

/// What identifies a span's request, so that the two modes' spans can be paired: an RPC by
/// its method and status code (the same method is called once failing), a message by its
/// destination, a database call by its system, operation and query, an HTTP client call by
/// its path and query, an HTTP server span by its path.
fn request_of(s: &Span) -> String {
    if let Some(method) = s.attr_str("rpc.method") {
        return format!("{method} {}", s.attr_str("rpc.status_code").unwrap_or_default());
    }
    if let Some(dest) = s.attr_str("messaging.destination.name") {
        return dest.to_owned();
    }
    if s.attr_str("db.operation.name").is_some() {
        // PREPARE and the statement's query share the text; BEGIN, COMMIT… have none. Its
        // system too: one program may use several databases.
        return format!(
            "{} {} {}",
            s.attr_str("db.system.name").unwrap_or_default(),
            s.attr_str("db.operation.name").unwrap_or_default(),
            s.attr_str("db.query.text").unwrap_or_default()
        );
    }
    match s.kind {
        SpanKind::Client => {
            s.attr_str("url.full").and_then(|u| u.splitn(4, '/').nth(3)).map(|p| format!("/{p}")).unwrap_or_default()
        }
        _ => s.attr_str("url.path").unwrap_or_default().to_owned(),
    }
}

/// Spans of one service by (kind, request): their name and attribute keys.
type ByRequest = BTreeMap<(String, String), (String, BTreeSet<String>)>;

fn by_request(spans: &[Arc<Span>], service: &str) -> ByRequest {
    spans
        .iter()
        .filter(|s| s.resource_str("service.name") == Some(service))
        .filter(|s| s.attr_str("url.path") != Some("/hello/warmup"))
        .map(|s| ((s.kind.name().to_owned(), request_of(s)), (s.name.clone(), s.attr_keys())))
        .collect()
}

fn has(m: &ByRequest, kind: &str, request: &str) -> bool {
    m.contains_key(&(kind.to_owned(), request.to_owned()))
}

fn wanted(m: &ByRequest) -> bool {
    ["/hello/bob", "/hello/q", "/chain", "/teapot", "/hello/direct", "/hello/child", "/api/items/7"].iter().all(|p| has(m, "server", p))
        && ["/hello/direct", "/hello/child"].iter().all(|p| has(m, "client", p))
}

/// The running program a case drives: its address, its executable (a case may run it again,
/// as a client) and the environment a second process of the same mode needs.
struct Driven<'a> {
    addr: &'a str,
    exe: &'a Path,
    env: &'a [(&'a str, &'a str)],
}

impl Driven<'_> {
    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

/// An attribute only one mode records on spans of one kind, and why the other cannot: the
/// comparison accepts exactly these differences, and fails when one no longer occurs (so
/// the list stays true).
struct Allowed {
    kind: &'static str,
    key: &'static str,
    only_in: Mode,
    why: &'static str,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    Build,
    Attach,
}

/// One comparison: the program, its arguments, how to warm attach mode up and drive it, the
/// spans that must be there in each mode, and the documented differences.
struct Case {
    app: &'static str,
    args: Vec<String>,
    /// Attach to every process of the executable (a case whose clients are processes of
    /// the same program) instead of the one started.
    by_exe: bool,
    /// One request that makes attach mode emit a span once it is attached.
    warmup: fn(&Driven),
    drive: fn(&Driven),
    wanted: fn(&ByRequest) -> bool,
    allowed: &'static [Allowed],
}

impl Case {
    /// An HTTP program attached by pid, warmed up by [`http_warmup`], without allowed
    /// differences.
    fn http(app: &'static str, args: &[&str], drive: fn(&Driven), wanted: fn(&ByRequest) -> bool) -> Case {
        Case {
            app,
            args: args.iter().map(|a| a.to_string()).collect(),
            by_exe: false,
            warmup: http_warmup,
            drive,
            wanted,
            allowed: &[],
        }
    }
}

/// Any request to an HTTP program: its server span (left out of the comparison) shows that
/// attach is tracing.
fn http_warmup(d: &Driven) {
    get(&d.url("/hello/warmup"), None);
}

/// The requests both modes get; `/chain` makes two client calls (one from a child goroutine),
/// `/api/items/7` is routed by a second mux mounted behind a middleware.
fn drive(d: &Driven) {
    assert_eq!(get(&d.url("/hello/bob"), None), 200);
    assert_eq!(get(&d.url("/api/items/7"), None), 200);
    assert_eq!(get(&d.url("/hello/q?x=1&sig=secret"), None), 200);
    assert_eq!(get(&d.url("/chain"), Some(TP)), 200);
    assert_eq!(get(&d.url("/teapot"), None), 418);
}

/// Runs the case's program in both modes with the same requests and compares the spans
/// `wanted` says must be there: per (kind, request), the same name and attribute keys, but
/// for the case's allowed differences.
fn compare(case: &Case) {
    require_root_and_bpf();
    let rx = receiver();
    let build_service = format!("{}-build-mode", case.app);
    let attach_service = format!("{}-attach-mode", case.app);
    let args: Vec<&str> = case.args.iter().map(String::as_str).collect();

    // Build mode: the program exports by itself.
    let built = build_instrumented(case.app);
    let endpoint = rx.http_endpoint();
    let env = [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
        ("OTEL_SERVICE_NAME", build_service.as_str()),
        ("OTEL_BSP_SCHEDULE_DELAY", "100"),
        ("OTEL_METRICS_EXPORTER", "none"),
        ("OTEL_LOGS_EXPORTER", "none"),
    ];
    let started = App::start(&built, &args, &env);
    (case.drive)(&Driven { addr: &started.addr, exe: &built, env: &env });
    // Before the program stops: work it does after answering (a reader's receives) is seen.
    wait_for_spans(&rx, "build mode's spans", Duration::from_secs(20), |s| (case.wanted)(&by_request(s, &build_service)));
    let (status, stdout, stderr) = started.stop();
    assert!(status.success(), "build-mode app: {status}: {stderr}");
    assert!(stdout.ends_with("bye\n"), "{stdout}");
    let build_mode = by_request(&rx.store().spans(), &build_service);

    // Attach mode: a plain build, attached.
    let plain = build(case.app, "compare-plain", &[], &[("CGO_ENABLED", "0")]);
    let started = App::start(&plain, &args, &[]);
    let driven = Driven { addr: &started.addr, exe: &plain, env: &[] };
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let target = if case.by_exe { Target::Exe(plain.clone()) } else { Target::Pid(started.child.id()) };
    let mut opts = AttachOptions::new(target);
    opts.stop = Some(stop.clone());
    let mut export = ExportConfig::to_url(traces_url(&rx));
    export.service_name = Some(attach_service.clone());
    opts.export = Some(export);
    let thread = std::thread::spawn(move || attach::run(opts));
    let start = Instant::now();
    loop {
        if thread.is_finished() {
            let r = thread.join().expect("attach thread");
            panic!("attach stopped early: {r:?}");
        }
        (case.warmup)(&driven);
        if rx.store().wait_until(Duration::from_millis(200), |s| {
            s.spans().iter().any(|s| s.resource_str("service.name") == Some(attach_service.as_str()))
        }) {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "no attach-mode span after 30 s");
    }
    (case.drive)(&driven);
    let spans =
        wait_for_spans(&rx, "attach mode's spans", Duration::from_secs(20), |s| (case.wanted)(&by_request(s, &attach_service)));
    let attach_mode = by_request(&spans, &attach_service);
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    thread.join().expect("attach thread").expect("attach ran");
    let (status, stdout, _) = started.stop();
    assert!(status.success());
    assert!(stdout.ends_with("bye\n"), "{stdout}");

    let diffs = differences(&build_mode, &attach_mode, case.allowed);
    assert!(diffs.is_empty(), "build mode and attach mode differ:\n{}", diffs.join("\n"));
}

/// What differs between the two modes' spans, but for `allowed`; an allowed difference that
/// never occurs is itself reported.
fn differences(build_mode: &ByRequest, attach_mode: &ByRequest, allowed: &[Allowed]) -> Vec<String> {
    let mut diffs = Vec::new();
    let mut used = vec![false; allowed.len()];
    let mut unexplained = |request: &(String, String), keys: Vec<&String>, mode: Mode| -> Vec<String> {
        keys.into_iter()
            .filter(|k| {
                let hit = allowed.iter().position(|a| a.kind == request.0 && a.key == k.as_str() && a.only_in == mode);
                if let Some(i) = hit {
                    used[i] = true;
                }
                hit.is_none()
            })
            .cloned()
            .collect()
    };
    // What happened before attach could see it (startup) is left out.
    let seen_by_attach =
        |r: &(String, String)| attach_mode.contains_key(r) || !r.1.split_once(' ').is_some_and(|(_, op)| op.starts_with("CREATE"));
    for (request, (name, keys)) in build_mode.iter().filter(|(r, _)| seen_by_attach(r)) {
        match attach_mode.get(request) {
            None => diffs.push(format!("{request:?}: no attach-mode span (build mode: {name:?})")),
            Some((aname, akeys)) => {
                if aname != name {
                    diffs.push(format!("{request:?}: name {name:?} (build) vs {aname:?} (attach)"));
                }
                let only_build = unexplained(request, keys.difference(akeys).collect(), Mode::Build);
                let only_attach = unexplained(request, akeys.difference(keys).collect(), Mode::Attach);
                if !only_build.is_empty() || !only_attach.is_empty() {
                    diffs.push(format!(
                        "{request:?}: keys only in build mode {only_build:?}, only in attach mode {only_attach:?}"
                    ));
                }
            }
        }
    }
    for request in attach_mode.keys() {
        if !build_mode.contains_key(request) {
            diffs.push(format!("{request:?}: only attach mode has this span"));
        }
    }
    for (a, used) in allowed.iter().zip(used) {
        if !used {
            diffs.push(format!(
                "allowed difference no longer seen, remove it: {} spans' {} only in {:?} mode ({})",
                a.kind, a.key, a.only_in, a.why
            ));
        }
    }
    diffs
}

#[test]
fn build_mode_and_attach_mode_spans_have_the_same_names_kinds_and_attribute_keys() {
    compare(&Case::http("attach-nethttp", &["-addr", "127.0.0.1:0"], drive, wanted));
}

fn drive_sql(d: &Driven) {
    assert_eq!(get(&d.url("/db"), None), 200);
    assert_eq!(get(&d.url("/tx"), None), 200);
    assert_eq!(get(&d.url("/long"), None), 200);
}

/// `/long`'s query: its `FROM` past the first kilobyte, named `SELECT users` only from the
/// whole text (both modes pair it by that text, so a cut text has no pair).
const LONG_QUERY_START: &str = "sqlite SELECT SELECT name AS n, name AS n,";

fn wanted_sql(m: &ByRequest) -> bool {
    ["/db", "/tx", "/long"].iter().all(|p| has(m, "server", p))
        && ["sqlite COMMIT ", "sqlite ROLLBACK ", "sqlite DELETE DELETE FROM missing_table WHERE id = ?"]
            .iter()
            .all(|k| has(m, "client", k))
        && m.iter().any(|((kind, request), (name, _))| kind == "client" && request.starts_with(LONG_QUERY_START) && name == "SELECT users")
}

#[test]
fn build_mode_and_attach_mode_database_sql_spans_agree() {
    compare(&Case::http("attach-sql", &["-addr", "127.0.0.1:0"], drive_sql, wanted_sql));
}

fn drive_drivers(d: &Driven) {
    assert_eq!(get(&d.url("/sqlite"), None), 200);
    assert_eq!(get(&d.url("/mysql"), None), 200);
}

fn wanted_drivers(m: &ByRequest) -> bool {
    ["/sqlite", "/mysql"].iter().all(|p| has(m, "server", p))
        && ["sqlite", "mysql"]
            .iter()
            .all(|db| m.keys().any(|(kind, call)| kind == "client" && call.starts_with(&format!("{db} COMMIT"))))
}

/// Each database/sql call's `db.system.name` is its DB's driver's in both modes, in a program
/// that links SQLite and MySQL drivers (a real MariaDB server).
#[test]
fn build_mode_and_attach_mode_name_the_driver_of_each_database_sql_call_alike() {
    let mariadb = mariadb_server();
    let dsn = mariadb.dsn("test");
    compare(&Case::http("attach-sql-drivers", &["-addr", "127.0.0.1:0", "-mysql", &dsn], drive_drivers, wanted_drivers));
}

/// Runs the grpc client of `d`'s program against its server (`-warmup`: one call only).
fn grpc_client(d: &Driven, warmup: bool) {
    let mut cmd = std::process::Command::new(d.exe);
    cmd.args(["client", "-target", d.addr]).envs(d.env.iter().copied());
    if warmup {
        cmd.arg("-warmup");
    }
    let out = cmd.output().expect("run the grpc client");
    assert!(out.status.success(), "client failed: {}", String::from_utf8_lossy(&out.stderr));
    let want = if warmup { "hello bob\n" } else { "hello bob\nfail: NotFound\necho a\necho b\necho c\ndone\n" };
    assert_eq!(String::from_utf8_lossy(&out.stdout), want);
}

fn wanted_grpc(m: &ByRequest) -> bool {
    ["client", "server"].iter().all(|kind| {
        ["autotel.test.Greeter/SayHello OK", "autotel.test.Greeter/SayHello NOT_FOUND", "autotel.test.Greeter/Chat OK"]
            .iter()
            .all(|call| has(m, kind, call))
    })
}

/// What a grpc server span has in build mode only. Build mode's stats handler gets the
/// call's peer and metadata from grpc; attach would have to follow `ServerStream.st` (an
/// interface) to `http2Server.peer`, then `peer.Peer.Addr` (an interface again, whose
/// dynamic type is only known at run time) to a `net.TCPAddr`, and `server.address` is the
/// `:authority` header, a value in the stream's metadata map that BPF cannot look up.
const GRPC_SERVER_PEER: &str = "attach reads neither the server transport's peer nor the :authority metadata";

const GRPC_ALLOWED: &[Allowed] = &[
    Allowed { kind: "server", key: "network.peer.address", only_in: Mode::Build, why: GRPC_SERVER_PEER },
    Allowed { kind: "server", key: "network.peer.port", only_in: Mode::Build, why: GRPC_SERVER_PEER },
    Allowed { kind: "server", key: "server.address", only_in: Mode::Build, why: GRPC_SERVER_PEER },
    Allowed { kind: "server", key: "server.port", only_in: Mode::Build, why: GRPC_SERVER_PEER },
];

/// grpc (issue 15 item 1): a unary call, a unary call the server fails, and a bidirectional
/// stream, client and server (the client is a second process of the same program).
#[test]
fn build_mode_and_attach_mode_grpc_spans_agree() {
    compare(&Case {
        app: "attach-grpc",
        args: ["server", "-addr", "127.0.0.1:0"].map(String::from).to_vec(),
        by_exe: true,
        warmup: |d| grpc_client(d, true),
        drive: |d| grpc_client(d, false),
        wanted: wanted_grpc,
        allowed: GRPC_ALLOWED,
    });
}

fn drive_kafka(d: &Driven) {
    assert_eq!(get(&d.url("/produce"), None), 200);
}

fn wanted_kafka(m: &ByRequest) -> bool {
    has(m, "server", "/produce") && has(m, "producer", "orders") && has(m, "client", "orders")
}

/// Why a kafka-go producer span has `server.address`/`server.port` in build mode only: build
/// mode calls `Writer.Addr.String()`; attach would have to read a `net.Addr` interface whose
/// dynamic type (kafka-go's `TCP(...)` address, a list of them, or the application's own
/// type) is only known at run time.
const KAFKA_WRITER_ADDR: &str = "attach cannot read the Writer's net.Addr interface";

const KAFKA_ALLOWED: &[Allowed] = &[
    Allowed { kind: "producer", key: "server.address", only_in: Mode::Build, why: KAFKA_WRITER_ADDR },
    Allowed { kind: "producer", key: "server.port", only_in: Mode::Build, why: KAFKA_WRITER_ADDR },
];

/// segmentio/kafka-go (issue 16 item 5): a WriteMessages of two messages and the reader's
/// receive of each, against a real Kafka broker.
#[test]
fn build_mode_and_attach_mode_kafka_go_spans_agree() {
    let broker = kafka_broker();
    let addr = &broker.values["kafka.addr"];
    compare(&Case {
        app: "attach-kafka",
        args: ["-addr", "127.0.0.1:0", "-broker", addr, "-topic", "orders"].map(String::from).to_vec(),
        by_exe: false,
        warmup: http_warmup,
        drive: drive_kafka,
        wanted: wanted_kafka,
        allowed: KAFKA_ALLOWED,
    });
}
