//! A fake Elasticsearch node for the go-elasticsearch tests: not Elasticsearch (none can be
//! installed from the registries here), a small HTTP/1.1 server on loopback that answers the
//! few endpoints the test application calls, with the `X-Elastic-Product: Elasticsearch` header
//! the client requires, and records every request with its `traceparent`.
//!
//! `GET /` answers the node's info; `PUT|POST /{index}/_doc/{id}` 201 created; `GET
//! /{index}/_doc/42` 404 (a missing document); `GET /{index}/_doc/{id}` the document;
//! `GET|POST /{index}/_search` one hit; anything else 400.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// One request the fake received.
#[derive(Clone, Debug)]
pub struct FakeRequest {
    pub method: String,
    pub path: String,
    pub traceparent: Option<String>,
}

/// The fake node, serving until dropped.
pub struct FakeElasticsearch {
    pub addr: SocketAddr,
    requests: Arc<Mutex<Vec<FakeRequest>>>,
    stop: Arc<AtomicBool>,
}

impl FakeElasticsearch {
    pub fn start() -> FakeElasticsearch {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (seen, stopped) = (requests.clone(), stop.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopped.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let seen = seen.clone();
                std::thread::spawn(move || serve(stream, &seen));
            }
        });
        FakeElasticsearch { addr, requests, stop }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request so far, in the order they arrived.
    pub fn requests(&self) -> Vec<FakeRequest> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for FakeElasticsearch {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr); // wakes the accept loop, which then ends
    }
}

/// Serves the requests of one keep-alive connection until the client closes it.
fn serve(stream: TcpStream, seen: &Mutex<Vec<FakeRequest>>) {
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut words = line.split_whitespace();
        let (method, target) = (words.next().unwrap_or_default().to_string(), words.next().unwrap_or_default().to_string());
        let (mut length, mut traceparent) = (0usize, None);
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                match name.trim().to_ascii_lowercase().as_str() {
                    "content-length" => length = value.trim().parse().unwrap_or(0),
                    "traceparent" => traceparent = Some(value.trim().to_string()),
                    _ => {}
                }
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let path = target.split('?').next().unwrap_or_default().to_string();
        seen.lock().unwrap().push(FakeRequest { method: method.clone(), path: path.clone(), traceparent });
        let (status, json) = answer(&method, &path);
        let reason = match status {
            200 => "OK",
            201 => "Created",
            404 => "Not Found",
            _ => "Bad Request",
        };
        let response = format!(
            "HTTP/1.1 {status} {reason}\r\nX-Elastic-Product: Elasticsearch\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{json}",
            json.len()
        );
        if writer.write_all(response.as_bytes()).is_err() {
            return;
        }
    }
}

/// The fake's answer to `method path`: status and JSON body.
fn answer(method: &str, path: &str) -> (u16, String) {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    match (method, parts.as_slice()) {
        ("GET", [""]) => (
            200,
            r#"{"name":"fake-node","cluster_name":"fake","version":{"number":"8.12.0"},"tagline":"You Know, for Search"}"#.into(),
        ),
        ("PUT" | "POST", [index, "_doc", id]) => (201, format!(r#"{{"_index":"{index}","_id":"{id}","_version":1,"result":"created"}}"#)),
        ("GET", [index, "_doc", "42"]) => (404, format!(r#"{{"_index":"{index}","_id":"42","found":false}}"#)),
        ("GET", [index, "_doc", id]) => (200, format!(r#"{{"_index":"{index}","_id":"{id}","found":true,"_source":{{"title":"Dune"}}}}"#)),
        ("GET" | "POST", [index, "_search"]) => (
            200,
            format!(r#"{{"took":1,"timed_out":false,"hits":{{"total":{{"value":1,"relation":"eq"}},"hits":[{{"_index":"{index}","_id":"1","_source":{{"title":"Dune"}}}}]}}}}"#),
        ),
        _ => (400, r#"{"error":"the fake Elasticsearch has no such endpoint","status":400}"#.into()),
    }
}
