//! Shared helpers of attach's integration tests: building the Go test programs, asking the
//! Go toolchain for the ground truth, and receiving spans with the project's own OTLP
//! receiver (`crates/otlp`).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn app_dir(name: &str) -> PathBuf {
    repo_root().join("testdata/apps").join(name)
}

/// The `go` command; a test that needs it fails with a clear message when it is missing.
pub fn go() -> Command {
    let ok = Command::new("go").arg("version").output().is_ok_and(|o| o.status.success());
    assert!(ok, "these tests need the Go toolchain (`go` on PATH)");
    Command::new("go")
}

fn out_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("attach-tests-{}", std::process::id()));
        std::fs::create_dir_all(&d).expect("create test output dir");
        d
    })
}

/// Builds `testdata/apps/<app>` with extra `go build` flags and environment; returns the binary.
pub fn build(app: &str, variant: &str, flags: &[&str], env: &[(&str, &str)]) -> PathBuf {
    // Tests run in parallel and share builds: one go build at a time.
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let exe = out_dir().join(format!("{app}-{variant}"));
    if exe.exists() {
        return exe;
    }
    let mut cmd = go();
    cmd.arg("build").arg("-o").arg(&exe).args(flags).arg(".").current_dir(app_dir(app));
    cmd.env("GOFLAGS", "-mod=mod");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run go build");
    assert!(
        out.status.success(),
        "go build of {app} ({variant}) failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    exe
}

/// `go tool nm` text symbols: name → addresses (a name can appear more than once).
pub fn nm(exe: &Path) -> std::collections::HashMap<String, Vec<u64>> {
    let out = go().args(["tool", "nm"]).arg(exe).output().expect("go tool nm");
    assert!(out.status.success(), "go tool nm failed: {}", String::from_utf8_lossy(&out.stderr));
    let mut m = std::collections::HashMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() >= 3 && (f[1] == "T" || f[1] == "t") {
            if let Ok(addr) = u64::from_str_radix(f[0], 16) {
                m.entry(f[2..].join(" ")).or_insert_with(Vec::new).push(addr);
            }
        }
    }
    m
}

/// One instruction of `go tool objdump`: address, hex bytes, assembly text.
pub struct Insn {
    pub addr: u64,
    pub hex: String,
    pub asm: String,
}

pub fn objdump(exe: &Path, func: &str) -> Vec<Insn> {
    let pat = format!("^{}$", regex_escape(func));
    let out = go().args(["tool", "objdump", "-s", &pat]).arg(exe).output().expect("go tool objdump");
    assert!(out.status.success(), "go tool objdump failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').map(str::trim).filter(|s| !s.is_empty()).collect();
            if f.len() < 4 {
                return None;
            }
            let addr = u64::from_str_radix(f[1].trim_start_matches("0x"), 16).ok()?;
            Some(Insn {
                addr,
                hex: f[2].to_owned(),
                asm: f[3].to_owned(),
            })
        })
        .collect()
}

fn regex_escape(s: &str) -> String {
    s.chars()
        .map(|c| if "()*.[]+?^$|{}\\".contains(c) { format!("\\{c}") } else { c.to_string() })
        .collect()
}

/// The project's OTLP receiver on ephemeral loopback ports.
pub fn receiver() -> otlp::BackgroundReceiver {
    otlp::BackgroundReceiver::spawn(otlp::ReceiverConfig::ephemeral("127.0.0.1".parse().expect("ip")))
        .expect("start the OTLP receiver")
}

/// `…/v1/traces` of a receiver, for `ExportConfig::to_url`.
pub fn traces_url(rx: &otlp::BackgroundReceiver) -> String {
    format!("{}/v1/traces", rx.http_endpoint())
}

/// Waits until `ready` holds for the received spans and returns them; fails the test with
/// `what` and everything received so far when `timeout` passes first.
pub fn wait_for_spans(
    rx: &otlp::BackgroundReceiver,
    what: &str,
    timeout: std::time::Duration,
    mut ready: impl FnMut(&[std::sync::Arc<otlp::model::Span>]) -> bool,
) -> Vec<std::sync::Arc<otlp::model::Span>> {
    let ok = rx.store().wait_until(timeout, |s| ready(&s.spans()));
    let spans = rx.store().spans();
    assert!(ok, "timed out after {timeout:?} waiting for {what}; received:\n{}", describe(&spans));
    spans
}

