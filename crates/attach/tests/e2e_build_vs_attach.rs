//! The comparison, as root: `testdata/apps/attach-nethttp`, `attach-sql` and
//! `attach-sql-drivers` (SQLite and MySQL in one program) built by
//! `autotel go build` (build mode, exporting itself) and built by plain `go build` then
//! attached. The same requests go to each; for every request, the spans of both modes must
//! have the same names, kinds and attribute keys, and database spans the same `db.system.name`. (Values such as ports, ids and the Go error
//! type in `error.type` differ by nature.)

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use attach::export::ExportConfig;
use attach::{AttachOptions, Target};
use common::*;
use otlp::model::{Span, SpanKind};

const TP: &str = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

/// The requests both modes get; `/chain` makes two client calls (one from a child goroutine).
fn drive(base: &str) {
    assert_eq!(get(&format!("{base}/hello/bob"), None), 200);
    assert_eq!(get(&format!("{base}/hello/q?x=1&sig=secret"), None), 200);
    assert_eq!(get(&format!("{base}/chain"), Some(TP)), 200);
    assert_eq!(get(&format!("{base}/teapot"), None), 418);
}

/// Spans of one service keyed by what identifies their request: kind and path.
fn by_request(spans: &[Arc<Span>], service: &str) -> BTreeMap<(String, String), (String, BTreeSet<String>)> {
    spans
        .iter()
        .filter(|s| s.resource_str("service.name") == Some(service))
        .filter(|s| s.attr_str("url.path") != Some("/hello/warmup"))
        .map(|s| {
            let path = match s.kind {
                // A database call by its operation and query (PREPARE and the statement's query
                // share the text; BEGIN, COMMIT… have none).
                // Its system too: one program may use several databases.
                _ if s.attr_str("db.operation.name").is_some() => format!(
                    "{} {} {}",
                    s.attr_str("db.system.name").unwrap_or_default(),
                    s.attr_str("db.operation.name").unwrap_or_default(),
                    s.attr_str("db.query.text").unwrap_or_default()
                ),
                SpanKind::Client => s
                    .attr_str("url.full")
                    .and_then(|u| u.splitn(4, '/').nth(3))
                    .map(|p| format!("/{p}"))
                    .unwrap_or_default(),
                _ => s.attr_str("url.path").unwrap_or_default().to_owned(),
            };
            ((s.kind.name().to_owned(), path), (s.name.clone(), s.attr_keys()))
        })
        .collect()
}

fn wanted(m: &BTreeMap<(String, String), (String, BTreeSet<String>)>) -> bool {
    ["/hello/bob", "/hello/q", "/chain", "/teapot", "/hello/direct", "/hello/child"]
        .iter()
        .all(|p| m.contains_key(&("server".to_owned(), p.to_string())))
        && ["/hello/direct", "/hello/child"].iter().all(|p| m.contains_key(&("client".to_owned(), p.to_string())))
}

/// Runs `app` in both modes with the same requests (`drive`) and compares the spans `wanted`
/// says must be there.
type ByRequest = BTreeMap<(String, String), (String, BTreeSet<String>)>;

