//! `--json` mode: runs the receiver and prints each received item as a JSON line (through
//! `printer`, on a thread of its own); feeds the `--replay` file in first. It stops at the
//! first stop request, or quietly when the reader of standard output goes away.

use std::io::{self, Write};
use std::thread;

use otlp::Receiver;
use tokio::sync::{mpsc, oneshot};

use crate::{files, printer, ViewError, ViewOptions};

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
    let (replay, save) = files::open(options)?;
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
            let result = printer::print(events, out, save, notices);
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
    let printed = printer.join().unwrap_or_else(|_| {
        Err(ViewError::Output(io::Error::other(
            "the printing thread panicked",
        )))
    });
    stopped?;
    printed
}

#[cfg(test)]
mod tests;
