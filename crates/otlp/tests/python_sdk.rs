//! Interoperability with the official OpenTelemetry Python SDK and its OTLP exporters (gRPC and
//! HTTP/protobuf), installed from PyPI into a virtual environment under cargo's target
//! directory on first run. `python/export_all.py` sends one fixed scenario over each
//! transport; this test checks what arrived, field by field. Without python3 or PyPI the test
//! fails and says why: it never skips.

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use otlp::jsonl;
use otlp::model::{
    Attributes, Event, Link, LogRecord, MetricPoint, MetricValue, Number, Resource, Scope, Span,
    SpanId, SpanKind, Status, StatusCode, Temporality, TraceId, Value,
};
use otlp::{BackgroundReceiver, ReceiverConfig};

const SDK_VERSION: &str = "1.45.2";
const T0: u64 = 1_700_000_000_000_000_000;

/// A virtual environment with the pinned SDK and exporters, made once per target directory.
fn python_with_sdk() -> PathBuf {
    let venv =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("python-opentelemetry-{SDK_VERSION}"));
    let python = venv.join("bin").join("python");
    let ready = venv.join("installed");
    if ready.exists() {
        return python;
    }
    run(
        Command::new("python3")
            .args(["-m", "venv", "--clear"])
            .arg(&venv),
        "create a Python venv (is python3 with the venv module installed?)",
    );
    let packages = [
        "opentelemetry-sdk",
        "opentelemetry-exporter-otlp-proto-grpc",
        "opentelemetry-exporter-otlp-proto-http",
    ];
    run(
        Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
            ])
            .args(packages.iter().map(|name| format!("{name}=={SDK_VERSION}"))),
        "install the OpenTelemetry Python SDK from PyPI",
    );
    std::fs::write(&ready, SDK_VERSION).expect("mark the venv as installed");
    python
}

fn run(command: &mut Command, what: &str) -> String {
    let output = command
        .output()
        .unwrap_or_else(|err| panic!("cannot {what}: {err}"));
    assert!(
        output.status.success(),
        "cannot {what}: {}\nstdout:\n{}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

/// The ids the script printed for one transport.
struct Ids {
    trace_id: TraceId,
    parent: SpanId,
    child: SpanId,
}

fn ids(line: &str, transport: &str) -> Ids {
    let json: serde_json::Value = serde_json::from_str(line).expect("a JSON line of ids");
    assert_eq!(json["transport"], transport);
    let field = |name: &str| {
        json[name]
            .as_str()
            .unwrap_or_else(|| panic!("no {name} in {line}"))
            .to_owned()
    };
    Ids {
        trace_id: field("trace_id").parse().unwrap(),
        parent: field("parent_span_id").parse().unwrap(),
        child: field("child_span_id").parse().unwrap(),
    }
}

#[test]
fn the_python_sdk_exports_over_grpc_and_http_arrive_intact() {
    let python = python_with_sdk();
    let receiver =
        BackgroundReceiver::spawn(ReceiverConfig::ephemeral(Ipv4Addr::LOCALHOST.into())).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/export_all.py");
    let mut command = Command::new(&python);
    command
        .arg(&script)
        .arg(receiver.grpc_endpoint())
        .arg(receiver.http_endpoint());
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("OTEL_") {
            command.env_remove(name);
        }
    }
    let stdout = run(&mut command, "run tests/python/export_all.py");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines.len(),
        2,
        "one line of ids per transport, got {stdout:?}"
    );

    let store = receiver.store();
    let arrived = store.wait_until(Duration::from_secs(20), |s| {
        s.spans().len() == 4 && s.logs().len() == 2 && s.metric_points().len() == 4
    });
    let dump = || {
        let s = store.snapshot();
        let mut text: Vec<String> = s.spans().iter().map(|x| jsonl::span_line(x)).collect();
        text.extend(s.logs().iter().map(|x| jsonl::log_line(x)));
        text.extend(s.metric_points().iter().map(|x| jsonl::metric_line(x)));
        text.join("\n")
    };
    assert!(arrived, "not everything arrived:\n{}", dump());

    for (line, transport) in lines.iter().zip(["grpc", "http"]) {
        check_transport(store, &ids(line, transport), transport);
    }
}

