//! `autotel view` in a real terminal: the binary runs in a tmux pane, receives real OTLP/HTTP
//! requests (JSON bodies) on ports the test picked, is driven with `tmux send-keys` and read
//! with `tmux capture-pane`. After it quits (with `q`, or on SIGTERM) the pane must be back on
//! the shell's screen with the terminal out of raw mode.
//!
//! Needs tmux (`.ci/packages.txt`). Each test runs its own tmux server (`tmux -L <name>`), so
//! tests neither see nor disturb any other tmux session.

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Output};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const WIDTH: u16 = 120;
const HEIGHT: u16 = 40;
/// How long a screen may take to show what a test waits for.
const PATIENCE: Duration = Duration::from_secs(20);

/// A tmux server of our own with one shell pane; killed when dropped.
struct Pane {
    socket: String,
}

impl Pane {
    fn start(name: &str) -> Pane {
        let socket = format!("autotel-view-{name}-{}", std::process::id());
        let pane = Pane { socket };
        let size = (WIDTH.to_string(), HEIGHT.to_string());
        pane.tmux(&[
            "new-session",
            "-d",
            "-s",
            "view",
            "-x",
            &size.0,
            "-y",
            &size.1,
            "env -i PATH=/usr/bin:/bin HOME=/tmp TERM=xterm-256color LANG=C.UTF-8 PS1='$ ' sh",
        ]);
        pane
    }

    fn tmux(&self, args: &[&str]) -> Output {
        let output = Command::new("tmux")
            .arg("-u")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("cannot run tmux: install it (it is listed in .ci/packages.txt)");
        assert!(
            output.status.success(),
            "tmux {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        output
    }

    /// Types `text` literally, then presses Enter.
    fn type_line(&self, text: &str) {
        self.tmux(&["send-keys", "-t", "view", "-l", text]);
        self.tmux(&["send-keys", "-t", "view", "Enter"]);
    }

    /// Presses keys by tmux's names (`Enter`, `Escape`, `q`, …).
    fn keys(&self, keys: &[&str]) {
        for key in keys {
            self.tmux(&["send-keys", "-t", "view", key]);
            // One key per read of the UI's loop keeps the order obvious in failures.
            thread::sleep(Duration::from_millis(50));
        }
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.tmux(&["capture-pane", "-p", "-t", "view"]).stdout)
            .into_owned()
    }

    fn format(&self, format: &str) -> String {
        String::from_utf8_lossy(
            &self
                .tmux(&["display-message", "-p", "-t", "view", format])
                .stdout,
        )
        .trim()
        .to_owned()
    }

    /// Waits until the screen holds every one of `texts`; returns it, or panics with it.
    fn wait_for(&self, texts: &[&str]) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let screen = self.screen();
            if texts.iter().all(|text| screen.contains(text)) {
                return screen;
            }
            if Instant::now() > deadline {
                panic!("the screen never showed {texts:?}; it shows:\n{screen}");
            }
            thread::sleep(Duration::from_millis(100));
        }
    }

    /// The pid of the program the pane's shell is running (the viewer).
    fn child_pid(&self) -> u32 {
        let shell = self.format("#{pane_pid}");
        let children = std::fs::read_to_string(format!("/proc/{shell}/task/{shell}/children"))
            .expect("the pane's shell has a children list");
        children
            .split_whitespace()
            .next()
            .and_then(|pid| pid.parse().ok())
            .expect("the shell runs the viewer")
    }

    /// Asserts the viewer is gone and the terminal is as the shell left it: the main screen,
    /// canonical mode and echo on (so not raw), and the viewer's exit status `status`.
    fn assert_restored(&self, status: i32) {
        let screen = self.wait_for(&[&format!("exit={status}")]);
        assert_eq!(
            self.format("#{alternate_on}"),
            "0",
            "the alternate screen is left:\n{screen}"
        );
        // Prints `modes: icanon echo` on a sane terminal, `modes: -icanon -echo` on a raw one.
        self.type_line(
            "echo modes: $(stty -a | tr ' ;' '\\n\\n' | grep -x -e icanon -e -icanon -e echo -e -echo)",
        );
        let screen = self.wait_for(&["\nmodes: "]);
        let modes = screen
            .lines()
            .find(|line| line.starts_with("modes: "))
            .unwrap_or_default();
        assert_eq!(
            modes, "modes: icanon echo",
            "the terminal is still raw:\n{screen}"
        );
    }
}

