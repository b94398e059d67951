//! The server starters against the real servers: each one starts, answers on the port it names,
//! and is gone once dropped. Under root, PostgreSQL runs in a user namespace (as on CI, where `/`
//! is root's alone and no other user can exec anything), so this test covers that path there.

use peersuite::servers;
use peersuite::suites::{ServerKind, ServerSpec};
use std::net::TcpStream;
use std::process::Command;

fn start(kind: ServerKind) -> (tempfile::TempDir, servers::Server, u16) {
    let dir = tempfile::tempdir().unwrap();
    let server = servers::start(&ServerSpec { kind, port: None }, dir.path()).unwrap_or_else(|e| panic!("start {kind:?}: {e}"));
    let port_key = server.values.keys().find(|k| k.ends_with(".port")).cloned().expect("a server names its port");
    let port = server.values[&port_key].parse().unwrap();
    (dir, server, port)
}

fn assert_stops(server: servers::Server, port: u16) {
    drop(server);
    assert!(TcpStream::connect(("127.0.0.1", port)).is_err(), "the server still listens on {port} after drop");
}

#[test]
fn postgres_starts_with_the_test_database_and_stops() {
    let (_dir, server, port) = start(ServerKind::Postgres);
    let out = Command::new("psql")
        .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-U", &server.values["postgres.user"], "-d", &server.values["postgres.database"]])
        .args(["-At", "-c", "SELECT 'hstore'::regtype, 'uint64'::regtype"])
        .output()
        .unwrap();
    assert!(out.status.success(), "psql: {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "hstore|uint64");
    assert_stops(server, port);
}

#[test]
fn redis_starts_and_stops() {
    let (_dir, server, port) = start(ServerKind::Redis);
    let out = Command::new("redis-cli").args(["-p", &port.to_string(), "PING"]).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "PONG");
    assert_stops(server, port);
}
