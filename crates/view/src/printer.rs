//! Writing what the receiver broadcasts as JSON lines: to an output (standard output in
//! `--json` mode, nothing under the terminal UI) and to the `--save` file. Runs on a thread of
//! its own, so a slow reader never stalls the receiver.

use std::io::{self, Write};

use otlp::{jsonl, Received};
use tokio::sync::broadcast::{self, error::RecvError};

use crate::files::SaveFile;
use crate::ViewError;

/// Writes every event's lines, until the subscription ends (the receiver shut down) or `out`
/// is closed by its reader, which ends printing quietly. The lines of one event (one request's
/// items) are written together, in one write, then `out` and the save file are flushed: a
/// write and a flush per line cost more than the line itself under load. Lost events (the
/// writer fell behind) are reported on `notices`.
pub(crate) fn print(
    mut events: broadcast::Receiver<Received>,
    mut out: impl Write,
    mut save: Option<SaveFile>,
    mut notices: impl Write,
) -> Result<(), ViewError> {
    let mut text = String::new();
    let mut writer = jsonl::LineWriter::new();
    loop {
        let received = match events.blocking_recv() {
            Ok(received) => received,
            Err(RecvError::Closed) => return Ok(()),
            Err(RecvError::Lagged(missed)) => {
                let _ = writeln!(
                    notices,
                    "autotel view: the output fell behind; {missed} batches of telemetry were not printed"
                );
                continue;
            }
        };
        text.clear();
        lines(&mut writer, &received, &mut text);
        match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
            Ok(()) => {}
            Err(error) if error.kind() == io::ErrorKind::BrokenPipe => return Ok(()),
            Err(error) => return Err(ViewError::Output(error)),
        }
        if let Some(save) = &mut save {
            save.writer
                .write_all(text.as_bytes())
                .and_then(|()| save.writer.flush())
                .map_err(|error| save.error(error))?;
        }
    }
}

/// Appends the event's lines to `text`, each ending with a newline.
fn lines(writer: &mut jsonl::LineWriter, received: &Received, text: &mut String) {
    match received {
        Received::Spans(spans) => {
            for span in spans.iter() {
                writer.push_span_line(text, span);
                text.push('\n');
            }
        }
        Received::Logs(logs) => {
            for record in logs.iter() {
                writer.push_log_line(text, record);
                text.push('\n');
            }
        }
        Received::MetricPoints(points) => {
            for point in points.iter() {
                writer.push_metric_line(text, point);
                text.push('\n');
            }
        }
    }
}
