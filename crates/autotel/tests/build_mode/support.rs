//! Helpers for the build-mode end-to-end tests: copies of the test applications, the autotel
//! binary, the real go command, an in-process OTLP receiver (the same code as `autotel view`),
//! services started on free loopback ports, and a minimal HTTP client.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub use otlp::{BackgroundReceiver, ReceiverConfig};

/// The newest OpenTelemetry Go release (the otel module and the SDK's), which testdata/apps/otel-newest pins.
pub const NEWEST_OTEL_GO: &str = "v1.47.0";

/// The autotel binary. The first call in a test process first builds testdata/apps/nethttp-pair
/// with it: the tests run two at a time, and two cold builds side by side compile the standard
/// library, the hook runtime and the SDK twice (Go's build cache does not share a compile in
/// progress; bench/ci-time.md), where after this build every test finds them in the cache.
pub fn autotel() -> Command {
    static WARM: std::sync::Once = std::sync::Once::new();
    WARM.call_once(warm_the_go_build_cache);
    Command::new(env!("CARGO_BIN_EXE_autotel"))
}

/// One instrumented build of the programs most tests build. Its outcome is not checked here:
/// a build that fails fails again, with its message, in the tests that need it.
fn warm_the_go_build_cache() {
    let app = App::copy("nethttp-pair");
    let _ = Command::new(env!("CARGO_BIN_EXE_autotel")).args(["go", "build", "./..."]).current_dir(app.path()).output();
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// A private copy of `testdata/apps/<name>` (tests may break it, and must see it unchanged).
pub struct App {
    pub dir: tempfile::TempDir,
}

impl App {
    pub fn copy(name: &str) -> App {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&repo_root().join("testdata/apps").join(name), dir.path());
        App { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Every file under the app with its contents: to prove a build wrote nothing.
    pub fn snapshot(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        let mut files = BTreeMap::new();
        walk(self.path(), &mut |p| {
            files.insert(p.strip_prefix(self.path()).unwrap().to_path_buf(), std::fs::read(p).unwrap());
        });
        files
    }

    /// Runs `autotel go ARGS` in the app; panics with its output when it fails.
    pub fn autotel_go(&self, args: &[&str]) -> Output {
        let output = self.autotel_go_unchecked(args);
        assert!(output.status.success(), "autotel go {args:?} failed:\n{}", String::from_utf8_lossy(&output.stderr));
        output
    }

    pub fn autotel_go_unchecked(&self, args: &[&str]) -> Output {
        autotel().arg("go").args(args).current_dir(self.path()).output().unwrap()
    }

    pub fn go(&self, args: &[&str]) -> Output {
        Command::new("go").args(args).current_dir(self.path()).output().unwrap()
    }

    pub fn binary(&self, name: &str) -> PathBuf {
        self.path().join("bin").join(name)
    }
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn walk(dir: &Path, f: &mut dyn FnMut(&Path)) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(&path, f);
        } else {
            f(&path);
        }
    }
}

