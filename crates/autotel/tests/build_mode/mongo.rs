//! go.mongodb.org/mongo-driver in build mode, v2 (testdata/apps/mongov2) and v1
//! (testdata/apps/mongo), each built with `autotel go build` at the oldest release its rule covers
//! and the newest, run against a real MongoDB-wire-compatible server: FerretDB (not MongoDB; its
//! SQLite backend, started by peersuite's server starter). One HTTP request inserts, finds,
//! updates, aggregates and deletes, runs a find the server refuses, and a find with
//! context.Background(); every command is one CLIENT span under the request's span, and the
//! program's own command monitor still sees every event.

use crate::support::*;
use otlp::model::{Span, SpanKind, StatusCode};
use peersuite::servers::{self, Server};
use peersuite::suites::{ServerKind, ServerSpec};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

/// The newest mongo-driver v2 release (`go list -m -versions go.mongodb.org/mongo-driver/v2`).
const NEWEST_V2: &str = "v2.10.1";
/// The newest mongo-driver v1 release (`go list -m -versions go.mongodb.org/mongo-driver`).
const NEWEST_V1: &str = "v1.17.10";

fn start_ferretdb(dir: &std::path::Path) -> Server {
    servers::start(&ServerSpec { kind: ServerKind::Ferretdb, port: None }, dir).unwrap_or_else(|e| panic!("start FerretDB: {e}"))
}