impl Drop for Pane {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}

/// A port nobody listens on right now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

/// POSTs an OTLP/JSON body to the viewer and asserts a 200 answer.
fn post(port: u16, path: &str, body: &str) {
    let deadline = Instant::now() + PATIENCE;
    let mut stream = loop {
        match TcpStream::connect(("127.0.0.1", port)) {
            Ok(stream) => break stream,
            Err(error) if Instant::now() > deadline => {
                panic!("the viewer never listened on {port}: {error}")
            }
            Err(_) => thread::sleep(Duration::from_millis(100)),
        }
    };
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("the request is sent");
    let mut answer = String::new();
    stream
        .read_to_string(&mut answer)
        .expect("the answer is read");
    assert!(
        answer.starts_with("HTTP/1.1 200"),
        "{path} was refused:\n{answer}"
    );
}

/// A checkout trace across two services (the payment call fails), a log record in the
/// failing span, and a gauge with two points.
fn send_telemetry(port: u16) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_nanos() as u64;
    let ms = 1_000_000;
    let span = |id: &str, parent: &str, name: &str, kind: u8, from: u64, to: u64, status: u8| {
        format!(
            r#"{{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"{id}","parentSpanId":"{parent}","name":"{name}","kind":{kind},"startTimeUnixNano":"{}","endTimeUnixNano":"{}","attributes":[{{"key":"peer","value":{{"stringValue":"{name}"}}}}],"status":{{"code":{status}}}}}"#,
            now + from * ms,
            now + to * ms
        )
    };
    let resource_spans = |service: &str, spans: &[String]| {
        format!(
            r#"{{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"{service}"}}}}]}},"scopeSpans":[{{"scope":{{"name":"e2e"}},"spans":[{}]}}]}}"#,
            spans.join(",")
        )
    };
    let traces = format!(
        r#"{{"resourceSpans":[{},{}]}}"#,
        resource_spans(
            "frontend",
            &[
                span("1111111111111111", "", "GET /checkout", 2, 0, 300, 0),
                span(
                    "2222222222222222",
                    "1111111111111111",
                    "POST payment",
                    3,
                    10,
                    210,
                    0
                ),
            ]
        ),
        resource_spans(
            "payment",
            &[span(
                "3333333333333333",
                "2222222222222222",
                "POST /pay",
                2,
                20,
                200,
                2
            )]
        ),
    );
    post(port, "/v1/traces", &traces);
    let logs = format!(
        r#"{{"resourceLogs":[{{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"payment"}}}}]}},"scopeLogs":[{{"logRecords":[{{"timeUnixNano":"{}","severityNumber":17,"body":{{"stringValue":"card declined for order 7"}},"traceId":"5b8efff798038103d269b633813fc60c","spanId":"3333333333333333"}}]}}]}}]}}"#,
        now + 150 * ms
    );
    post(port, "/v1/logs", &logs);
    let gauge = |value: u32, at: u64| {
        format!(
            r#"{{"timeUnixNano":"{}","asInt":"{value}"}}"#,
            now + at * ms
        )
    };
    let metrics = format!(
        r#"{{"resourceMetrics":[{{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"frontend"}}}}]}},"scopeMetrics":[{{"metrics":[{{"name":"queue.depth","unit":"{{job}}","gauge":{{"dataPoints":[{},{}]}}}}]}}]}}]}}"#,
        gauge(3, 0),
        gauge(8, 1000)
    );
    post(port, "/v1/metrics", &metrics);
}

