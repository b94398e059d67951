//! `autotel view`: the embedded OTLP receiver with a terminal UI (or JSON lines).

use std::net::IpAddr;
use std::path::PathBuf;

/// Receive OTLP (gRPC 4317, HTTP 4318) and show traces, logs and metrics.
///
/// Point programs at it with OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318 (the default of
/// programs built by autotel).
#[derive(clap::Args)]
pub struct Args {
    /// Address to listen on; loopback unless you need otherwise.
    #[arg(long, default_value = "127.0.0.1")]
    listen: IpAddr,
    /// OTLP/gRPC port (0 picks a free one).
    #[arg(long, default_value_t = 4317)]
    grpc_port: u16,
    /// OTLP/HTTP port (0 picks a free one).
    #[arg(long, default_value_t = 4318)]
    http_port: u16,
    /// Print every span, log record and metric point as one JSON object per line instead of the UI.
    #[arg(long)]
    json: bool,
    /// Also append the JSON lines to FILE.
    #[arg(long, value_name = "FILE")]
    save: Option<PathBuf>,
    /// Load a JSON-lines file (from --json or --save) first.
    #[arg(long, value_name = "FILE")]
    replay: Option<PathBuf>,
    /// Spans the terminal UI keeps in memory (--json keeps none); past it the oldest traces are
    /// evicted whole.
    #[arg(long, value_name = "N", default_value_t = view::StoreLimits::default().max_spans)]
    max_spans: usize,
    /// Log records kept in memory; past it the oldest go.
    #[arg(long, value_name = "N", default_value_t = view::StoreLimits::default().max_logs)]
    max_logs: usize,
    /// Metric points kept in memory; past it the oldest go.
    #[arg(long, value_name = "N", default_value_t = view::StoreLimits::default().max_metric_points)]
    max_metric_points: usize,
}

pub fn exec(args: Args) -> Result<u8, Box<dyn std::error::Error>> {
    view::run(view::ViewOptions {
        listen: args.listen,
        grpc_port: args.grpc_port,
        http_port: args.http_port,
        json: args.json,
        save: args.save,
        replay: args.replay,
        limits: view::StoreLimits {
            max_spans: args.max_spans,
            max_logs: args.max_logs,
            max_metric_points: args.max_metric_points,
        },
    })?;
    Ok(0)
}
