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

/// FerretDB (a MongoDB-compatible server, not MongoDB) answers the MongoDB wire protocol: an
/// OP_MSG `ping` on the port it names gets `{ok: 1.0}`.
#[test]
fn ferretdb_starts_answers_a_mongodb_ping_and_stops() {
    let (_dir, server, port) = start(ServerKind::Ferretdb);
    assert_eq!(server.values["ferretdb.uri"], format!("mongodb://127.0.0.1:{port}/"));
    let reply = op_msg(port, &bson_doc(&[("ping", Bson::Int32(1)), ("$db", Bson::Str("admin"))]));
    assert!(reply.windows(b"\x01ok\0".len()).any(|w| w == b"\x01ok\0"), "a double `ok` field in {reply:?}");
    let ok_at = reply.windows(4).position(|w| w == b"\x01ok\0").unwrap() + 4;
    assert_eq!(f64::from_le_bytes(reply[ok_at..ok_at + 8].try_into().unwrap()), 1.0, "{reply:?}");
    assert_stops(server, port);
}

enum Bson<'a> {
    Int32(i32),
    Str(&'a str),
}

/// A BSON document of `fields` (only the two element types the ping needs).
fn bson_doc(fields: &[(&str, Bson)]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        match value {
            Bson::Int32(v) => {
                body.push(0x10);
                body.extend_from_slice(name.as_bytes());
                body.push(0);
                body.extend_from_slice(&v.to_le_bytes());
            }
            Bson::Str(s) => {
                body.push(0x02);
                body.extend_from_slice(name.as_bytes());
                body.push(0);
                body.extend_from_slice(&(s.len() as i32 + 1).to_le_bytes());
                body.extend_from_slice(s.as_bytes());
                body.push(0);
            }
        }
    }
    let mut doc = ((body.len() + 5) as i32).to_le_bytes().to_vec();
    doc.extend(body);
    doc.push(0);
    doc
}

/// Sends `doc` as an OP_MSG (opcode 2013, one body section) and returns the reply's document.
fn op_msg(port: u16, doc: &[u8]) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(std::time::Duration::from_secs(10))).unwrap();
    let len = 16 + 4 + 1 + doc.len();
    let mut msg = Vec::with_capacity(len);
    msg.extend_from_slice(&(len as i32).to_le_bytes());
    msg.extend_from_slice(&1i32.to_le_bytes()); // requestID
    msg.extend_from_slice(&0i32.to_le_bytes()); // responseTo
    msg.extend_from_slice(&2013i32.to_le_bytes()); // OP_MSG
    msg.extend_from_slice(&0u32.to_le_bytes()); // flags
    msg.push(0); // section kind 0: body
    msg.extend_from_slice(doc);
    stream.write_all(&msg).unwrap();
    let mut header = [0u8; 16];
    stream.read_exact(&mut header).unwrap();
    let total = i32::from_le_bytes(header[0..4].try_into().unwrap()) as usize;
    assert_eq!(i32::from_le_bytes(header[12..16].try_into().unwrap()), 2013, "an OP_MSG reply");
    let mut rest = vec![0u8; total - 16];
    stream.read_exact(&mut rest).unwrap();
    rest[5..].to_vec()
}
