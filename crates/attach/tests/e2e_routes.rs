//! End to end, as root: `testdata/apps/attach-web` (a net/http ServeMux handing `/gin/` to gin
//! and `/echo/` to echo v4), built with plain `go build` and with `-ldflags=-s -w` (whose route
//! fields come from the fallback table `offsets.json`), attached. A request to each framework's
//! `/…/users/:id` route must give a server span named by the framework's route template, with `http.route`, as
//! build mode names it (`go/hooks/gin`, `go/hooks/echo`); the ServeMux's own pattern (`/gin/`)
//! does not name it.

mod common;

use std::time::{Duration, Instant};

use attach::Target;
use common::*;
use otlp::model::SpanKind;

/// GET `/{framework}/users/7` on attach-web built with `flags`, attached: its server span.
fn check(framework: &str, variant: &str, flags: &[&str]) {
    require_root_and_bpf();
    let exe = build("attach-web", &format!("web-{framework}-{variant}"), flags, &[("CGO_ENABLED", "0")]);
    let report = attach::check(&exe).expect("check").to_string();
    let planned = |l: &str| l.trim_start().starts_with(&format!("+ {framework} ")) && l.contains("routes (server spans named");
    assert!(report.lines().any(planned), "the {framework} route probe is not planned:\n{report}");
    let rx = receiver();
    let app = App::start(&exe, &["-addr", "127.0.0.1:0"], &[]);
    let base = format!("http://{}", app.addr);
    let attached = attach_to(Target::Pid(app.child.id()), &rx);
    let start = Instant::now();
    loop {
        attached.assert_running();
        assert_eq!(get(&format!("{base}/{framework}/users/0"), None), 200);
        if rx.store().spans().iter().any(|s| s.kind == SpanKind::Server) {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "no server span after 30 s");
        std::thread::sleep(Duration::from_millis(200));
    }
    let trace = "5bf92f3577b34da6a3ce929d0e0e4736";
    assert_eq!(get(&format!("{base}/{framework}/users/7"), Some(&format!("00-{trace}-00f067aa0ba902b7-01"))), 200);
    let spans = wait_for_spans(&rx, "the request's server span", Duration::from_secs(20), |s| {
        s.iter().any(|s| hex(&s.trace_id.0) == trace && s.kind == SpanKind::Server)
    });
    let span = spans.iter().find(|s| hex(&s.trace_id.0) == trace && s.kind == SpanKind::Server).expect("server span");
    let route = format!("/{framework}/users/:id");
    assert_eq!(span.name, format!("GET {route}"), "{}", describe(&spans));
    assert_eq!(span.attr_str("http.route"), Some(route.as_str()));
    assert_eq!(span.attr_str("url.path"), Some(format!("/{framework}/users/7").as_str()));
    attached.finish();
    let (status, stdout, _) = app.stop();
    assert!(status.success(), "the app exited with {status}");
    assert_eq!(stdout, "bye\n");
}

#[test]
fn attach_names_gin_server_spans_by_route() {
    check("gin", "plain", &[]);
}

#[test]
fn attach_names_gin_server_spans_by_route_in_a_stripped_build() {
    check("gin", "stripped", &["-ldflags=-s -w"]);
}

#[test]
fn attach_names_echo_server_spans_by_route() {
    check("echo", "plain", &[]);
}

#[test]
fn attach_names_echo_server_spans_by_route_in_a_stripped_build() {
    check("echo", "stripped", &["-ldflags=-s -w"]);
}