/// The spans of the request's commands, in order: name, db.operation.name, db.query.text.
const REQUEST_SPANS: [(&str, &str, &str); 8] = [
    ("insert users", "insert", r#"{"insert":"users","ordered":?,"documents":[{"_id":?,"name":?,"tier":?}]}"#),
    ("insert users", "insert", r#"{"insert":"users","ordered":?,"documents":[{"_id":?,"name":?,"tier":?},{"_id":?,"name":?,"tier":?}]}"#),
    ("find users", "find", r#"{"find":"users","filter":{"tier":?}}"#),
    ("update users", "update", r#"{"update":"users","ordered":?,"updates":[{"q":{"_id":?},"u":{"$set":{"tier":?}}}]}"#),
    ("aggregate users", "aggregate", r#"{"aggregate":"users","pipeline":[{"$match":{"tier":?}},{"$group":{"_id":?,"n":{"$sum":?}}}],"cursor":{}}"#),
    ("delete users", "delete", r#"{"delete":"users","ordered":?,"deletes":[{"q":{"_id":?},"limit":?}]}"#),
    ("find users", "find", r#"{"find":"users","filter":{"_id":?},"limit":?,"singleBatch":?}"#),
    ("find users", "find", r#"{"find":"users","filter":{"$frobnicate":?}}"#),
];

/// What the program's own monitor saw (it prints it): every command's started and finished event.
const MONITOR: &str = "monitor: started insert, succeeded insert, started insert, succeeded insert, started find, \
succeeded find, started update, succeeded update, started aggregate, succeeded aggregate, started delete, succeeded delete, \
started find, succeeded find, started find, failed find\n";

/// Builds and runs the app in `app` (binary `name`) against a fresh FerretDB; checks its spans.
/// Returns the failed find's db.response.status_code (v1's failed event carries no code).
fn run_and_check(app: &App, name: &str, scope: &str) -> Option<String> {
    let scratch = tempfile::tempdir().unwrap();
    let server = start_ferretdb(scratch.path());
    let uri = server.values["ferretdb.uri"].clone();
    let port = server.values["ferretdb.port"].clone();
    app.autotel_go(&["build", "-o", &format!("bin/{name}"), "."]);
    let receiver = receiver();
    let mut command = Command::new(app.binary(name));
    command.env("MONGODB_URI", &uri);
    otel_env(&mut command, &receiver, name);
    let out = command.output().unwrap();
    assert!(out.status.success(), "the app failed:\n{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), format!("gold: 2, gold after the update: 3, bob: bob\n{MONITOR}"));
    drop(server);

    let store = receiver.store();
    let is_mongo = |s: &Span| s.scope.name == scope;
    // The request's commands, endSessions (Disconnect, after the request), the HTTP server and client spans.
    assert!(
        store.wait_until(Duration::from_secs(60), |s| s.spans().len() >= REQUEST_SPANS.len() + 3),
        "the spans arrive; got {:#?}",
        store.spans()
    );
    std::thread::sleep(Duration::from_millis(500));
    let spans = store.spans();
    let server_span = spans.iter().find(|s| s.kind == SpanKind::Server).unwrap_or_else(|| panic!("an HTTP server span: {spans:#?}"));
    let mut mongo: Vec<&Arc<Span>> = spans.iter().filter(|s| is_mongo(s)).collect();
    mongo.sort_by_key(|s| s.start_unix_nanos);
    let names: Vec<&str> = mongo.iter().map(|s| s.name.as_str()).collect();
    let mut want: Vec<&str> = REQUEST_SPANS.iter().map(|(n, _, _)| *n).collect();
    want.push("endSessions");
    assert_eq!(names, want, "one span per command; no handshake or heartbeat (hello) span: {mongo:#?}");
    for (span, (name, op, text)) in mongo.iter().zip(REQUEST_SPANS) {
        assert_eq!(span.kind, SpanKind::Client, "{span:#?}");
        assert_eq!(span.parent_span_id, Some(server_span.span_id), "{name}: a child of the request's span: {span:#?}");
        assert_eq!(span.trace_id, server_span.trace_id);
        assert_eq!(attr(span, "db.system.name").as_deref(), Some("mongodb"), "{span:#?}");
        assert_eq!(attr(span, "db.operation.name").as_deref(), Some(op), "{span:#?}");
        assert_eq!(attr(span, "db.collection.name").as_deref(), Some("users"), "{span:#?}");
        assert_eq!(attr(span, "db.namespace").as_deref(), Some("shop"), "{span:#?}");
        assert_eq!(attr(span, "server.address").as_deref(), Some("127.0.0.1"), "{span:#?}");
        assert_eq!(attr(span, "server.port").as_deref(), Some(port.as_str()), "{span:#?}");
        assert_eq!(attr(span, "db.query.text").as_deref(), Some(text), "{span:#?}");
        assert!(span.end_unix_nanos >= span.start_unix_nanos);
    }
    let failed = mongo[REQUEST_SPANS.len() - 1];
    assert_eq!(failed.status.code, StatusCode::Error, "{failed:#?}");
    assert_eq!(attr(failed, "error.type").as_deref(), Some("BadValue"), "the server's code name: {failed:#?}");
    for span in &mongo[..REQUEST_SPANS.len() - 1] {
        assert_ne!(span.status.code, StatusCode::Error, "{span:#?}");
        assert_eq!(attr(span, "error.type"), None, "{span:#?}");
    }
    // Disconnect's endSessions runs outside the request: a root span of its own. FerretDB v1.24
    // has no endSessions command (the driver ignores the error): the span says so.
    let end = mongo[REQUEST_SPANS.len()];
    assert_eq!((end.parent_span_id, attr(end, "db.namespace").as_deref()), (None, Some("admin")), "{end:#?}");
    assert_eq!((end.status.code, attr(end, "error.type").as_deref()), (StatusCode::Error, Some("CommandNotFound")), "{end:#?}");
    assert_eq!(spans.len(), REQUEST_SPANS.len() + 3, "{spans:#?}");
    let violations = semconv_violations(&spans);
    assert!(violations.is_empty(), "{violations:#?}");
    attr(failed, "db.response.status_code")
}

/// v1 and v2 share the instrumentation name, so the scope (as go-redis v8 and v9 do).
const V2_SCOPE: &str = "autotel.dev/go/hooks/mongo";

/// The rule's floor, v2.0.0 (the app's own requirement and the hook module's).
#[test]
fn mongo_v2_oldest_release_traces_every_command() {
    let code = run_and_check(&App::copy("mongov2"), "mongov2", V2_SCOPE);
    assert_eq!(code.as_deref(), Some("2"), "BadValue's code");
}

/// The newest v2 release builds and traces the same commands.
#[test]
fn mongo_v2_newest_release_traces_every_command() {
    let app = App::copy("mongov2");
    let get = app.go(&["get", &format!("go.mongodb.org/mongo-driver/v2@{NEWEST_V2}")]);
    assert!(get.status.success(), "{}", String::from_utf8_lossy(&get.stderr));
    let code = run_and_check(&app, "mongov2", V2_SCOPE);
    assert_eq!(code.as_deref(), Some("2"), "BadValue's code");
}

const V1_SCOPE: &str = "autotel.dev/go/hooks/mongo";

/// The rule's floor, v1.12.0 (the app's own requirement and the hook module's). v1's failed
/// event carries only the error's text: the code name, no code.
#[test]
fn mongo_v1_oldest_release_traces_every_command() {
    assert_eq!(run_and_check(&App::copy("mongo"), "mongo", V1_SCOPE), None);
}

/// The newest v1 release builds and traces the same commands.
#[test]
fn mongo_v1_newest_release_traces_every_command() {
    let app = App::copy("mongo");
    let get = app.go(&["get", &format!("go.mongodb.org/mongo-driver@{NEWEST_V1}")]);
    assert!(get.status.success(), "{}", String::from_utf8_lossy(&get.stderr));
    assert_eq!(run_and_check(&app, "mongo", V1_SCOPE), None);
}
