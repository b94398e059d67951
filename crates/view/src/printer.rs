//! Writing what the receiver broadcasts as JSON lines: to an output (standard output in
//! `--json` mode, nothing under the terminal UI) and to the `--save` file. Runs on a thread of
//! its own, so a slow reader never stalls the receiver.

use std::io::{self, Write};

use otlp::{jsonl, Received};
use tokio::sync::broadcast::{self, error::RecvError};

use crate::files::SaveFile;
use crate::ViewError;

/// Writes every event's lines, flushing `out` after each line and the save file after each
/// event, until the subscription ends (the receiver shut down) or `out` is closed by its
/// reader, which ends printing quietly. Lost events (the writer fell behind) are reported on
/// `notices`.
pub(crate) fn print(
    mut events: broadcast::Receiver<Received>,
    mut out: impl Write,
    mut save: Option<SaveFile>,
    mut notices: impl Write,
) -> Result<(), ViewError> {
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
        for line in lines(&received) {
            match writeln!(out, "{line}").and_then(|()| out.flush()) {
                Ok(()) => {}
                Err(error) if error.kind() == io::ErrorKind::BrokenPipe => return Ok(()),
                Err(error) => return Err(ViewError::Output(error)),
            }
            if let Some(save) = &mut save {
                writeln!(save.writer, "{line}").map_err(|error| save.error(error))?;
            }
        }
        if let Some(save) = &mut save {
            save.writer.flush().map_err(|error| save.error(error))?;
        }
    }
}

fn lines(received: &Received) -> Vec<String> {
    match received {
        Received::Spans(spans) => spans.iter().map(|span| jsonl::span_line(span)).collect(),
        Received::Logs(logs) => logs.iter().map(|record| jsonl::log_line(record)).collect(),
        Received::MetricPoints(points) => points
            .iter()
            .map(|point| jsonl::metric_line(point))
            .collect(),
    }
}