fn viewer_command(grpc: u16, http: u16) -> String {
    let binary = env!("CARGO_BIN_EXE_autotel");
    assert!(Path::new(binary).exists());
    format!("{binary} view --grpc-port {grpc} --http-port {http}; echo exit=$?")
}

#[test]
fn the_viewer_shows_received_telemetry_and_restores_the_terminal_on_q() {
    let (grpc, http) = (free_port(), free_port());
    let pane = Pane::start("keys");
    pane.type_line(&viewer_command(grpc, http));
    pane.wait_for(&[
        &format!("gRPC 127.0.0.1:{grpc}  HTTP 127.0.0.1:{http}"),
        "No traces yet",
    ]);
    assert_eq!(
        pane.format("#{alternate_on}"),
        "1",
        "the UI uses the alternate screen"
    );
    send_telemetry(http);

    let screen = pane.wait_for(&["Traces 1", "Logs 1", "Metrics 1", "Services 2", "3 spans"]);
    assert!(screen.contains("frontend,payment"), "{screen}");
    assert!(
        screen.contains("! GET /checkout"),
        "the failed trace is marked:\n{screen}"
    );

    // Open the trace: the waterfall, the details of the root span.
    pane.keys(&["Enter"]);
    let screen = pane.wait_for(&["trace 5b8efff798038103d269b633813fc60c · 3 spans · 300ms"]);
    for text in [
        "▾ GET /checkout",
        "  ▾ POST payment",
        "      ! POST /pay",
        "GET /checkout  server  300ms",
        "peer = GET /checkout",
        "service.name = frontend",
    ] {
        assert!(screen.contains(text), "no {text:?} in\n{screen}");
    }
    // Down to the failing span: its status and its log record.
    pane.keys(&["Down", "Down"]);
    pane.wait_for(&[
        "POST /pay  server  180ms  error",
        "ERROR card declined for order 7",
    ]);
    // Hide the details: the span pane goes.
    pane.keys(&["d"]);
    let screen = pane.wait_for(&["▾ GET /checkout"]);
    assert!(
        !screen.contains("┌ span"),
        "the details are hidden:\n{screen}"
    );

    // Back, then the other views.
    pane.keys(&["Escape", "2"]);
    pane.wait_for(&["SEVERITY", "ERROR    payment", "card declined for order 7"]);
    pane.keys(&["Enter"]);
    pane.wait_for(&[
        "trace 5b8efff798038103d269b633813fc60c",
        "POST /pay  server  180ms  error",
    ]);
    pane.keys(&["Escape", "3"]);
    pane.wait_for(&["queue.depth", "gauge", "┌ queue.depth ({job}) · 2 points"]);
    pane.keys(&["4"]);
    pane.wait_for(&[
        "frontend  2 spans · 0 errors",
        "└─▶ payment  1 call · 100% errors · avg 180ms",
    ]);
    pane.keys(&["?"]);
    pane.wait_for(&["┌ keys", "this help (any key closes it)"]);
    pane.keys(&["Escape"]);
    let screen = pane.wait_for(&["service map: who calls whom"]);
    assert!(!screen.contains("┌ keys"), "the help is closed:\n{screen}");

    // A resize is redrawn to the new size.
    pane.tmux(&["resize-window", "-t", "view", "-x", "90", "-y", "30"]);
    pane.wait_for(&["service map: who calls whom"]);

    pane.keys(&["q"]);
    pane.assert_restored(0);
}

#[test]
fn sigterm_stops_the_viewer_and_restores_the_terminal() {
    let (grpc, http) = (free_port(), free_port());
    let pane = Pane::start("term");
    pane.type_line(&viewer_command(grpc, http));
    pane.wait_for(&["No traces yet"]);
    let pid = pane.child_pid();
    let killed = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    pane.assert_restored(0);
}
