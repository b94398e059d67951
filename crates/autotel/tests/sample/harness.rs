use crate::support::*;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Finds a server program in PATH or in the sbin directories (Debian puts mariadbd in
/// /usr/sbin), or fails loudly: these tests never skip.
fn program(name: &str, package: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin".into(), "/usr/local/sbin".into()])
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("`{name}` is not installed: these tests need Debian's {package} package (apt-get install {package})"))
}

fn wait_for_port(port: u16, child: &mut Child, what: &str, log: &Path) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("{what} exited ({status}) before listening:\n{}", std::fs::read_to_string(log).unwrap_or_default());
        }
        assert!(Instant::now() < deadline, "{what} did not listen on 127.0.0.1:{port}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A MariaDB server (Debian's `mariadbd`) with its own data directory, socket and loopback port,
/// user root without password, and an empty database `sample`. Killed when dropped.
pub struct MariaDb {
    child: Child,
    pub port: u16,
    _dir: tempfile::TempDir,
}

impl MariaDb {
    pub fn start() -> MariaDb {
        let install = program("mariadb-install-db", "mariadb-server");
        let server = program("mariadbd", "mariadb-server");
        let client = program("mariadb", "mariadb-client");
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        // Its own temporary directory too: concurrent servers sharing /tmp collide on the names
        // of their temporary tables.
        let tmp = dir.path().join("tmp");
        std::fs::create_dir(&tmp).unwrap();
        let out = Command::new(&install)
            .args(["--no-defaults", "--user=root", "--auth-root-authentication-method=normal", "--skip-test-db"])
            .arg(format!("--datadir={}", data.display()))
            .arg(format!("--tmpdir={}", tmp.display()))
            .output()
            .unwrap();
        assert!(out.status.success(), "mariadb-install-db failed:\n{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        let port = free_port();
        let socket = dir.path().join("mysqld.sock");
        let log = dir.path().join("error.log");
        let mut child = Command::new(&server)
            .args(["--no-defaults", "--user=root", "--bind-address=127.0.0.1", "--skip-name-resolve", "--innodb-buffer-pool-size=16M"])
            .arg(format!("--datadir={}", data.display()))
            .arg(format!("--tmpdir={}", tmp.display()))
            .arg(format!("--socket={}", socket.display()))
            .arg(format!("--port={port}"))
            .arg(format!("--pid-file={}", dir.path().join("mysqld.pid").display()))
            .arg(format!("--log-error={}", log.display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        wait_for_port(port, &mut child, "mariadbd", &log);
        let out = Command::new(&client)
            .args(["--no-defaults", "-uroot"])
            .arg(format!("--socket={}", socket.display()))
            .args(["-e", "CREATE DATABASE sample"])
            .output()
            .unwrap();
        assert!(out.status.success(), "create the test database:\n{}", String::from_utf8_lossy(&out.stderr));
        MariaDb { child, port, _dir: dir }
    }

    /// `DB_DSN` for the sample.
    pub fn dsn(&self) -> String {
        format!("mysql://root@tcp(127.0.0.1:{})/sample", self.port)
    }
}

impl Drop for MariaDb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A Redis server (Debian's `redis-server`) on a loopback port, without persistence. Killed when
/// dropped.
pub struct Redis {
    child: Child,
    pub port: u16,
    _dir: tempfile::TempDir,
}

impl Redis {
    pub fn start() -> Redis {
        let server = program("redis-server", "redis-server");
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let log = dir.path().join("redis.log");
        let mut child = Command::new(server)
            .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no"])
            .args(["--port", &port.to_string()])
            .arg("--dir")
            .arg(dir.path())
            .arg("--logfile")
            .arg(&log)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        wait_for_port(port, &mut child, "redis-server", &log);
        Redis { child, port, _dir: dir }
    }

    /// `REDIS_ADDR` for the sample.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The sample, copied once per test run under cargo's target tmp directory, with A and B built by
/// `autotel go build` (bin/a, bin/b), by plain `go build` (bin/plain-a, bin/plain-b) and by plain
/// `go build -ldflags=-s -w` (bin/stripped-a, bin/stripped-b).
pub struct Built {
    pub dir: PathBuf,
}

impl Built {
    pub fn binary(&self, name: &str) -> PathBuf {
        self.dir.join("bin").join(name)
    }
}

pub fn built() -> &'static Built {
    static BUILT: OnceLock<Built> = OnceLock::new();
    BUILT.get_or_init(|| build_sample("sample", None))
}

/// The newest Go release autotel is tested with (scripts/go-matrix runs the rest).
pub const NEWEST_GO: &str = "go1.27.4";

/// The release the `*_with_another_go` tests build with: the one `AUTOTEL_SAMPLE_GO` names
/// (`scripts/go-matrix --ci` sets it, one release at a time), else [`NEWEST_GO`].
pub fn another_go() -> String {
    match std::env::var("AUTOTEL_SAMPLE_GO") {
        Ok(release) if !release.trim().is_empty() => release.trim().to_string(),
        _ => NEWEST_GO.to_string(),
    }
}

/// The sample's A and B built by `autotel go build` with [`another_go`] (through GOTOOLCHAIN),
/// as bin/a and bin/b of their own copy.
pub fn built_with_another_go() -> &'static Built {
    static BUILT: OnceLock<Built> = OnceLock::new();
    BUILT.get_or_init(|| {
        let release = another_go();
        build_sample(&format!("sample-{release}"), Some(&release))
    })
}

/// Copies the sample to `name` under cargo's target tmp directory and builds it; with a
/// `toolchain`, only the instrumented programs, with that Go.
fn build_sample(name: &str, toolchain: Option<&str>) -> Built {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    let app = App::copy("sample");
    copy_tree(app.path(), &dir);
    use_dependencies_of(&dir, toolchain);
    for service in ["a", "b"] {
        let package = format!("./cmd/{service}");
        let mut builds = vec![(service.to_string(), with_args(autotel(), &["go", "build"]))];
        if toolchain.is_none() {
            builds.push((format!("plain-{service}"), with_args(Command::new("go"), &["build"])));
            builds.push((format!("stripped-{service}"), with_args(Command::new("go"), &["build", "-ldflags=-s -w"])));
        }
        for (name, mut command) in builds {
            if let Some(t) = toolchain {
                command.env("GOTOOLCHAIN", t);
            }
            let output = command.args(["-o", &format!("bin/{name}"), &package]).current_dir(&dir).output().unwrap();
            assert!(output.status.success(), "build of {name} ({toolchain:?}) failed:\n{}", String::from_utf8_lossy(&output.stderr));
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(!stderr.contains("warning"), "build of {name} ({toolchain:?}) skipped instrumentation:\n{stderr}");
        }
    }
    Built { dir }
}

/// Gives the copy of the sample at `dir` the dependencies a user of the Go release it is built
/// with has (`toolchain`, else GOTOOLCHAIN): for a release older than the sample's go line,
/// `older-go/go1.X.mod` and `.sum` (scripts/sample-go-mods) replace go.mod and go.sum.
pub fn use_dependencies_of(dir: &Path, toolchain: Option<&str>) {
    let release = toolchain.map(str::to_string).or_else(|| std::env::var("GOTOOLCHAIN").ok()).unwrap_or_default();
    let Some(minor) = release.strip_prefix("go1.").and_then(|rest| rest.split(['.', '+', 'r']).next()) else { return };
    let older = dir.join("older-go");
    let (modfile, sumfile) = (older.join(format!("go1.{minor}.mod")), older.join(format!("go1.{minor}.sum")));
    if modfile.exists() {
        std::fs::copy(&modfile, dir.join("go.mod")).unwrap();
        std::fs::copy(&sumfile, dir.join("go.sum")).unwrap();
    }
}

fn with_args(mut command: Command, args: &[&str]) -> Command {
    command.args(args);
    command
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// What one test runs: servers, the receiver, and the two services.
pub struct Deployment {
    pub receiver: BackgroundReceiver,
    pub a: Service,
    pub b: Service,
    pub redis: Redis,
    pub mariadb: MariaDb,
}

/// Which binaries to run: the instrumented ones, the plain ones, or the instrumented ones built
/// with [`another_go`].
#[derive(Clone, Copy, PartialEq)]
pub enum Build {
    Instrumented,
    Plain,
    AnotherGo,
}

/// Starts MariaDB, Redis, B and then A (which calls B), with `framework` as SAMPLE_FRAMEWORK.
pub fn deploy(framework: &str, build: Build) -> Deployment {
    let (built, prefix) = match build {
        Build::Instrumented => (built(), ""),
        Build::Plain => (built(), "plain-"),
        Build::AnotherGo => (built_with_another_go(), ""),
    };
    deploy_programs(framework, &built.binary(&format!("{prefix}a")), &built.binary(&format!("{prefix}b")))
}

/// [`deploy`] with the programs of A and B named.
pub fn deploy_programs(framework: &str, a: &Path, b: &Path) -> Deployment {
    let mariadb = MariaDb::start();
    let redis = Redis::start();
    let receiver = receiver();
    let command = |service: &str| {
        let mut c = Command::new(if service == "a" { a } else { b });
        otel_env(&mut c, &receiver, &format!("service-{service}"));
        c.env("DB_DSN", mariadb.dsn()).env("REDIS_ADDR", redis.addr()).env("SAMPLE_FRAMEWORK", framework);
        c
    };
    let b = Service::start(command("b"));
    let mut a = command("a");
    a.env("B_URL", format!("http://{}", b.addr));
    let a = Service::start(a);
    Deployment { receiver, a, b, redis, mariadb }
}
