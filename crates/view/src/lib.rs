//! `autotel view`: an embedded OTLP receiver (gRPC and HTTP, from the `otlp` crate) shown in
//! one of two ways:
//! - a terminal UI (design.md §4): trace list with filter and sort, waterfall with a
//!   collapsible span tree and duration bars, span details (attributes, events, links,
//!   resource, status, logs), logs, metrics and a service map;
//! - `--json`: one JSON line per received span, log record and metric point on standard
//!   output (the format is documented in `otlp::jsonl`), a one-line notice on standard error.
//!
//! The CLI maps its flags onto [`ViewOptions`] and calls [`run`], which blocks until SIGINT or
//! SIGTERM, `q`/Ctrl-C in the terminal UI, or standard output being closed in `--json` mode
//! (e.g. `autotel view --json | head`), and returns `Ok(())` then. Errors are complete
//! one-line messages meant for the user; their advice names the flags `--listen`,
//! `--grpc-port`, `--http-port` and `--json`, which the CLI is expected to define with the
//! meaning of the fields below (also `--save` and `--replay`). Without `--json`, standard
//! output must be a terminal ([`ViewError::NotATerminal`] otherwise).
//!
//! Keys of the terminal UI: `Tab`/`Shift-Tab` or `1`–`4` switch between Traces, Logs, Metrics
//! and Services; `↑↓`/`j k`, `PgUp PgDn`, `Home End`/`g G` move; `Enter` opens a trace (from a
//! log record: its trace, at its span); `/` filters the trace or log list (`Enter` keeps,
//! `Esc` clears); `s` changes the trace order (newest, slowest, errors first); in a trace,
//! `←→`/`h l` fold and unfold (`←` on a leaf goes to the parent), `Space` toggles, `d` hides
//! or shows the span details, `t` switches their logs between the span and the whole trace,
//! `J K` scroll them, `Esc` goes back; the mouse wheel moves the selection; `?` shows the
//! keys; `q` or `Ctrl-C` quits. Times are UTC.
//!
//! ```no_run
//! let options = view::ViewOptions { json: true, ..view::ViewOptions::default() };
//! if let Err(error) = view::run(options) {
//!     eprintln!("autotel view: {error}");
//!     std::process::exit(2);
//! }
//! ```
//!
//! This crate decodes no OTLP itself and keeps no telemetry of its own: the receiver and its
//! store do.

mod files;
mod json_mode;
mod printer;
mod tui;

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;

pub use otlp::StoreLimits;
use otlp::{ReceiverConfig, ReceiverError};

/// What `autotel view` was asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewOptions {
    /// The address both servers listen on (`--listen`); loopback unless told otherwise.
    pub listen: IpAddr,
    /// OTLP/gRPC port (`--grpc-port`, default 4317; 0 picks a free one).
    pub grpc_port: u16,
    /// OTLP/HTTP port (`--http-port`, default 4318; 0 picks a free one).
    pub http_port: u16,
    /// Print JSON lines to standard output instead of showing the terminal UI (`--json`).
    pub json: bool,
    /// Also append every JSON line to this file (`--save FILE`).
    pub save: Option<PathBuf>,
    /// Load a JSON-lines file (as written by `--json` or `--save`) before receiving (`--replay FILE`).
    pub replay: Option<PathBuf>,
    /// How much the terminal UI's store keeps. With `--json` the store keeps nothing: every
    /// item is printed as it arrives and then let go.
    pub limits: StoreLimits,
}

impl Default for ViewOptions {
    /// Loopback, ports 4317 and 4318, the terminal UI, nothing saved or replayed, default limits.
    fn default() -> Self {
        ViewOptions {
            listen: IpAddr::V4(Ipv4Addr::LOCALHOST),
            grpc_port: otlp::DEFAULT_GRPC_PORT,
            http_port: otlp::DEFAULT_HTTP_PORT,
            json: false,
            save: None,
            replay: None,
            limits: StoreLimits::default(),
        }
    }
}

impl ViewOptions {
    fn receiver_config(&self) -> ReceiverConfig {
        let keep_nothing = StoreLimits {
            max_spans: 0,
            max_logs: 0,
            max_metric_points: 0,
        };
        ReceiverConfig {
            grpc: SocketAddr::new(self.listen, self.grpc_port),
            http: SocketAddr::new(self.listen, self.http_port),
            limits: if self.json { keep_nothing } else { self.limits },
            ..ReceiverConfig::default()
        }
    }
}

/// Why `autotel view` could not run or stopped early.
#[derive(Debug, thiserror::Error)]
pub enum ViewError {
    #[error("{0} (the viewer takes --listen ADDRESS, --grpc-port PORT and --http-port PORT)")]
    Listen(ReceiverError),
    #[error("{0}")]
    Receiver(ReceiverError),
    #[error("--save and --replay name the same file ({}): saving would append the replayed lines to it", .0.display())]
    SaveIsReplay(PathBuf),
    #[error("cannot open the --replay file {}: {error}", path.display())]
    ReplayOpen { path: PathBuf, error: io::Error },
    #[error("cannot replay {}: {error}", path.display())]
    Replay {
        path: PathBuf,
        error: otlp::jsonl::ReadError,
    },
    #[error("cannot open the --save file {}: {error}", path.display())]
    SaveOpen { path: PathBuf, error: io::Error },
    #[error("cannot write to the --save file {}: {error}", path.display())]
    Save { path: PathBuf, error: io::Error },
    #[error("cannot write to standard output: {0}")]
    Output(io::Error),
    #[error("cannot start the viewer: {0}")]
    Runtime(io::Error),
    #[error("standard output is not a terminal, so the viewer cannot show its terminal UI; use --json to stream JSON lines instead")]
    NotATerminal,
    #[error("cannot use the terminal: {0}")]
    Terminal(io::Error),
}

impl From<ReceiverError> for ViewError {
    fn from(error: ReceiverError) -> Self {
        match error {
            ReceiverError::AddressInUse { .. } | ReceiverError::Bind { .. } => {
                ViewError::Listen(error)
            }
            other => ViewError::Receiver(other),
        }
    }
}

/// Runs the viewer until it is told to stop (see the crate documentation).
pub fn run(options: ViewOptions) -> Result<(), ViewError> {
    if !options.json {
        return tui::run(&options);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("autotel-view")
        .enable_all()
        .build()
        .map_err(ViewError::Runtime)?;
    runtime.block_on(async {
        let stops = stop_signals().map_err(ViewError::Runtime)?;
        json_mode::serve(&options, io::stdout(), io::stderr(), stops).await
    })
}

/// A channel that gets one message per SIGINT or SIGTERM.
fn stop_signals() -> io::Result<tokio::sync::mpsc::Receiver<()>> {
    use tokio::signal::unix::{signal, SignalKind};

    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    let (stop, stops) = tokio::sync::mpsc::channel(4);
    tokio::spawn(async move {
        loop {
            tokio::select! {
                Some(()) = interrupt.recv() => {}
                Some(()) = terminate.recv() => {}
                else => break,
            }
            if stop.send(()).await.is_err() {
                break;
            }
        }
    });
    Ok(stops)
}
