use crate::harness::*;
use crate::support::*;
use crate::traces::*;

/// The line of `output` that `logger` wrote for `message`.
fn line<'o>(output: &'o str, message: &str, logger: &str) -> &'o str {
    let markers = [format!("logger={logger}"), format!(r#""logger":"{logger}""#)];
    output
        .lines()
        .find(|l| l.contains(message) && markers.iter().any(|m| l.contains(m.as_str())))
        .unwrap_or_else(|| panic!("no {logger} line for {message:?} in:\n{output}"))
}

#[test]
fn log_lines_in_handlers_carry_the_request_trace_id_in_every_logger() {
    check_log_lines(Build::Instrumented);
}

/// With go1.27.4, or the release `AUTOTEL_SAMPLE_GO` names (scripts/go-matrix --ci).
#[test]
fn log_lines_carry_the_trace_id_with_another_go() {
    check_log_lines(Build::AnotherGo);
}

fn check_log_lines(build: Build) {
    let d = deploy("", build);
    let (status, body) = http_get(&d.a.url("/call-b"), &[]);
    assert_eq!(status, 200, "{body}");
    let (a_server, spans) = trace_of(&d.receiver, "GET /call-b", 7);
    let b_server = spans.iter().find(|s| s.name == "GET /data").expect("B's server span").clone();
    let Deployment { a, b, .. } = d;
    let (_, a_out, a_err) = a.stop();
    let (_, b_out, b_err) = b.stop();
    let trace_id = a_server.trace_id.to_string();

    for (service, out, err, message, server) in
        [("A", &a_out, &a_err, "handling /call-b", &a_server), ("B", &b_out, &b_err, "handling /data", &b_server)]
    {
        let span_id = server.span_id.to_string();
        // The standard logger writes text to stderr; slog (JSON), logrus (text), zap and
        // zerolog (JSON) write to stdout.
        let std_line = line(err, message, "log");
        assert!(std_line.contains(&trace_id), "{service}: log line without the trace id {trace_id}: {std_line}");
        let slog_line = line(out, message, "slog");
        assert!(slog_line.contains(&format!(r#""trace_id":"{trace_id}""#)), "{service}: slog line without the trace id {trace_id}: {slog_line}");
        let logrus_line = line(out, message, "logrus");
        assert!(
            logrus_line.contains(&format!("trace_id={trace_id}")) && logrus_line.contains(&format!("span_id={span_id}")),
            "{service}: logrus line without trace_id={trace_id} span_id={span_id}: {logrus_line}"
        );
        for logger in ["zap", "zerolog"] {
            let json_line = line(out, message, logger);
            assert!(
                json_line.contains(&format!(r#""trace_id":"{trace_id}""#)) && json_line.contains(&format!(r#""span_id":"{span_id}""#)),
                "{service}: {logger} line without trace_id {trace_id} and span_id {span_id}: {json_line}"
            );
        }
    }
}
