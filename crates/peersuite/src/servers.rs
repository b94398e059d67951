//! The real servers some suites and tests need: Debian's `redis-server`, `mariadbd` and
//! PostgreSQL, an Apache Kafka broker (jars from Maven Central), FerretDB (a MongoDB-compatible
//! server), Jaeger v2 and a minimal OpenTelemetry Collector (the last three built from the Go
//! module proxy), started on loopback with their state in a scratch directory, and killed when
//! dropped. A missing program
//! is an error that names the package to install: a suite that needs a server never runs
//! without one.
//!
//! `crates/autotel/tests/sample/harness.rs` starts the same two servers for the end-to-end tests;
//! this module is its twin for a binary (errors instead of panics, fixed ports on request).

use crate::suites::{ServerKind, ServerSpec};
use std::collections::BTreeMap;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("`{program}` is not installed: this suite needs Debian's {package} package (apt-get install {package})")]
    NotInstalled { program: &'static str, package: &'static str },
    #[error("port {port} is taken: the suite needs {server} on it; stop whatever listens there")]
    PortTaken { server: &'static str, port: u16 },
    #[error("{server}: {detail}")]
    Start { server: &'static str, detail: String },
    #[error("{server}: {source}")]
    Io { server: &'static str, source: std::io::Error },
}

/// A started server; killed when dropped.
pub struct Server {
    child: Child,
    /// Placeholder values it provides (`redis.addr`, …).
    pub values: BTreeMap<String, String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `spec` with its state under `dir`.
pub fn start(spec: &ServerSpec, dir: &Path) -> Result<Server, ServerError> {
    match spec.kind {
        ServerKind::Redis => redis(spec.port, dir),
        ServerKind::Mariadb => mariadb(spec.port, dir),
        ServerKind::Kafka => kafka(spec.port, dir, &std::env::temp_dir().join("autotel-kafka")),
        ServerKind::Postgres => postgres(spec.port, dir),
        ServerKind::Ferretdb => ferretdb(spec.port, dir, &std::env::temp_dir().join("autotel-ferretdb")),
        ServerKind::Jaeger => match spec.port {
            None => jaeger(dir, &go_servers_cache()),
            Some(port) => Err(ServerError::Start { server: "jaeger", detail: format!("listens on free ports only (asked for {port})") }),
        },
        ServerKind::Collector => Err(ServerError::Start {
            server: "otelcol",
            detail: "a Collector needs its configuration and a backend to export to: start it with servers::collector".into(),
        }),
    }
}

/// Where Jaeger and the Collector are built once per machine (FerretDB has its own directory,
/// kept for the builds it already holds).
pub fn go_servers_cache() -> PathBuf {
    std::env::temp_dir().join("autotel-go-servers")
}

fn program(name: &'static str, package: &'static str) -> Result<PathBuf, ServerError> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin".into(), "/usr/local/sbin".into()])
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
        .ok_or(ServerError::NotInstalled { program: name, package })
}

fn port(server: &'static str, fixed: Option<u16>) -> Result<u16, ServerError> {
    let listener = TcpListener::bind(("127.0.0.1", fixed.unwrap_or(0))).map_err(|_| ServerError::PortTaken { server, port: fixed.unwrap_or(0) })?;
    Ok(listener.local_addr().map_err(|source| ServerError::Io { server, source })?.port())
}

/// Spawns `command` (output discarded: the server logs to `log`) and waits until it listens on
/// `port`. The child is owned by the returned Server from the start, so any error kills it.
fn launch(name: &'static str, command: &mut Command, port: u16, log: &Path) -> Result<Server, ServerError> {
    let child = command.stdout(Stdio::null()).stderr(Stdio::null()).spawn().map_err(|source| ServerError::Io { server: name, source })?;
    let mut server = Server { child, values: BTreeMap::new() };
    wait_for_port(name, port, &mut server.child, log)?;
    Ok(server)
}

fn wait_for_port(server: &'static str, port: u16, child: &mut Child, log: &Path) -> Result<(), ServerError> {
    wait_for_port_within(server, port, child, log, Duration::from_secs(60))
}

fn wait_for_port_within(server: &'static str, port: u16, child: &mut Child, log: &Path, within: Duration) -> Result<(), ServerError> {
    let deadline = Instant::now() + within;
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        let log = || std::fs::read_to_string(log).unwrap_or_default();
        if let Some(status) = child.try_wait().map_err(|source| ServerError::Io { server, source })? {
            return Err(ServerError::Start { server, detail: format!("exited ({status}) before listening:\n{}", log()) });
        }
        if Instant::now() > deadline {
            return Err(ServerError::Start { server, detail: format!("did not listen on 127.0.0.1:{port} within {within:?}:\n{}", log()) });
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(())
}

fn redis(fixed: Option<u16>, dir: &Path) -> Result<Server, ServerError> {
    const NAME: &str = "redis-server";
    let server = program(NAME, "redis-server")?;
    let port = port(NAME, fixed)?;
    let log = dir.join("redis.log");
    let mut server = launch(
        NAME,
        Command::new(server)
            .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no"])
            .args(["--port", &port.to_string()])
            .arg("--dir")
            .arg(dir)
            .arg("--logfile")
            .arg(&log),
        port,
        &log,
    )?;
    let values = [("redis.port", port.to_string()), ("redis.addr", format!("127.0.0.1:{port}"))];
    server.values = values.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    Ok(server)
}

/// The database, user and password the MariaDB suites get (go-sql-driver/mysql's defaults for
/// the database name; a real password so authentication is exercised).
const MARIADB_DATABASE: &str = "gotest";
const MARIADB_USER: &str = "gotest";
const MARIADB_PASSWORD: &str = "secret";

fn mariadb(fixed: Option<u16>, dir: &Path) -> Result<Server, ServerError> {
    const NAME: &str = "mariadbd";
    let install = program("mariadb-install-db", "mariadb-server")?;
    let server = program(NAME, "mariadb-server")?;
    let client = program("mariadb", "mariadb-client")?;
    let run = |command: &mut Command, what: &str| -> Result<(), ServerError> {
        let out = command.output().map_err(|source| ServerError::Io { server: NAME, source })?;
        if out.status.success() {
            return Ok(());
        }
        Err(ServerError::Start { server: NAME, detail: format!("{what} failed:\n{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)) })
    };
    let data = dir.join("data");
    // Its own temporary directory: servers sharing /tmp collide on temporary table names.
    let tmp = dir.join("tmp");
    std::fs::create_dir_all(&tmp).map_err(|source| ServerError::Io { server: NAME, source })?;
    run(
        Command::new(&install)
            .args(["--no-defaults", "--user=root", "--auth-root-authentication-method=normal", "--skip-test-db"])
            .arg(format!("--datadir={}", data.display()))
            .arg(format!("--tmpdir={}", tmp.display())),
        "mariadb-install-db",
    )?;
    let port = port(NAME, fixed)?;
    let socket = dir.join("mysqld.sock");
    let log = dir.join("error.log");
    let mut server = launch(
        NAME,
        Command::new(&server)
            .args(["--no-defaults", "--user=root", "--bind-address=127.0.0.1", "--skip-name-resolve", "--innodb-buffer-pool-size=32M", "--local-infile=1"])
            .arg(format!("--datadir={}", data.display()))
            .arg(format!("--tmpdir={}", tmp.display()))
            .arg(format!("--socket={}", socket.display()))
            .arg(format!("--port={port}"))
            .arg(format!("--pid-file={}", dir.join("mysqld.pid").display()))
            .arg(format!("--log-error={}", log.display())),
        port,
        &log,
    )?;
    let sql = format!(
        "CREATE DATABASE {MARIADB_DATABASE}; CREATE USER '{MARIADB_USER}'@'%' IDENTIFIED BY '{MARIADB_PASSWORD}'; \
         GRANT ALL PRIVILEGES ON *.* TO '{MARIADB_USER}'@'%' WITH GRANT OPTION;"
    );
    run(Command::new(&client).args(["--no-defaults", "-uroot"]).arg(format!("--socket={}", socket.display())).args(["-e", &sql]), "create the test database and user")?;
    let values = [
        ("mariadb.port", port.to_string()),
        ("mariadb.addr", format!("127.0.0.1:{port}")),
        ("mariadb.user", MARIADB_USER.to_string()),
        ("mariadb.password", MARIADB_PASSWORD.to_string()),
        ("mariadb.database", MARIADB_DATABASE.to_string()),
    ];
    server.values = values.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    Ok(server)
}

/// The Apache Kafka release the Kafka suites and tests run against (from Maven Central).
pub const KAFKA_VERSION: &str = "4.1.0";

/// The jars of Apache Kafka (`org.apache.kafka:kafka_2.13`) and its dependencies, fetched once
/// with `mvn dependency:copy-dependencies` into `cache/kafka-VERSION/libs` (a `complete` marker
/// beside it says the fetch finished; one fetch at a time per process).
pub fn kafka_libs(cache: &Path) -> Result<PathBuf, ServerError> {
    const NAME: &str = "kafka";
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let root = cache.join(format!("kafka-{KAFKA_VERSION}"));
    let (libs, done) = (root.join("libs"), root.join("complete"));
    if done.exists() {
        return Ok(libs);
    }
    program("java", "openjdk-17-jre-headless")?;
    let mvn = program("mvn", "maven")?;
    let io = |source| ServerError::Io { server: NAME, source };
    std::fs::create_dir_all(&root).map_err(io)?;
    let pom = format!(
        r#"<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.autotel.test</groupId>
  <artifactId>kafka-broker</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>{KAFKA_VERSION}</version></dependency>
  </dependencies>
</project>
"#
    );
    std::fs::write(root.join("pom.xml"), pom).map_err(io)?;
    let out = Command::new(mvn)
        .args(["-q", "-B", "dependency:copy-dependencies"])
        .arg(format!("-DoutputDirectory={}", libs.display()))
        .current_dir(&root)
        .output()
        .map_err(io)?;
    if !out.status.success() {
        let detail = format!("fetching Apache Kafka {KAFKA_VERSION} from Maven Central failed:\n{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        return Err(ServerError::Start { server: NAME, detail });
    }
    std::fs::write(&done, "").map_err(io)?;
    Ok(libs)
}

/// A real Apache Kafka broker in KRaft mode (one node, broker and controller, one partition per
/// topic by default) on loopback, its storage formatted under `dir`, its jars from
/// [`kafka_libs`]`(cache)`. Placeholders `{kafka.addr}`, `{kafka.port}`.
pub fn kafka(fixed: Option<u16>, dir: &Path, cache: &Path) -> Result<Server, ServerError> {
    const NAME: &str = "kafka";
    let java = program("java", "openjdk-17-jre-headless")?;
    let cp = format!("{}/*", kafka_libs(cache)?.display());
    let io = |source| ServerError::Io { server: NAME, source };
    let (port, cport) = (port(NAME, fixed)?, port(NAME, None)?);
    std::fs::create_dir_all(dir).map_err(io)?;
    let config = dir.join("server.properties");
    let properties = format!(
        "process.roles=broker,controller\nnode.id=1\ncontroller.quorum.voters=1@127.0.0.1:{cport}\n\
         listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{cport}\n\
         advertised.listeners=PLAINTEXT://127.0.0.1:{port}\ncontroller.listener.names=CONTROLLER\n\
         listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT\n\
         inter.broker.listener.name=PLAINTEXT\nlog.dirs={}\noffsets.topic.replication.factor=1\n\
         offsets.topic.num.partitions=1\ntransaction.state.log.replication.factor=1\n\
         transaction.state.log.min.isr=1\ngroup.initial.rebalance.delay.ms=0\nnum.partitions=1\n",
        dir.join("data").display()
    );
    std::fs::write(&config, properties).map_err(io)?;
    let format = Command::new(&java)
        .args(["-cp", &cp, "kafka.tools.StorageTool", "format", "-t", "MkU3OEVBNTcwNTJENDM2Qk", "-c"])
        .arg(&config)
        .output()
        .map_err(io)?;
    if !format.status.success() {
        return Err(ServerError::Start { server: NAME, detail: format!("formatting the storage failed:\n{}", String::from_utf8_lossy(&format.stderr)) });
    }
    let log = dir.join("kafka.log");
    let out = std::fs::File::create(&log).map_err(io)?;
    let child = Command::new(&java)
        .args(["-Xmx512m", "-cp", &cp, "kafka.Kafka"])
        .arg(&config)
        .stdout(out.try_clone().map_err(io)?)
        .stderr(out)
        .spawn()
        .map_err(io)?;
    let mut server = Server { child, values: BTreeMap::new() };
    wait_for_port_within(NAME, port, &mut server.child, &log, Duration::from_secs(90))?;
    let values = [("kafka.port", port.to_string()), ("kafka.addr", format!("127.0.0.1:{port}"))];
    server.values = values.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    Ok(server)
}

/// The database and user the PostgreSQL suites get (trust authentication on loopback). The
/// database has what pgx's own suite expects of it (its testsetup/postgresql_setup.sql): the
/// hstore and ltree extensions (contrib, part of Debian's postgresql package) and a uint64 domain.
const POSTGRES_DATABASE: &str = "pgx_test";
const POSTGRES_USER: &str = "postgres";

/// PostgreSQL's programs are not on PATH in Debian: they live in /usr/lib/postgresql/<major>/bin
/// (the newest major installed is used).
fn postgres_program(name: &'static str) -> Result<PathBuf, ServerError> {
    let mut dirs: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin").join(name))))
        .filter(|(_, p): &(u32, PathBuf)| p.is_file())
        .collect();
    dirs.sort();
    dirs.pop().map(|(_, p)| p).ok_or(ServerError::NotInstalled { program: name, package: "postgresql" })
}

/// How PostgreSQL's programs are started. initdb and postgres refuse to run as root; under root
/// they run in a user namespace where they are the `postgres` user (Debian's package creates
/// it) while the kernel still sees root outside. Dropping to the real `postgres` user instead
/// fails on machines whose `/` only root may traverse (some CI sandboxes: nothing but root can
/// exec there), and would leave files root must chown back. `unshare` execs the program, so the
/// spawned child is the server itself and dies with it. As any other user: directly.
enum PostgresLauncher {
    Direct,
    UserNamespace { unshare: PathBuf, uid: u32, gid: u32 },
}

impl PostgresLauncher {
    fn detect() -> Result<Self, ServerError> {
        use std::os::unix::fs::MetadataExt;
        let io = |source| ServerError::Io { server: "postgres", source };
        if std::fs::metadata("/proc/self").map_err(io)?.uid() != 0 {
            return Ok(Self::Direct);
        }
        let unshare = program("unshare", "util-linux")?;
        let passwd = std::fs::read_to_string("/etc/passwd").map_err(io)?;
        let (uid, gid) = passwd
            .lines()
            .map(|l| l.split(':').collect::<Vec<_>>())
            .find(|f| f.len() > 3 && f[0] == "postgres")
            .and_then(|f| Some((f[2].parse().ok()?, f[3].parse().ok()?)))
            .ok_or(ServerError::Start { server: "postgres", detail: "running as root, and there is no `postgres` user to run PostgreSQL as (Debian's postgresql package creates it)".into() })?;
        Ok(Self::UserNamespace { unshare, uid, gid })
    }

    fn command(&self, program: &Path) -> Command {
        match self {
            Self::Direct => Command::new(program),
            Self::UserNamespace { unshare, uid, gid } => {
                let mut command = Command::new(unshare);
                command.args(["--user", &format!("--map-user={uid}"), &format!("--map-group={gid}"), "--"]).arg(program);
                command
            }
        }
    }
}

fn postgres(fixed: Option<u16>, dir: &Path) -> Result<Server, ServerError> {
    const NAME: &str = "postgres";
    let io = |source| ServerError::Io { server: NAME, source };
    let initdb = postgres_program("initdb")?;
    let server = postgres_program("postgres")?;
    let psql = program("psql", "postgresql-client")?;
    let launcher = PostgresLauncher::detect()?;
    let home = dir.join("pg");
    std::fs::create_dir_all(&home).map_err(io)?;
    let data = home.join("data");
    let mut init = launcher.command(&initdb);
    init.args(["--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync", "-U", POSTGRES_USER]).arg("-D").arg(&data);
    let out = init.output().map_err(io)?;
    if !out.status.success() {
        return Err(ServerError::Start { server: NAME, detail: format!("initdb failed:\n{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)) });
    }
    let port = port(NAME, fixed)?;
    let log = home.join("postgres.log");
    let log_file = std::fs::File::create(&log).map_err(io)?;
    let mut command = launcher.command(&server);
    command
        .arg("-D")
        .arg(&data)
        .args(["-h", "127.0.0.1", "-p", &port.to_string()])
        .arg("-k")
        .arg(&home)
        .args(["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=100"])
        .stdout(Stdio::null())
        .stderr(log_file);
    let child = command.spawn().map_err(io)?;
    let mut server = Server { child, values: BTreeMap::new() };
    wait_for_port(NAME, port, &mut server.child, &log)?;
    // Accepting TCP connections comes a moment before accepting sessions: psql retries.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let out = Command::new(&psql)
            .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-U", POSTGRES_USER, "-d", "postgres", "-v", "ON_ERROR_STOP=1"])
            .args(["-c", &format!("CREATE DATABASE {POSTGRES_DATABASE}")])
            .output()
            .map_err(io)?;
        if out.status.success() {
            break;
        }
        if Instant::now() > deadline {
            return Err(ServerError::Start { server: NAME, detail: format!("create the test database: {}", String::from_utf8_lossy(&out.stderr)) });
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let setup = "CREATE EXTENSION hstore; CREATE EXTENSION ltree; CREATE DOMAIN uint64 AS numeric(20,0);";
    let out = Command::new(&psql)
        .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-U", POSTGRES_USER, "-d", POSTGRES_DATABASE, "-v", "ON_ERROR_STOP=1", "-c", setup])
        .output()
        .map_err(io)?;
    if !out.status.success() {
        return Err(ServerError::Start { server: NAME, detail: format!("set the test database up: {}", String::from_utf8_lossy(&out.stderr)) });
    }
    let values = [
        ("postgres.port", port.to_string()),
        ("postgres.addr", format!("127.0.0.1:{port}")),
        ("postgres.user", POSTGRES_USER.to_string()),
        ("postgres.database", POSTGRES_DATABASE.to_string()),
        ("postgres.url", format!("postgres://{POSTGRES_USER}@127.0.0.1:{port}/{POSTGRES_DATABASE}?sslmode=disable")),
    ];
    server.values = values.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    Ok(server)
}

/// The FerretDB release the MongoDB tests run against (`github.com/FerretDB/FerretDB`, from the
/// Go module proxy; v1.x has the SQLite backend, which needs no other database).
pub const FERRETDB_VERSION: &str = "v1.24.2";

/// The `ferretdb` binary, built once into `cache/ferretdb-VERSION/ferretdb` by
/// [`go_server_binary`]. The module's source is copied out of the module cache because
/// FerretDB's `cmd/ferretdb` refuses to start without its `build/version/version.txt`, which its
/// release process generates and the module zip lacks; the copy gets the release's name in it.
/// Built with `ferretdb_no_postgresql` (FerretDB's own build tag, `internal/backends/postgresql`):
/// the SQLite backend alone. A cold build took 30 s on two cores with the module and the standard
/// library already cached, 65 s with an empty build cache (its dependencies downloaded on the
/// way), 85 s on a machine busy with other builds.
pub fn ferretdb_binary(cache: &Path) -> Result<PathBuf, ServerError> {
    let source = GoSource::Module {
        path: "github.com/FerretDB/FerretDB",
        version: FERRETDB_VERSION,
        prepare: |src| std::fs::write(src.join("build/version/version.txt"), format!("{FERRETDB_VERSION}\n")),
    };
    let build = GoBuild { server: "ferretdb", key: format!("ferretdb-{FERRETDB_VERSION}"), package: "./cmd/ferretdb", tags: "ferretdb_no_postgresql" };
    go_server_binary(&build, source, cache)
}

/// Where the source of a server built with Go comes from.
enum GoSource {
    /// A module release from the Go module proxy (`go mod download`, outside any module so the
    /// caller's go.mod is ignored), copied out of the module cache (read-only there) and then
    /// given what `prepare` writes into it.
    Module { path: &'static str, version: &'static str, prepare: fn(&Path) -> std::io::Result<()> },
    /// A main module embedded in this crate: `(file name, contents)`, go.sum included.
    Embedded(&'static [(&'static str, &'static str)]),
}

/// One server program built with Go into `cache/KEY/NAME`.
struct GoBuild {
    server: &'static str,
    /// The cache directory's name: it changes whenever what is built does.
    key: String,
    package: &'static str,
    tags: &'static str,
}

/// Builds `build` from `source` once: later calls, and later test runs, find the binary in the
/// cache. One build at a time per process (a lock shared by every Go-built server: on two cores
/// two such builds only slow each other down, and they would double the peak memory); across
/// processes each builds in its own directory and renames the result into place.
fn go_server_binary(build: &GoBuild, source: GoSource, cache: &Path) -> Result<PathBuf, ServerError> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let name = build.server;
    let root = cache.join(&build.key);
    let binary = root.join(name);
    if binary.is_file() {
        return Ok(binary);
    }
    let go = program("go", "golang-go")?;
    let io = |source| ServerError::Io { server: name, source };
    let run = |command: &mut Command, what: &str| -> Result<Vec<u8>, ServerError> {
        let out = command.output().map_err(io)?;
        if out.status.success() {
            return Ok(out.stdout);
        }
        Err(ServerError::Start { server: name, detail: format!("{what} failed:\n{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)) })
    };
    std::fs::create_dir_all(&root).map_err(io)?;
    // Per process: another test binary may be building it at the same time.
    let src = root.join(format!("src-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&src);
    match source {
        GoSource::Module { path, version, prepare } => {
            let module = format!("{path}@{version}");
            let json = run(Command::new(&go).args(["mod", "download", "-json", &module]).current_dir(&root).env("GOWORK", "off"), "go mod download")?;
            let dir: serde_json::Value = serde_json::from_slice(&json).map_err(|e| ServerError::Start { server: name, detail: format!("go mod download: {e}") })?;
            let from = dir["Dir"].as_str().ok_or(ServerError::Start { server: name, detail: "go mod download named no directory".into() })?;
            copy_tree(Path::new(from), &src).map_err(io)?;
            prepare(&src).map_err(io)?;
        }
        GoSource::Embedded(files) => {
            std::fs::create_dir_all(&src).map_err(io)?;
            for (file, contents) in files {
                std::fs::write(src.join(file), contents).map_err(io)?;
            }
        }
    }
    let partial = root.join(format!("{name}.{}", std::process::id()));
    run(
        Command::new(&go)
            .args(["build", "-trimpath", "-tags", build.tags, "-o"])
            .arg(&partial)
            .arg(build.package)
            .current_dir(&src)
            .env("GOFLAGS", "-mod=readonly")
            .env("GOWORK", "off"),
        &format!("building {name}"),
    )?;
    std::fs::rename(&partial, &binary).map_err(io)?;
    let _ = std::fs::remove_dir_all(&src);
    Ok(binary)
}

/// Copies the files of `from` into `to` (created), writable: the module cache's are read-only.
fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
            let mut permissions = std::fs::metadata(&target)?.permissions();
            #[allow(clippy::permissions_set_readonly_false)]
            permissions.set_readonly(false);
            std::fs::set_permissions(&target, permissions)?;
        }
    }
    Ok(())
}

/// FerretDB, a MongoDB-wire-compatible server (not MongoDB), on loopback with its SQLite
/// databases under `dir`, the binary from [`ferretdb_binary`]`(cache)`. Its telemetry reporting
/// (beacon.ferretdb.com) is off (`--telemetry=disable`, and `DO_NOT_TRACK`), its debug HTTP
/// listener is off, and it sends no traces of its own: nothing leaves loopback. Placeholders
/// `{ferretdb.addr}`, `{ferretdb.port}`, `{ferretdb.uri}`.
pub fn ferretdb(fixed: Option<u16>, dir: &Path, cache: &Path) -> Result<Server, ServerError> {
    const NAME: &str = "ferretdb";
    let binary = ferretdb_binary(cache)?;
    let io = |source| ServerError::Io { server: NAME, source };
    let home = dir.join("ferretdb");
    let data = home.join("data");
    std::fs::create_dir_all(&data).map_err(io)?;
    let port = port(NAME, fixed)?;
    let log = home.join("ferretdb.log");
    let mut command = Command::new(binary);
    command
        .args(["--handler=sqlite", "--telemetry=disable", "--debug-addr=-", "--log-level=warn", "--otel-traces-url="])
        .arg(format!("--sqlite-url=file:{}/", data.display()))
        .arg(format!("--state-dir={}", home.display()))
        .arg(format!("--listen-addr=127.0.0.1:{port}"))
        .env("DO_NOT_TRACK", "1")
        .env_remove("FERRETDB_TELEMETRY");
    let mut server = spawn_logged(NAME, &mut command, &home, &log)?;
    wait_for_port(NAME, port, &mut server.child, &log)?;
    let values = [
        ("ferretdb.port", port.to_string()),
        ("ferretdb.addr", format!("127.0.0.1:{port}")),
        ("ferretdb.uri", format!("mongodb://127.0.0.1:{port}/")),
    ];
    server.values = values.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    Ok(server)
}

/// The Jaeger release the backend tests export to: the Go module version of Jaeger v2
/// (`github.com/jaegertracing/jaeger`, from the Go module proxy), itself an OpenTelemetry
/// Collector distribution.
pub const JAEGER_VERSION: &str = "v1.75.0";

/// The `jaeger` binary (`./cmd/jaeger`), built once into `cache/jaeger-VERSION/jaeger` by
/// [`go_server_binary`]. Its web UI's assets are not in the module (a placeholder page is served
/// instead); the query API is complete. A cold build (its 306 modules downloaded, only the
/// standard library in the build cache) took 9.5 minutes on two cores shared with other builds
/// (a load of 10 to 17; 314 s of user and 34 s of system CPU, so about 3 minutes on two idle
/// cores), with a peak RSS of 2.3 GB; with the build cache warm, about a minute (mostly the link).
pub fn jaeger_binary(cache: &Path) -> Result<PathBuf, ServerError> {
    let source = GoSource::Module { path: "github.com/jaegertracing/jaeger", version: JAEGER_VERSION, prepare: |_| Ok(()) };
    let build = GoBuild { server: "jaeger", key: format!("jaeger-{JAEGER_VERSION}"), package: "./cmd/jaeger", tags: "" };
    go_server_binary(&build, source, cache)
}

/// Jaeger v2's configuration for a test: the OTLP receiver (gRPC and HTTP) into in-memory
/// storage, the query service (HTTP API and gRPC) over it, every endpoint on the loopback port
/// given, and none of the all-in-one's other listeners (Jaeger and Zipkin receivers, sampling,
/// health check, the internal metrics' Prometheus port).
fn jaeger_config(otlp_grpc: u16, otlp_http: u16, query_http: u16, query_grpc: u16) -> String {
    format!(
        "service:
  extensions: [jaeger_storage, jaeger_query]
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
    logs:
      level: info
extensions:
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: 10000
  jaeger_query:
    storage:
      traces: memstore
    http:
      endpoint: 127.0.0.1:{query_http}
    grpc:
      endpoint: 127.0.0.1:{query_grpc}
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:{otlp_grpc}
      http:
        endpoint: 127.0.0.1:{otlp_http}
exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
"
    )
}

/// Jaeger v2 on loopback with in-memory storage (its configuration, from [`jaeger_config`],
/// written under `dir`), the binary from [`jaeger_binary`]`(cache)`. It sends nothing anywhere:
/// its own telemetry is off. Values: `jaeger.otlp_grpc` and `jaeger.otlp_http` (`host:port` of
/// its OTLP receiver), `jaeger.query` (`host:port` of the query service's HTTP API,
/// `/api/traces/{traceID}`), `jaeger.port` (the query port).
pub fn jaeger(dir: &Path, cache: &Path) -> Result<Server, ServerError> {
    const NAME: &str = "jaeger";
    let binary = jaeger_binary(cache)?;
    let io = |source| ServerError::Io { server: NAME, source };
    let home = dir.join("jaeger");
    std::fs::create_dir_all(&home).map_err(io)?;
    let [otlp_grpc, otlp_http, query_http, query_grpc] = free_ports(NAME)?;
    let config = home.join("config.yaml");
    std::fs::write(&config, jaeger_config(otlp_grpc, otlp_http, query_http, query_grpc)).map_err(io)?;
    let log = home.join("jaeger.log");
    let mut command = Command::new(binary);
    command.arg("--config").arg(&config);
    let mut server = spawn_logged(NAME, &mut command, &home, &log)?;
    for port in [otlp_grpc, otlp_http, query_http] {
        wait_for_port(NAME, port, &mut server.child, &log)?;
    }
    let values = [
        ("jaeger.otlp_grpc", format!("127.0.0.1:{otlp_grpc}")),
        ("jaeger.otlp_http", format!("127.0.0.1:{otlp_http}")),
        ("jaeger.query", format!("127.0.0.1:{query_http}")),
        ("jaeger.port", query_http.to_string()),
    ];
    server.values = values.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    Ok(server)
}

/// The OpenTelemetry Collector release of `testdata/collector` (its `otelcol` and other 0.x
/// modules; the 1.x ones are v1.71.0, of the same release).
pub const COLLECTOR_VERSION: &str = "v0.165.0";

/// `testdata/collector`, a minimal Collector (OTLP receiver, batch processor, OTLP gRPC and
/// HTTP exporters), as the Collector's builder would generate it.
const COLLECTOR_SOURCE: [(&str, &str); 3] = [
    ("main.go", include_str!("../../../testdata/collector/main.go")),
    ("go.mod", include_str!("../../../testdata/collector/go.mod")),
    ("go.sum", include_str!("../../../testdata/collector/go.sum")),
];

/// The `otelcol` binary of [`COLLECTOR_SOURCE`], built once into
/// `cache/otelcol-VERSION-HASH/otelcol` (the hash of the source: an edit builds anew) by
/// [`go_server_binary`]. A cold build took 77 s of user and 9 s of system CPU, with a peak RSS of
/// 830 MB (5 minutes on the same busy two cores as Jaeger's).
pub fn collector_binary(cache: &Path) -> Result<PathBuf, ServerError> {
    // FNV-1a: stable across Rust releases, unlike std's hasher.
    let hash = COLLECTOR_SOURCE.iter().flat_map(|(name, text)| name.bytes().chain(text.bytes())).fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3));
    let build = GoBuild { server: "otelcol", key: format!("otelcol-{COLLECTOR_VERSION}-{hash:016x}"), package: ".", tags: "" };
    go_server_binary(&build, GoSource::Embedded(&COLLECTOR_SOURCE), cache)
}

/// The variables a Collector configuration for [`collector`] reads (`deploy/collector.yaml`
/// does): where it listens for OTLP over gRPC and HTTP, the OTLP/gRPC endpoint it exports to,
/// and the address of its own metrics (host and port).
pub const COLLECTOR_GRPC_LISTEN: &str = "COLLECTOR_GRPC_LISTEN";
pub const COLLECTOR_HTTP_LISTEN: &str = "COLLECTOR_HTTP_LISTEN";
pub const COLLECTOR_BACKEND: &str = "COLLECTOR_BACKEND";
pub const COLLECTOR_METRICS_HOST: &str = "COLLECTOR_METRICS_HOST";
pub const COLLECTOR_METRICS_PORT: &str = "COLLECTOR_METRICS_PORT";

/// The Collector of [`collector_binary`]`(cache)` on loopback, running `config` unchanged with
/// free loopback ports in [`COLLECTOR_GRPC_LISTEN`], [`COLLECTOR_HTTP_LISTEN`],
/// [`COLLECTOR_METRICS_HOST`] and [`COLLECTOR_METRICS_PORT`], exporting to `backend` (`host:port`, OTLP/gRPC) through
/// [`COLLECTOR_BACKEND`]. Values: `collector.otlp_grpc`, `collector.otlp_http`
/// (`host:port`), `collector.port` (the gRPC one).
pub fn collector(config: &Path, backend: &str, dir: &Path, cache: &Path) -> Result<Server, ServerError> {
    const NAME: &str = "otelcol";
    let binary = collector_binary(cache)?;
    let io = |source| ServerError::Io { server: NAME, source };
    let home = dir.join("otelcol");
    std::fs::create_dir_all(&home).map_err(io)?;
    let [grpc, http, metrics] = free_ports(NAME)?;
    let log = home.join("otelcol.log");
    let mut command = Command::new(binary);
    command
        .arg(format!("--config=file:{}", config.display()))
        .env(COLLECTOR_GRPC_LISTEN, format!("127.0.0.1:{grpc}"))
        .env(COLLECTOR_HTTP_LISTEN, format!("127.0.0.1:{http}"))
        .env(COLLECTOR_BACKEND, backend)
        .env(COLLECTOR_METRICS_HOST, "127.0.0.1")
        .env(COLLECTOR_METRICS_PORT, metrics.to_string());
    let mut server = spawn_logged(NAME, &mut command, &home, &log)?;
    for port in [grpc, http] {
        wait_for_port(NAME, port, &mut server.child, &log)?;
    }
    let values = [("collector.otlp_grpc", format!("127.0.0.1:{grpc}")), ("collector.otlp_http", format!("127.0.0.1:{http}")), ("collector.port", grpc.to_string())];
    server.values = values.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    Ok(server)
}

/// `N` distinct free loopback ports (all held until every one is chosen, so none repeats).
fn free_ports<const N: usize>(server: &'static str) -> Result<[u16; N], ServerError> {
    let listeners = (0..N).map(|_| TcpListener::bind("127.0.0.1:0").map_err(|source| ServerError::Io { server, source })).collect::<Result<Vec<_>, _>>()?;
    let mut ports = [0; N];
    for (port, listener) in ports.iter_mut().zip(&listeners) {
        *port = listener.local_addr().map_err(|source| ServerError::Io { server, source })?.port();
    }
    Ok(ports)
}

/// Spawns `command` in `home` with its output in `log`, owned by the returned Server (so any
/// later error kills it).
fn spawn_logged(server: &'static str, command: &mut Command, home: &Path, log: &Path) -> Result<Server, ServerError> {
    let io = |source| ServerError::Io { server, source };
    let file = std::fs::File::create(log).map_err(io)?;
    let child = command.current_dir(home).stdout(file.try_clone().map_err(io)?).stderr(file).spawn().map_err(io)?;
    Ok(Server { child, values: BTreeMap::new() })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `endpoint` value under `value`, in document order.
    fn endpoints(value: &serde_yaml::Value, out: &mut Vec<String>) {
        match value {
            serde_yaml::Value::Mapping(map) => {
                for (key, value) in map {
                    match (key.as_str(), value.as_str()) {
                        (Some("endpoint"), Some(endpoint)) => out.push(endpoint.to_string()),
                        _ => endpoints(value, out),
                    }
                }
            }
            serde_yaml::Value::Sequence(items) => items.iter().for_each(|v| endpoints(v, out)),
            _ => {}
        }
    }

    /// Jaeger listens on the four ports it is given, on loopback, and nowhere else: no receiver
    /// but OTLP, no extension but storage and query, and no Prometheus port of its own (the
    /// Collector's default, localhost:8888, would collide between two Jaegers).
    #[test]
    fn jaeger_listens_on_the_given_loopback_ports_only() {
        let config: serde_yaml::Value = serde_yaml::from_str(&jaeger_config(1001, 1002, 1003, 1004)).unwrap();
        let mut found = Vec::new();
        endpoints(&config, &mut found);
        found.sort();
        assert_eq!(found, ["127.0.0.1:1001", "127.0.0.1:1002", "127.0.0.1:1003", "127.0.0.1:1004"]);
        assert_eq!(config["service"]["extensions"], serde_yaml::from_str::<serde_yaml::Value>("[jaeger_storage, jaeger_query]").unwrap());
        assert_eq!(config["service"]["pipelines"]["traces"]["receivers"], serde_yaml::from_str::<serde_yaml::Value>("[otlp]").unwrap());
        assert_eq!(config["service"]["telemetry"]["metrics"]["level"], "none");
        assert!(config["extensions"]["jaeger_storage"]["backends"]["memstore"]["memory"].is_mapping(), "in-memory storage");
    }

    #[test]
    fn free_ports_are_distinct() {
        let ports: [u16; 4] = free_ports("test").unwrap();
        let distinct: std::collections::BTreeSet<u16> = ports.iter().copied().collect();
        assert_eq!(distinct.len(), 4, "{ports:?}");
    }

    /// deploy/collector.yaml, which the fleet test runs through [`collector`], reads every
    /// variable the starter sets (else it would listen on 4317 and export to a cluster's Jaeger).
    #[test]
    fn the_fleet_configuration_reads_every_variable_the_collector_starter_sets() {
        let config = include_str!("../../../deploy/collector.yaml");
        for var in [COLLECTOR_GRPC_LISTEN, COLLECTOR_HTTP_LISTEN, COLLECTOR_BACKEND, COLLECTOR_METRICS_HOST, COLLECTOR_METRICS_PORT] {
            assert!(config.contains(&format!("${{env:{var}:-")), "deploy/collector.yaml does not read {var}");
        }
    }
}