pub fn receiver() -> BackgroundReceiver {
    BackgroundReceiver::spawn(ReceiverConfig::ephemeral("127.0.0.1".parse().unwrap())).expect("start the OTLP receiver")
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A service under test; killed with the processes it started when dropped ([`Service::stop`]
/// sends SIGTERM).
pub struct Service {
    pub child: Child,
    pub addr: SocketAddr,
}

impl Service {
    /// Starts `command` with LISTEN set to a free loopback port and waits until the child (or a
    /// process it started: `autotel go run` runs the program it builds) listens there.
    ///
    /// Listening is read from /proc, not probed with connects: a port handed out by
    /// [`free_port`] can be taken by another test's server while a cold `go run` compiles, and
    /// a connect to it would then reach that server and the request would go to it. A port
    /// taken meanwhile (a foreign listener, or the child's "address already in use") starts the
    /// command again on a new port. A command that compiles first may take minutes with a cold
    /// build cache on a busy machine: the deadline only catches a service that never listens
    /// (one that exits fails at once).
    pub fn start(mut command: Command) -> Service {
        let deadline = Instant::now() + Duration::from_secs(600);
        for _attempt in 0..5 {
            let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
            let child = command.env("LISTEN", addr.to_string()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
            let mut service = Service { child, addr };
            loop {
                match listener::owner(addr) {
                    Some(pid) if listener::in_tree(pid, service.child.id()) => return service,
                    Some(_) => break, // another process took the port: start again on another
                    None => {}
                }
                if let Some(status) = service.child.try_wait().unwrap() {
                    let mut err = String::new();
                    service.child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
                    if err.contains("address already in use") {
                        break;
                    }
                    panic!("service exited before listening ({status}):\n{err}");
                }
                assert!(Instant::now() < deadline, "service did not listen on {addr}");
                std::thread::sleep(Duration::from_millis(50));
            }
            drop(service); // kills what is left of this attempt
        }
        panic!("five free ports in a row were taken by other processes before the service listened")
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Sends SIGTERM and waits; returns the exit status and everything it printed.
    pub fn stop(mut self) -> (std::process::ExitStatus, String, String) {
        // SAFETY: plain kill(2) on our own child.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let status = self.child.wait().unwrap();
        let (mut out, mut err) = (String::new(), String::new());
        self.child.stdout.take().unwrap().read_to_string(&mut out).unwrap();
        self.child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
        std::mem::forget(self);
        (status, out, err)
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        // Only a child not yet reaped: a reaped child's pid may belong to another process now
        // (an unreaped one stays a zombie, so its pid is still its own).
        if matches!(self.child.try_wait(), Ok(None)) {
            listener::kill_tree(self.child.id());
        }
        let _ = self.child.wait();
    }
}

/// Who listens on a loopback TCP address, from /proc (Linux): the tests must know that the
/// server answering is the one they started.
mod listener {
    use std::net::SocketAddr;

    /// The process holding the listening socket bound to `addr`, if one is listening.
    pub fn owner(addr: SocketAddr) -> Option<u32> {
        let inode = listening_inode(addr)?;
        let target = format!("socket:[{inode}]");
        processes().into_iter().find(|&pid| {
            std::fs::read_dir(format!("/proc/{pid}/fd"))
                .into_iter()
                .flatten()
                .flatten()
                .any(|fd| std::fs::read_link(fd.path()).is_ok_and(|link| link.as_os_str() == target.as_str()))
        })
    }

    /// Whether `pid` is `root` or one of its descendants.
    pub fn in_tree(mut pid: u32, root: u32) -> bool {
        while pid > 1 {
            if pid == root {
                return true;
            }
            match parent(pid) {
                Some(ppid) => pid = ppid,
                None => return false,
            }
        }
        false
    }

    /// SIGKILLs `root` and its descendants, all found before the first kill (a killed parent's
    /// children would be reparented out of the tree). `root` is reaped by its `Child`.
    pub fn kill_tree(root: u32) {
        let tree: Vec<u32> = processes().into_iter().filter(|&pid| in_tree(pid, root)).collect();
        for pid in tree {
            // SAFETY: plain kill(2) on a process the test started.
            unsafe { libc::kill(pid as i32, libc::SIGKILL) };
        }
    }

    /// The inode of the socket in state LISTEN that accepts connections to `addr` (IPv4): bound
    /// to it or to the wildcard address, on /proc/net/tcp or /proc/net/tcp6 (a dual-stack
    /// listener on `[::]`, or one bound to `addr` as an IPv4-mapped address).
    fn listening_inode(addr: SocketAddr) -> Option<String> {
        let SocketAddr::V4(v4) = addr else { return None };
        let ip = u32::from_ne_bytes(v4.ip().octets());
        let port = format!("{:04X}", v4.port());
        // /proc prints each 32-bit word of the address as the host-order integer it holds.
        let v4_locals = [format!("{ip:08X}"), "00000000".to_string()];
        let v6_locals = [format!("0000000000000000FFFF0000{ip:08X}"), "0".repeat(32)];
        let inode = [("/proc/net/tcp", &v4_locals), ("/proc/net/tcp6", &v6_locals)].into_iter().find_map(|(table, locals)| {
            let text = std::fs::read_to_string(table).ok()?;
            text.lines().skip(1).find_map(|line| {
                let fields: Vec<&str> = line.split_whitespace().collect();
                let (local_ip, local_port) = fields.get(1)?.split_once(':')?;
                let listening = fields.get(3) == Some(&"0A") && local_port == port && locals.iter().any(|l| l == local_ip);
                listening.then(|| fields.get(9).map(|s| s.to_string()))?
            })
        });
        inode
    }

    fn processes() -> Vec<u32> {
        std::fs::read_dir("/proc").into_iter().flatten().flatten().filter_map(|e| e.file_name().to_str()?.parse().ok()).collect()
    }

    fn parent(pid: u32) -> Option<u32> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // pid (comm) state ppid …: comm may hold spaces and parentheses, so split after the last ')'.
        stat[stat.rfind(')')? + 1..].split_whitespace().nth(1)?.parse().ok()
    }
}

/// A minimal HTTP/1.1 GET (Connection: close): status code and body.
pub fn http_get(url: &str, headers: &[(&str, &str)]) -> (u16, String) {
    let rest = url.strip_prefix("http://").expect("http URL");
    let (host, path) = rest.split_once('/').map_or((rest, "/".to_string()), |(h, p)| (h, format!("/{p}")));
    let mut stream = TcpStream::connect(host).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: autotel-test/1\r\nConnection: close\r\n");
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response.split_whitespace().nth(1).and_then(|s| s.parse().ok()).expect("status line");
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let body = if head.to_ascii_lowercase().contains("transfer-encoding: chunked") { dechunk(body) } else { body.to_string() };
    (status, body)
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.push_str(&rest[..size]);
        body = &rest[size + 2..];
    }
    out
}

/// The environment that points an instrumented program at `receiver`.
pub fn otel_env(command: &mut Command, receiver: &BackgroundReceiver, service: &str) {
    command
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.http_endpoint())
        .env("OTEL_SERVICE_NAME", service)
        .env("OTEL_BSP_SCHEDULE_DELAY", "100")
        .env("OTEL_METRIC_EXPORT_INTERVAL", "500");
}

/// A string or integer attribute of `span` as text (`None` when absent; another type fails).
pub fn attr(span: &otlp::model::Span, key: &str) -> Option<String> {
    use otlp::model::Value;
    match span.attributes.get(key) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Int(i)) => Some(i.to_string()),
        None => None,
        other => panic!("span {:?}: {key} is {other:?}", span.name),
    }
}

