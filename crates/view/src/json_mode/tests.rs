//! `--json` mode end to end in-process: a real receiver on free ports, real OTLP/HTTP requests,
//! the exact lines on the output and in the `--save` file, replay, and how it stops.

use std::io::{self, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::sync::mpsc;

use super::serve;
use crate::ViewOptions;

/// A `Write` whose contents the test can read while the viewer writes.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Shared {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

impl Write for Shared {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A standard output whose reader has gone away.
struct ClosedPipe;

impl Write for ClosedPipe {
    fn write(&mut self, _: &[u8]) -> io::Result<usize> {
        Err(io::ErrorKind::BrokenPipe.into())
    }

    fn flush(&mut self) -> io::Result<()> {
        Err(io::ErrorKind::BrokenPipe.into())
    }
}

fn options() -> ViewOptions {
    ViewOptions {
        grpc_port: 0,
        http_port: 0,
        json: true,
        ..ViewOptions::default()
    }
}

fn temp_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("autotel-view-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    path
}

async fn until(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !ready() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The HTTP address from the notice `serve` prints first.
async fn http_addr(notices: &Shared) -> SocketAddr {
    until("the listening notice", || notices.text().contains('\n')).await;
    let text = notices.text();
    let addr = text
        .split("OTLP/HTTP on ")
        .nth(1)
        .and_then(|rest| rest.split(';').next())
        .unwrap();
    addr.parse().unwrap()
}

/// POSTs an OTLP/JSON body and returns the status line.
async fn post_json(addr: SocketAddr, path: &str, body: &str) -> String {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    response.lines().next().unwrap_or_default().to_owned()
}

const SPAN: &str = r#"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"api"}}]},"scopeSpans":[{"scope":{"name":"s"},"spans":[{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708","name":"GET /","kind":2,"startTimeUnixNano":"100","endTimeUnixNano":"350"}]}]}]}"#;
const SPAN_LINE: &str = r#"{"signal":"span","trace_id":"0102030405060708090a0b0c0d0e0f10","span_id":"0102030405060708","parent_span_id":null,"name":"GET /","kind":"server","start_unix_nano":100,"end_unix_nano":350,"duration_ns":250,"status":{"code":"unset","message":""},"attributes":{},"events":[],"links":[],"resource":{"service.name":"api"},"scope":{"name":"s","version":""}}"#;
const LOG: &str = r#"{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"severityNumber":9,"body":{"stringValue":"hi"}}]}]}]}"#;
const LOG_LINE: &str = r#"{"signal":"log","time_unix_nano":null,"observed_time_unix_nano":null,"severity_number":9,"severity_text":"","event_name":"","body":"hi","attributes":{},"trace_id":null,"span_id":null,"resource":{},"scope":{"name":"","version":""}}"#;
const METRIC: &str = r#"{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"up","gauge":{"dataPoints":[{"timeUnixNano":"5","asInt":"1"}]}}]}]}]}"#;
const METRIC_LINE: &str = r#"{"signal":"metric","name":"up","description":"","unit":"","kind":"gauge","value":1,"attributes":{},"start_time_unix_nano":null,"time_unix_nano":5,"resource":{},"scope":{"name":"","version":""}}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_received_item_is_printed_and_saved_as_one_line() {
    let save = temp_path("save.jsonl");
    std::fs::write(&save, "earlier line\n").unwrap();
    let (out, notices) = (Shared::default(), Shared::default());
    let (stop, stops) = mpsc::channel(1);
    let options = ViewOptions {
        save: Some(save.clone()),
        ..options()
    };
    let viewer = tokio::spawn({
        let (out, notices) = (out.clone(), notices.clone());
        async move { serve(&options, out, notices, stops).await }
    });
    let addr = http_addr(&notices).await;
    assert_eq!(post_json(addr, "/v1/traces", SPAN).await, "HTTP/1.1 200 OK");
    assert_eq!(post_json(addr, "/v1/logs", LOG).await, "HTTP/1.1 200 OK");
    assert_eq!(
        post_json(addr, "/v1/metrics", METRIC).await,
        "HTTP/1.1 200 OK"
    );
    until("three lines", || out.text().lines().count() == 3).await;
    stop.send(()).await.unwrap();
    viewer.await.unwrap().unwrap();

    let expected = format!("{SPAN_LINE}\n{LOG_LINE}\n{METRIC_LINE}\n");
    assert_eq!(out.text(), expected);
    assert_eq!(
        std::fs::read_to_string(&save).unwrap(),
        format!("earlier line\n{expected}")
    );
    let notice = notices.text();
    assert!(
        notice.starts_with("autotel view: listening for OTLP/gRPC on 127.0.0.1:")
            && notice.ends_with("; JSON lines go to standard output (Ctrl-C stops)\n")
            && notice.lines().count() == 1,
        "{notice:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_file_is_printed_first() {
    let replay = temp_path("replay.jsonl");
    std::fs::write(&replay, format!("{METRIC_LINE}\n\n{SPAN_LINE}\n")).unwrap();
    let (out, notices) = (Shared::default(), Shared::default());
    let (stop, stops) = mpsc::channel(1);
    let options = ViewOptions {
        replay: Some(replay),
        ..options()
    };
    let viewer = tokio::spawn({
        let out = out.clone();
        async move { serve(&options, out, notices, stops).await }
    });
    until("the replayed lines", || out.text().lines().count() == 2).await;
    stop.send(()).await.unwrap();
    viewer.await.unwrap().unwrap();
    // One batch per signal, spans first.
    assert_eq!(out.text(), format!("{SPAN_LINE}\n{METRIC_LINE}\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_output_stops_the_viewer_quietly() {
    let notices = Shared::default();
    let (_stop, stops) = mpsc::channel(1);
    let options = options();
    let viewer = tokio::spawn({
        let notices = notices.clone();
        async move { serve(&options, ClosedPipe, notices, stops).await }
    });
    let addr = http_addr(&notices).await;
    assert_eq!(post_json(addr, "/v1/traces", SPAN).await, "HTTP/1.1 200 OK");
    tokio::time::timeout(Duration::from_secs(10), viewer)
        .await
        .expect("the viewer stops")
        .unwrap()
        .unwrap();
    assert_eq!(notices.text().lines().count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_files_and_busy_ports_are_errors_that_name_them() {
    let run = |options: ViewOptions| async move {
        let (_stop, stops) = mpsc::channel(1);
        serve(&options, Shared::default(), Shared::default(), stops)
            .await
            .unwrap_err()
            .to_string()
    };
    let replay = temp_path("bad.jsonl");
    std::fs::write(&replay, format!("{SPAN_LINE}\n{{\"signal\":\"span\"}}\n")).unwrap();
    assert_eq!(
        run(ViewOptions {
            replay: Some(replay.clone()),
            ..options()
        })
        .await,
        format!(
            "cannot replay {}: line 2: resource: missing",
            replay.display()
        )
    );
    assert_eq!(
        run(ViewOptions { replay: Some(replay.clone()), save: Some(replay.clone()), ..options() }).await,
        format!(
            "--save and --replay name the same file ({}): saving would append the replayed lines to it",
            replay.display()
        )
    );
    let missing = temp_path("missing.jsonl");
    assert_eq!(
        run(ViewOptions {
            replay: Some(missing.clone()),
            ..options()
        })
        .await,
        format!(
            "cannot open the --replay file {}: No such file or directory (os error 2)",
            missing.display()
        )
    );
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port();
    assert_eq!(
        run(ViewOptions { grpc_port: port, ..options() }).await,
        format!(
            "cannot listen on 127.0.0.1:{port} for OTLP/gRPC: address in use (is another OpenTelemetry collector or \
             `autotel view` running? stop it or choose another port) (the viewer takes --listen ADDRESS, \
             --grpc-port PORT and --http-port PORT)"
        )
    );
}
