//! `--json` mode: runs the receiver and prints each received item as a JSON line (flushed
//! line by line) on a thread of its own, so a slow reader never stalls the receiver; appends
//! the same lines to the `--save` file; feeds the `--replay` file in first. It stops at the
//! first stop request, or quietly when the reader of standard output goes away.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::thread;

use otlp::model::Batch;
use otlp::{jsonl, Received, Receiver};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{broadcast, mpsc, oneshot};

use crate::{ViewError, ViewOptions};

/// Serves until a message arrives on `stops` (or it closes) or `out` is closed by its reader.
/// A second stop while the last lines are still being written gives up on them.
pub(crate) async fn serve<W, E>(
    options: &ViewOptions,
    out: W,
    mut notices: E,
    mut stops: mpsc::Receiver<()>,
) -> Result<(), ViewError>
where
    W: Write + Send + 'static,
    E: Write + Send + 'static,
{
    if let (Some(save), Some(replay)) = (&options.save, &options.replay) {
        if same_file(save, replay) {
            return Err(ViewError::SaveIsReplay(replay.clone()));
        }
    }
    let replay = options.replay.as_deref().map(load_replay).transpose()?;
    let save = options.save.as_deref().map(open_save).transpose()?;
    let receiver = Receiver::start(options.receiver_config()).await?;
    let events = receiver.store().subscribe();
    // The notice is a courtesy: a closed standard error must not stop the viewer.
    let _ = writeln!(
        notices,
        "autotel view: listening for OTLP/gRPC on {} and OTLP/HTTP on {}; JSON lines go to standard output (Ctrl-C stops)",
        receiver.grpc_addr(),
        receiver.http_addr()
    );
    let (printed_all, mut printer_done) = oneshot::channel();
    let printer = thread::Builder::new()
        .name("autotel-view-print".to_owned())
        .spawn(move || {
            let result = print(events, out, save, notices);
            let _ = printed_all.send(());
            result
        })
        .map_err(ViewError::Runtime)?;
    if let Some(batch) = replay {
        receiver.store().insert(batch);
    }

    let reader_left = tokio::select! {
        _ = stops.recv() => false,
        _ = &mut printer_done => true,
    };
    let stopped = receiver.shutdown().await;
    if !reader_left {
        tokio::select! {
            _ = &mut printer_done => {}
            _ = stops.recv() => return stopped.map_err(ViewError::from),
        }
    }
    let printed = printer.join().unwrap_or_else(|_| Err(ViewError::Output(io::Error::other("the printing thread panicked"))));
    stopped?;
    printed
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (fs::canonicalize(a), fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

fn load_replay(path: &Path) -> Result<Batch, ViewError> {
    let file = File::open(path).map_err(|error| ViewError::ReplayOpen { path: path.to_owned(), error })?;
    jsonl::read(BufReader::new(file)).map_err(|error| ViewError::Replay { path: path.to_owned(), error })
}

/// The `--save` file, opened for appending (created if missing).
struct SaveFile {
    path: PathBuf,
    writer: BufWriter<File>,
}

fn open_save(path: &Path) -> Result<SaveFile, ViewError> {
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|error| ViewError::SaveOpen { path: path.to_owned(), error })?;
    Ok(SaveFile { path: path.to_owned(), writer: BufWriter::new(file) })
}

/// Writes every event's lines until the subscription ends (the receiver shut down) or `out`
/// is closed by its reader, which ends printing quietly.
fn print(
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

impl SaveFile {
    fn error(&self, error: io::Error) -> ViewError {
        ViewError::Save { path: self.path.clone(), error }
    }
}

fn lines(received: &Received) -> Vec<String> {
    match received {
        Received::Spans(spans) => spans.iter().map(|span| jsonl::span_line(span)).collect(),
        Received::Logs(logs) => logs.iter().map(|record| jsonl::log_line(record)).collect(),
        Received::MetricPoints(points) => points.iter().map(|point| jsonl::metric_line(point)).collect(),
    }
}

#[cfg(test)]
mod tests;