fn compare(app: &str, args: &[&str], drive: fn(&str), wanted: fn(&ByRequest) -> bool) {
    require_root_and_bpf();
    let rx = receiver();
    let build_service = format!("{app}-build-mode");
    let attach_service = format!("{app}-attach-mode");

    // Build mode: the program exports by itself.
    let built = build_instrumented(app);
    let args: Vec<&str> = ["-addr", "127.0.0.1:0"].iter().chain(args).copied().collect();
    let started = App::start(
        &built,
        &args,
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &rx.http_endpoint()),
            ("OTEL_SERVICE_NAME", &build_service),
            ("OTEL_BSP_SCHEDULE_DELAY", "100"),
            ("OTEL_METRICS_EXPORTER", "none"),
            ("OTEL_LOGS_EXPORTER", "none"),
        ],
    );
    drive(&format!("http://{}", started.addr));
    let (status, stdout, stderr) = started.stop();
    assert!(status.success(), "build-mode app: {status}: {stderr}");
    assert_eq!(stdout, "bye\n");
    let spans = wait_for_spans(&rx, "build mode's spans", Duration::from_secs(20), |s| wanted(&by_request(s, &build_service)));
    let build_mode = by_request(&spans, &build_service);

    // Attach mode: a plain build, attached.
    let plain = build(app, "compare-plain", &[], &[("CGO_ENABLED", "0")]);
    let started = App::start(&plain, &args, &[]);
    let base = format!("http://{}", started.addr);
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut opts = AttachOptions::new(Target::Pid(started.child.id()));
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
        get(&format!("{base}/hello/warmup"), None);
        if rx.store().wait_until(Duration::from_millis(200), |s| {
            s.spans().iter().any(|s| s.resource_str("service.name") == Some(attach_service.as_str()))
        }) {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "no attach-mode span after 30 s");
    }
    drive(&base);
    let spans = wait_for_spans(&rx, "attach mode's spans", Duration::from_secs(20), |s| wanted(&by_request(s, &attach_service)));
    let attach_mode = by_request(&spans, &attach_service);
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    thread.join().expect("attach thread").expect("attach ran");
    let (status, stdout, _) = started.stop();
    assert!(status.success());
    assert_eq!(stdout, "bye\n");

    // What happened before attach could see it (startup) is left out.
    let mut diffs = Vec::new();
    for (request, (name, keys)) in build_mode.iter().filter(|(r, _)| attach_mode.contains_key(*r) || !r.1.split_once(' ').is_some_and(|(_, op)| op.starts_with("CREATE"))) {
        match attach_mode.get(request) {
            None => diffs.push(format!("{request:?}: no attach-mode span (build mode: {name:?})")),
            Some((aname, akeys)) => {
                if aname != name {
                    diffs.push(format!("{request:?}: name {name:?} (build) vs {aname:?} (attach)"));
                }
                if akeys != keys {
                    diffs.push(format!(
                        "{request:?}: keys only in build mode {:?}, only in attach mode {:?}",
                        keys.difference(akeys).collect::<Vec<_>>(),
                        akeys.difference(keys).collect::<Vec<_>>()
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
    assert!(diffs.is_empty(), "build mode and attach mode differ:\n{}", diffs.join("\n"));
}

#[test]
fn build_mode_and_attach_mode_spans_have_the_same_names_kinds_and_attribute_keys() {
    compare("attach-nethttp", &[], drive, wanted);
}

fn drive_sql(base: &str) {
    assert_eq!(get(&format!("{base}/db"), None), 200);
    assert_eq!(get(&format!("{base}/tx"), None), 200);
}

fn wanted_sql(m: &BTreeMap<(String, String), (String, BTreeSet<String>)>) -> bool {
    ["/db", "/tx"].iter().all(|p| m.contains_key(&("server".to_owned(), p.to_string())))
        && ["sqlite COMMIT ", "sqlite ROLLBACK ", "sqlite DELETE DELETE FROM missing_table WHERE id = ?"]
            .iter()
            .all(|k| m.contains_key(&("client".to_owned(), k.to_string())))
}

#[test]
fn build_mode_and_attach_mode_database_sql_spans_agree() {
    compare("attach-sql", &[], drive_sql, wanted_sql);
}

fn drive_drivers(base: &str) {
    assert_eq!(get(&format!("{base}/sqlite"), None), 200);
    assert_eq!(get(&format!("{base}/mysql"), None), 200);
}

fn wanted_drivers(m: &BTreeMap<(String, String), (String, BTreeSet<String>)>) -> bool {
    ["/sqlite", "/mysql"].iter().all(|p| m.contains_key(&("server".to_owned(), p.to_string())))
        && ["sqlite", "mysql"]
            .iter()
            .all(|db| m.keys().any(|(kind, call)| kind == "client" && call.starts_with(&format!("{db} COMMIT"))))
}

/// Each database/sql call's `db.system.name` is its DB's driver's in both modes, in a program
/// that links SQLite and MySQL drivers (a real MariaDB server).
#[test]
fn build_mode_and_attach_mode_name_the_driver_of_each_database_sql_call_alike() {
    let mariadb = mariadb_server();
    compare("attach-sql-drivers", &["-mysql", &mariadb.dsn("test")], drive_drivers, wanted_drivers);
}