/// Asserts that `span` has each attribute of `want`, with that value (as [`attr`] renders it).
pub fn assert_attrs(span: &otlp::model::Span, want: &[(&str, String)]) {
    for (key, value) in want {
        assert_eq!(attr(span, key).as_ref(), Some(value), "{key}: {span:#?}");
    }
}

/// Checks every attribute of `spans` against the semantic-conventions registry: registered, not
/// deprecated, right type. Returns one line per violation.
pub fn semconv_violations(spans: &[std::sync::Arc<otlp::model::Span>]) -> Vec<String> {
    use otlp::model::Value;
    use semconv::Kind;
    let registry = semconv::Registry::beside_repository().expect("the semantic-conventions registry is at ../shared/semconv");
    let kind = |value: &Value| match value {
        Value::String(_) => Some(Kind::String),
        Value::Int(_) => Some(Kind::Int),
        Value::Double(_) => Some(Kind::Double),
        Value::Bool(_) => Some(Kind::Bool),
        Value::Array(items) => match items.first() {
            Some(Value::Int(_)) => Some(Kind::IntArray),
            Some(Value::Double(_)) => Some(Kind::DoubleArray),
            Some(Value::Bool(_)) => Some(Kind::BoolArray),
            _ => Some(Kind::StringArray),
        },
        _ => None,
    };
    let mut violations = Vec::new();
    for span in spans {
        for (key, value) in span.attributes.iter() {
            let result = kind(value).ok_or_else(|| format!("`{key}` has an unsupported value {value:?}")).and_then(|k| registry.check(key, k));
            if let Err(e) = result {
                violations.push(format!("span {:?}: {e}", span.name));
            }
        }
    }
    violations
}

/// The outcome of every test and package in a `go test -json` stream: `(package, test)` (test
/// empty for the package) → `pass`, `fail` or `skip`.
pub fn outcomes(json: &[u8]) -> BTreeMap<(String, String), String> {
    let mut outcomes = BTreeMap::new();
    for line in String::from_utf8_lossy(json).lines().filter(|l| l.starts_with('{')) {
        let event: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        let action = event["Action"].as_str().unwrap_or_default();
        if matches!(action, "pass" | "fail" | "skip") {
            let field = |name: &str| event[name].as_str().unwrap_or_default().to_string();
            outcomes.insert((field("Package"), field("Test")), action.to_string());
        }
    }
    outcomes
}

impl App {
    /// A module written from one literal: `//- path` lines start each file (as rust-analyzer's
    /// fixtures do), so a test shows its whole module in one place.
    pub fn fixture(text: &str) -> App {
        let dir = tempfile::tempdir().unwrap();
        let app = App { dir };
        for file in text.split("//- ").filter(|f| !f.trim().is_empty()) {
            let (path, contents) = file.split_once('\n').expect("a fixture file has a path line");
            app.write(path.trim(), contents);
        }
        app
    }

    /// Writes `contents` to `path` in the app, creating directories.
    pub fn write(&self, path: &str, contents: &str) {
        let path = self.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }

    /// Replaces `from` by `to` in the app's file `path` (which must contain it).
    pub fn edit(&self, path: &str, from: &str, to: &str) {
        let text = std::fs::read_to_string(self.path().join(path)).unwrap();
        assert!(text.contains(from), "{path} has no {from:?}");
        self.write(path, &text.replacen(from, to, 1));
    }
}

/// Whether `binary` defines `symbol` (`go tool nm`).
pub fn defines(binary: &Path, symbol: &str) -> bool {
    let nm = Command::new("go").args(["tool", "nm"]).arg(binary).output().unwrap();
    assert!(nm.status.success(), "go tool nm {}: {}", binary.display(), String::from_utf8_lossy(&nm.stderr));
    String::from_utf8_lossy(&nm.stdout).lines().any(|l| l.split_whitespace().nth(2) == Some(symbol) && l.split_whitespace().nth(1) != Some("U"))
}

/// The `service.name` of the resource `span` came with (a span without one fails).
pub fn service_name(span: &otlp::model::Span) -> &str {
    match span.resource.attributes.get("service.name") {
        Some(otlp::model::Value::String(s)) => s,
        other => panic!("span {:?} has service.name {other:?}", span.name),
    }
}

/// The one span of `spans` that `f` picks (none or several fail, naming `what`).
pub fn only<'a>(
    spans: &'a [std::sync::Arc<otlp::model::Span>],
    what: &str,
    f: impl Fn(&otlp::model::Span) -> bool,
) -> &'a std::sync::Arc<otlp::model::Span> {
    let found: Vec<_> = spans.iter().filter(|s| f(s)).collect();
    assert_eq!(found.len(), 1, "one {what}: {spans:#?}");
    found[0]
}