/// One line per span, for failure messages.
pub fn describe(spans: &[std::sync::Arc<otlp::model::Span>]) -> String {
    spans
        .iter()
        .map(|s| {
            let attrs: Vec<String> = s.attributes.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
            format!(
                "  {:?} {:?} trace={} span={} parent={} {}",
                s.kind,
                s.name,
                hex(&s.trace_id.0),
                hex(&s.span_id.0),
                s.parent_span_id.map(|p| hex(&p.0)).unwrap_or_default(),
                attrs.join(" ")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Typed attribute access on received spans.
pub trait SpanExt {
    fn attr_str(&self, key: &str) -> Option<&str>;
    fn attr_int(&self, key: &str) -> Option<i64>;
    fn resource_str(&self, key: &str) -> Option<&str>;
    fn attr_keys(&self) -> std::collections::BTreeSet<String>;
}

impl SpanExt for otlp::model::Span {
    fn attr_str(&self, key: &str) -> Option<&str> {
        self.attributes.get(key)?.as_str()
    }
    fn attr_int(&self, key: &str) -> Option<i64> {
        match self.attributes.get(key)? {
            otlp::model::Value::Int(i) => Some(*i),
            _ => None,
        }
    }
    fn resource_str(&self, key: &str) -> Option<&str> {
        self.resource.attributes.get(key)?.as_str()
    }
    fn attr_keys(&self) -> std::collections::BTreeSet<String> {
        self.attributes.iter().map(|(k, _)| k.to_owned()).collect()
    }
}

#[allow(clippy::assertions_on_constants)]
pub fn require_root_and_bpf() {
    assert!(
        attach::BPF_BUILT,
        "this test needs the BPF programs, but autotel-attach was built without clang: install clang and rebuild"
    );
    // SAFETY: geteuid has no preconditions.
    assert_eq!(unsafe { libc::geteuid() }, 0, "this test attaches uprobes and must run as root");
}

/// A test program started with `-addrfile PATH` (plus `args`), which writes the address it
/// serves on (or anything it wants the test to know) to PATH once it is ready.
pub struct App {
    pub child: std::process::Child,
    /// What the program wrote to its address file.
    pub addr: String,
}

impl App {
    pub fn start(exe: &Path, args: &[&str], env: &[(&str, &str)]) -> App {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let file = out_dir().join(format!("addr-{n}"));
        let _ = std::fs::remove_file(&file);
        let mut cmd = Command::new(exe);
        cmd.args(args)
            .arg("-addrfile")
            .arg(&file)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start the test app");
        let start = std::time::Instant::now();
        let addr = loop {
            if let Ok(a) = std::fs::read_to_string(&file) {
                if !a.is_empty() {
                    break a.trim().to_owned();
                }
            }
            if let Ok(Some(status)) = child.try_wait() {
                let out = child.wait_with_output().expect("output");
                panic!(
                    "{} exited with {status} before it was ready:\n{}",
                    exe.display(),
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            assert!(start.elapsed() < std::time::Duration::from_secs(30), "the test app did not write its address");
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        App { child, addr }
    }

    /// SIGTERM, then the exit status, stdout and stderr.
    pub fn stop(self) -> (std::process::ExitStatus, String, String) {
        // SAFETY: kill on our own child's pid.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        self.wait()
    }

    /// Waits for the program to exit by itself.
    pub fn wait(mut self) -> (std::process::ExitStatus, String, String) {
        use std::io::Read;
        // The programs write little: reading one pipe after the other cannot fill the other.
        let mut out = String::new();
        let mut err = String::new();
        if let Some(mut o) = self.child.stdout.take() {
            let _ = o.read_to_string(&mut out);
        }
        if let Some(mut e) = self.child.stderr.take() {
            let _ = e.read_to_string(&mut err);
        }
        let status = self.child.wait().expect("wait for the app");
        (status, out, err)
    }
}

/// A test that fails halfway does not leave its program running.
impl Drop for App {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `attach::run` on a thread, exporting to a receiver.
pub struct Attached {
    pub stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    pub thread: std::thread::JoinHandle<Result<(), attach::AttachError>>,
}

pub fn attach_to(target: attach::Target, rx: &otlp::BackgroundReceiver) -> Attached {
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut opts = attach::AttachOptions::new(target);
    opts.stop = Some(stop.clone());
    opts.export = Some(attach::export::ExportConfig::to_url(traces_url(rx)));
    let thread = std::thread::spawn(move || attach::run(opts));
    Attached { stop, thread }
}

impl Attached {
    pub fn finish(self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        let r = self.thread.join().expect("attach thread panicked");
        if let Err(e) = r {
            panic!("attach failed: {e}: {:?}", std::error::Error::source(&e));
        }
    }

    pub fn assert_running(&self) {
        assert!(!self.thread.is_finished(), "attach stopped early (see its error above)");
    }
}

/// GET `url`, with `traceparent` as that header if given: the response's status code.
pub fn get(url: &str, traceparent: Option<&str>) -> u16 {
    let mut req = ureq::get(url).timeout(std::time::Duration::from_secs(10));
    if let Some(tp) = traceparent {
        req = req.set("traceparent", tp);
    }
    match req.call() {
        Ok(r) => r.status(),
        Err(ureq::Error::Status(code, _)) => code,
        Err(e) => panic!("GET {url}: {e}"),
    }
}

/// A free TCP port on 127.0.0.1 (bound, then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A child process killed (SIGKILL) and reaped when dropped: the real servers tests start.
pub struct Server {
    pub child: std::process::Child,
    pub addr: String,
    pub dir: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits until `addr` accepts TCP connections, failing loudly after `timeout`.
pub fn wait_for_port(addr: &str, timeout: std::time::Duration, what: &str) {
    let start = std::time::Instant::now();
    while std::net::TcpStream::connect(addr).is_err() {
        assert!(start.elapsed() < timeout, "{what} did not listen on {addr} within {timeout:?}");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// A real redis-server (Debian package `redis-server`) on a free loopback port, no persistence.
pub fn redis_server() -> Server {
    let ok = Command::new("redis-server").arg("--version").output().is_ok_and(|o| o.status.success());
    assert!(ok, "this test needs redis-server on PATH (Debian package `redis-server`, listed in .ci/packages.txt)");
    let port = free_port();
    let dir = out_dir().join(format!("redis-{port}"));
    std::fs::create_dir_all(&dir).expect("redis dir");
    let child = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        .arg("--dir")
        .arg(&dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start redis-server");
    let addr = format!("127.0.0.1:{port}");
    let server = Server { child, addr, dir };
    wait_for_port(&server.addr, std::time::Duration::from_secs(10), "redis-server");
    server
}

/// A real Apache Kafka broker (KRaft, one node) on a free loopback port: the starter shared with
/// the peer-suite harness and the build-mode tests (`peersuite::servers::kafka`), its jars
/// cached under the test target directory. `values["kafka.addr"]` is its address.
pub fn kafka_broker() -> peersuite::servers::Server {
    let dir = out_dir().join(format!("kafka-{}", free_port()));
    peersuite::servers::kafka(None, &dir, Path::new(env!("CARGO_TARGET_TMPDIR"))).unwrap_or_else(|e| panic!("the Kafka broker: {e}"))
}

/// A real MariaDB server (Debian package `mariadb-server`) on a free loopback port: a fresh data
/// directory, user root without password, and an empty database `test`.
pub struct MariaDb {
    pub server: Server,
}

impl MariaDb {
    /// The go-sql-driver/mysql DSN of database `db`.
    pub fn dsn(&self, db: &str) -> String {
        format!("root@tcp({})/{db}", self.server.addr)
    }
}

/// Stops the server and removes its data directory (about 100 MB).
impl Drop for MariaDb {
    fn drop(&mut self) {
        let _ = self.server.child.kill();
        let _ = self.server.child.wait();
        let _ = std::fs::remove_dir_all(&self.server.dir);
    }
}

pub fn mariadb_server() -> MariaDb {
    let program = |name: &str| {
        ["/usr/sbin", "/usr/bin", "/usr/local/bin"]
            .iter()
            .map(|d| Path::new(d).join(name))
            .find(|p| p.is_file())
            .unwrap_or_else(|| panic!("this test needs `{name}` (Debian package `mariadb-server`, listed in .ci/packages.txt)"))
    };
    let port = free_port();
    let dir = out_dir().join(format!("mariadb-{port}"));
    let _ = std::fs::remove_dir_all(&dir);
    let (data, tmp) = (dir.join("data"), dir.join("tmp"));
    std::fs::create_dir_all(&tmp).expect("mariadb dir");
    let out = Command::new(program("mariadb-install-db"))
        .args(["--no-defaults", "--user=root", "--auth-root-authentication-method=normal", "--skip-test-db"])
        .arg(format!("--datadir={}", data.display()))
        .arg(format!("--tmpdir={}", tmp.display()))
        .output()
        .expect("run mariadb-install-db");
    assert!(out.status.success(), "mariadb-install-db failed:\n{}", String::from_utf8_lossy(&out.stderr));
    let socket = dir.join("mysqld.sock");
    let child = Command::new(program("mariadbd"))
        .args(["--no-defaults", "--user=root", "--bind-address=127.0.0.1", "--skip-name-resolve", "--innodb-buffer-pool-size=16M"])
        .arg(format!("--datadir={}", data.display()))
        .arg(format!("--tmpdir={}", tmp.display()))
        .arg(format!("--socket={}", socket.display()))
        .arg(format!("--port={port}"))
        .arg(format!("--pid-file={}", dir.join("mysqld.pid").display()))
        .arg(format!("--log-error={}", dir.join("error.log").display()))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start mariadbd");
    let server = Server { child, addr: format!("127.0.0.1:{port}"), dir: dir.clone() };
    wait_for_port(&server.addr, std::time::Duration::from_secs(60), "mariadbd");
    let out = Command::new(program("mariadb"))
        .args(["--no-defaults", "-uroot"])
        .arg(format!("--socket={}", socket.display()))
        .args(["-e", "CREATE DATABASE test"])
        .output()
        .expect("run mariadb");
    assert!(out.status.success(), "creating the test database:\n{}", String::from_utf8_lossy(&out.stderr));
    MariaDb { server }
}

/// One way of linking a program: the layouts every analysis and the crash check cover.
pub struct Layout {
    pub name: &'static str,
    pub flags: &'static [&'static str],
}

/// Internal and external linking, as an executable and as a position-independent one. Each
/// is also built `-s -w` stripped ([`Layout::flags`]).
pub const LAYOUTS: &[Layout] = &[
    Layout { name: "internal", flags: &["-ldflags=-linkmode=internal"] },
    Layout { name: "external", flags: &["-ldflags=-linkmode=external"] },
    Layout { name: "pie-internal", flags: &["-buildmode=pie", "-ldflags=-linkmode=internal"] },
    Layout { name: "pie-external", flags: &["-buildmode=pie", "-ldflags=-linkmode=external"] },
];

impl Layout {
    /// The layout's `go build` flags, with `-s -w` added to its `-ldflags` when `stripped`.
    pub fn flags(&self, stripped: bool) -> Vec<String> {
        let mut flags: Vec<String> = self.flags.iter().map(|s| s.to_string()).collect();
        if stripped {
            let ld = flags.iter_mut().find(|f| f.starts_with("-ldflags=")).expect("every layout sets -ldflags");
            ld.push_str(" -s -w");
        }
        flags
    }

    /// `internal`, `internal-stripped`, …
    pub fn variant(&self, stripped: bool) -> String {
        format!("{}{}", self.name, if stripped { "-stripped" } else { "" })
    }
}

/// The `autotel` binary of this workspace, built with cargo if needed.
pub fn autotel() -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["build", "-q", "-p", "autotel"])
        .current_dir(repo_root())
        .output()
        .expect("run cargo build -p autotel");
    assert!(out.status.success(), "cargo build -p autotel failed:\n{}", String::from_utf8_lossy(&out.stderr));
    // target/debug/deps/<this test> → target/debug/autotel
    let exe = std::env::current_exe().expect("test exe");
    let bin = exe.parent().and_then(|d| d.parent()).expect("target dir").join("autotel");
    assert!(bin.exists(), "{} missing after cargo build -p autotel", bin.display());
    bin
}

/// Builds `testdata/apps/<app>` with `autotel go build` (build mode); returns the binary.
pub fn build_instrumented(app: &str) -> PathBuf {
    let exe = out_dir().join(format!("{app}-autotel"));
    let r = Command::new(autotel())
        .args(["go", "build", "-o"])
        .arg(&exe)
        .arg(".")
        .current_dir(app_dir(app))
        .output()
        .expect("run autotel go build");
    assert!(r.status.success(), "autotel go build failed:\n{}", String::from_utf8_lossy(&r.stderr));
    exe
}