fn check_transport(store: &otlp::Store, ids: &Ids, transport: &str) {
    let service = format!("py-{transport}");
    let of_service = |resource: &Resource| resource.service_name() == Some(service.as_str());

    let spans: Vec<Arc<Span>> = store
        .spans()
        .into_iter()
        .filter(|span| of_service(&span.resource))
        .collect();
    assert_eq!(spans.len(), 2, "{transport}: two spans");
    let resource = &spans[0].resource;
    let resource_keys: Vec<&str> = resource.attributes.iter().map(|(key, _)| key).collect();
    let mut sorted_keys = resource_keys.clone();
    sorted_keys.sort_unstable();
    assert_eq!(
        sorted_keys,
        [
            "deployment.environment.name",
            "service.instance.id",
            "service.name",
            "telemetry.sdk.language",
            "telemetry.sdk.name",
            "telemetry.sdk.version"
        ],
        "{transport}: resource attributes"
    );
    assert_eq!(
        resource.attributes.get("telemetry.sdk.language"),
        Some(&Value::from("python"))
    );
    assert_eq!(
        resource.attributes.get("telemetry.sdk.version"),
        Some(&Value::from(SDK_VERSION))
    );
    assert_eq!(
        resource.attributes.get("deployment.environment.name"),
        Some(&Value::from("test"))
    );
    let scope = Arc::new(Scope {
        name: "interop.test".into(),
        version: "2.0".into(),
    });

    // SimpleSpanProcessor exports each span when it ends: the child first.
    let child = Span {
        trace_id: ids.trace_id,
        span_id: ids.child,
        parent_span_id: Some(ids.parent),
        name: "child".into(),
        kind: SpanKind::Client,
        start_unix_nanos: T0 + 2_000,
        end_unix_nanos: T0 + 5_000,
        status: Status {
            code: StatusCode::Error,
            message: "boom".into(),
        },
        attributes: Attributes::new(),
        events: vec![],
        links: vec![Link {
            trace_id: "0af7651916cd43dd8448eb211c80319c".parse().unwrap(),
            span_id: "b7ad6b7169203331".parse().unwrap(),
            attributes: [("link.reason", Value::from("batch"))]
                .into_iter()
                .collect(),
        }],
        resource: Arc::clone(resource),
        scope: Arc::clone(&scope),
    };
    let parent = Span {
        trace_id: ids.trace_id,
        span_id: ids.parent,
        parent_span_id: None,
        name: "parent".into(),
        kind: SpanKind::Server,
        start_unix_nanos: T0,
        end_unix_nanos: T0 + 9_000,
        status: Status {
            code: StatusCode::Ok,
            message: String::new(),
        },
        attributes: [
            ("str", Value::from("text")),
            ("bool", Value::Bool(true)),
            ("int", Value::Int(-42)),
            ("float", Value::Double(2.5)),
            (
                "strs",
                Value::Array(vec![Value::from("a"), Value::from("b")]),
            ),
            (
                "bools",
                Value::Array(vec![Value::Bool(true), Value::Bool(false)]),
            ),
            ("ints", Value::Array(vec![Value::Int(1), Value::Int(2)])),
            (
                "floats",
                Value::Array(vec![Value::Double(0.5), Value::Double(1.5)]),
            ),
        ]
        .into_iter()
        .collect(),
        events: vec![Event {
            name: "cache.miss".into(),
            time_unix_nanos: T0 + 1_000,
            attributes: [
                ("cache.key", Value::from("user:1")),
                ("attempt", Value::Int(2)),
            ]
            .into_iter()
            .collect(),
        }],
        links: vec![],
        resource: Arc::clone(resource),
        scope: Arc::clone(&scope),
    };
    assert_eq!(
        spans.iter().map(|s| (**s).clone()).collect::<Vec<_>>(),
        [child, parent],
        "{transport}: spans"
    );

    let logs: Vec<Arc<LogRecord>> = store
        .logs()
        .into_iter()
        .filter(|record| of_service(&record.resource))
        .collect();
    assert_eq!(logs.len(), 1, "{transport}: one log record");
    let record = &logs[0];
    assert_eq!(
        (
            record.severity_number,
            record.severity_text.as_str(),
            &record.body,
            record.trace_id,
            record.span_id
        ),
        (
            13,
            "WARN",
            &Value::from("child is slow: 7 ms"),
            Some(ids.trace_id),
            Some(ids.child)
        ),
        "{transport}: log record"
    );
    assert_eq!(record.scope.name, format!("interop.{transport}"));
    assert!(record.time_unix_nanos.is_some() && record.observed_time_unix_nanos.is_some());

    let points: Vec<Arc<MetricPoint>> = store
        .metric_points()
        .into_iter()
        .filter(|point| of_service(&point.resource))
        .collect();
    assert_eq!(points.len(), 2, "{transport}: two metric points");
    let jobs = &points[0];
    assert_eq!(
        (
            jobs.name.as_str(),
            jobs.unit.as_str(),
            jobs.description.as_str(),
            &jobs.value,
            &jobs.attributes,
            &*jobs.scope
        ),
        (
            "jobs",
            "{job}",
            "Jobs done",
            &MetricValue::Sum {
                value: Number::Int(3),
                monotonic: true,
                temporality: Temporality::Cumulative
            },
            &[("queue", Value::from("high"))]
                .into_iter()
                .collect::<Attributes>(),
            &*scope,
        ),
        "{transport}: counter"
    );
    assert!(jobs
        .start_time_unix_nanos
        .is_some_and(|start| start <= jobs.time_unix_nanos));
    let MetricValue::Histogram(latency) = &points[1].value else {
        panic!("{transport}: latency is not a histogram")
    };
    assert_eq!(points[1].name, "latency");
    assert_eq!(
        (latency.count, latency.sum, latency.min, latency.max),
        (1, Some(0.25), Some(0.25), Some(0.25))
    );
    assert_eq!(latency.bucket_counts.len(), latency.bounds.len() + 1);
    assert_eq!(latency.bucket_counts.iter().sum::<u64>(), 1);
    assert_eq!(latency.temporality, Temporality::Cumulative);
}
