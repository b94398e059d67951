//! End to end, as root: `testdata/apps/attach-grpc`, one plain-built binary run as a grpc
//! server and as a client of it, attached by executable (so both processes are traced). The
//! client makes a unary call, a unary call the server fails with NOT_FOUND, and a
//! bidirectional stream. Checked: client and server spans named `package.Service/Method`,
//! `rpc.system.name=grpc`, `rpc.method`, `rpc.status_code`, errors per the RPC conventions,
//! `server.address`/`server.port` on the client, and that the stream's client span lasts
//! past the start of the server's.

mod common;

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use attach::Target;
use common::*;
use otlp::model::{Span, SpanKind, StatusCode};

fn run_client(exe: &Path, target: &str, warmup: bool) -> String {
    let mut cmd = Command::new(exe);
    cmd.args(["client", "-target", target]);
    if warmup {
        cmd.arg("-warmup");
    }
    let out = cmd.output().expect("run the grpc client");
    assert!(out.status.success(), "client failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn now_nanos() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_nanos() as u64
}

#[test]
fn attach_traces_grpc_client_and_server_unary_and_streaming() {
    check("grpc-plain", &[]);
}

/// Without DWARF the grpc offsets come from the fallback table.
#[test]
fn attach_traces_grpc_in_a_stripped_build() {
    check("grpc-stripped", &["-ldflags=-s -w"]);
}

fn check(variant: &str, flags: &[&str]) {
    require_root_and_bpf();
    let exe = build("attach-grpc", variant, flags, &[("CGO_ENABLED", "0")]);
    let text = attach::check(&exe).expect("check").to_string();
    for what in ["grpc client unary calls", "grpc client streams", "grpc server unary calls", "grpc server streams"] {
        assert!(text.contains(&format!("+ {what}")), "{what} missing from:\n{text}");
    }
    assert!(!text.contains("degraded"), "{text}");

    let rx = receiver();
    let attached = attach_to(Target::Exe(exe.clone()), &rx);
    let server = App::start(&exe, &["server", "-addr", "127.0.0.1:0"], &[]);
    let target = server.addr.clone();
    let start = Instant::now();
    loop {
        attached.assert_running();
        run_client(&exe, &target, true);
        let spans = rx.store().spans();
        if spans.iter().any(|s| s.kind == SpanKind::Client && s.name == "autotel.test.Greeter/SayHello")
            && spans.iter().any(|s| s.kind == SpanKind::Server && s.name == "autotel.test.Greeter/SayHello")
        {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "no grpc spans after 30 s:\n{}", describe(&spans));
        std::thread::sleep(Duration::from_millis(300));
    }

    let since = now_nanos();
    let out = run_client(&exe, &target, false);
    assert_eq!(out, "hello bob\nfail: NotFound\necho a\necho b\necho c\ndone\n");
    let fresh = |s: &[Arc<Span>]| -> Vec<Arc<Span>> { s.iter().filter(|s| s.start_unix_nanos >= since).cloned().collect() };
    let spans = wait_for_spans(&rx, "3 client and 3 server grpc spans", Duration::from_secs(20), |s| fresh(s).len() >= 6);
    let spans = fresh(&spans);
    let (host, port) = target.rsplit_once(':').expect("host:port");
    type Seen<'a> = (SpanKind, String, Option<&'a str>, Option<&'a str>, bool);
    let mut got: Vec<Seen> = spans
        .iter()
        .map(|s| {
            assert_eq!(s.attr_str("rpc.system.name"), Some("grpc"), "{}", describe(&spans));
            assert_eq!(s.attr_str("rpc.method"), Some(s.name.as_str()));
            if s.kind == SpanKind::Client {
                assert_eq!(s.attr_str("server.address"), Some(host));
                assert_eq!(s.attr_int("server.port"), Some(port.parse().expect("port")));
            }
            (s.kind, s.name.clone(), s.attr_str("rpc.status_code"), s.attr_str("error.type"), s.status.code == StatusCode::Error)
        })
        .collect();
    got.sort_by_key(|g| (g.0 == SpanKind::Server, g.1.clone(), g.2.map(str::to_owned)));
    assert_eq!(
        got,
        vec![
            (SpanKind::Client, "autotel.test.Greeter/Chat".to_owned(), Some("OK"), None, false),
            (SpanKind::Client, "autotel.test.Greeter/SayHello".to_owned(), Some("NOT_FOUND"), Some("NOT_FOUND"), true),
            (SpanKind::Client, "autotel.test.Greeter/SayHello".to_owned(), Some("OK"), None, false),
            (SpanKind::Server, "autotel.test.Greeter/Chat".to_owned(), Some("OK"), None, false),
            (SpanKind::Server, "autotel.test.Greeter/SayHello".to_owned(), Some("NOT_FOUND"), None, false),
            (SpanKind::Server, "autotel.test.Greeter/SayHello".to_owned(), Some("OK"), None, false),
        ],
        "{}",
        describe(&spans)
    );
    // The stream's client span covers the exchange: it starts before the server sees the stream
    // and ends after the server's handler started (the client waits for the three echoes). Its
    // end is not compared with the server's: the server span ends when processStreamingRPC
    // returns, after writing the trailers whose arrival ends the client span, so either may be
    // first.
    let chat = |k: SpanKind| spans.iter().find(|s| s.kind == k && s.name.ends_with("/Chat")).expect("chat span");
    let (c, s) = (chat(SpanKind::Client), chat(SpanKind::Server));
    assert!(c.start_unix_nanos <= s.start_unix_nanos && c.end_unix_nanos > s.start_unix_nanos, "{}", describe(&spans));

    let (status, stdout, _) = server.stop();
    assert!(status.success(), "the server exited with {status}");
    assert_eq!(stdout, "bye\n");
    attached.finish();
}
