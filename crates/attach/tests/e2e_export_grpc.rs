//! End to end, as root: with `OTEL_EXPORTER_OTLP_PROTOCOL=grpc` and the endpoint taken from
//! the environment (`ExportConfig::from_env`, as the CLI does), attach exports over OTLP/gRPC
//! and the project's receiver gets the spans on its gRPC port (nothing is sent to its HTTP
//! port). Its own test binary: the variables are process-wide.

mod common;

use std::time::{Duration, Instant};

use attach::export::{ExportConfig, Protocol};
use attach::{AttachOptions, Target};
use common::*;
use otlp::model::SpanKind;

#[test]
fn attach_exports_over_otlp_grpc() {
    require_root_and_bpf();
    let exe = build("attach-nethttp", "export-grpc", &[], &[("CGO_ENABLED", "0")]);
    let rx = receiver();
    std::env::set_var("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc");
    std::env::set_var("OTEL_EXPORTER_OTLP_ENDPOINT", rx.grpc_endpoint());
    std::env::set_var("OTEL_EXPORTER_OTLP_HEADERS", "x-test=1");
    let export = ExportConfig::from_env().expect("config from the environment");
    assert_eq!(export.protocol, Protocol::Grpc);
    assert_eq!(export.traces_url.as_deref(), Some(rx.grpc_endpoint().as_str()));

    let app = App::start(&exe, &["-addr", "127.0.0.1:0"], &[]);
    let base = format!("http://{}", app.addr);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut opts = AttachOptions::new(Target::Pid(app.child.id()));
    opts.stop = Some(stop.clone());
    opts.export = Some(export);
    let thread = std::thread::spawn(move || attach::run(opts));

    let start = Instant::now();
    loop {
        assert!(!thread.is_finished(), "attach stopped early");
        let _ = ureq::get(&format!("{base}/hello/grpc")).timeout(Duration::from_secs(5)).call();
        if rx.store().wait_until(Duration::from_millis(300), |s| {
            s.spans().iter().any(|s| s.kind == SpanKind::Server && s.attr_str("url.path") == Some("/hello/grpc"))
        }) {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "no span over gRPC after 30 s");
    }
    let span = rx.store().spans().into_iter().find(|s| s.attr_str("url.path") == Some("/hello/grpc")).expect("span");
    assert_eq!(span.name, "GET /hello/{name}");
    assert_eq!(span.resource_str("service.name"), Some("attach-nethttp-export-grpc"));

    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    thread.join().expect("attach thread").expect("attach ran");
    let (status, stdout, _) = app.stop();
    assert!(status.success());
    assert_eq!(stdout, "bye\n");
}
