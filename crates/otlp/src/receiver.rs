//! Starting and stopping the receiver: binds both listeners, runs the gRPC and HTTP servers
//! over one [`Store`], and shuts them down gracefully. [`BackgroundReceiver`] wraps it for
//! synchronous callers (tests, the CLI) with its own runtime on its own thread.

use std::fmt;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;

use crate::store::{Store, StoreLimits};
use crate::{grpc, http};

/// Where to listen and how much to keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiverConfig {
    /// OTLP/gRPC address; port 0 picks a free port.
    pub grpc: SocketAddr,
    /// OTLP/HTTP address; port 0 picks a free port.
    pub http: SocketAddr,
    pub limits: StoreLimits,
    /// The largest request accepted, in bytes, before and after decompression.
    pub max_request_bytes: usize,
}

/// The standard OTLP ports on loopback.
pub const DEFAULT_GRPC_PORT: u16 = 4317;
pub const DEFAULT_HTTP_PORT: u16 = 4318;
/// 16 MiB.
pub const DEFAULT_MAX_REQUEST_BYTES: usize = 16 << 20;

impl Default for ReceiverConfig {
    /// `127.0.0.1:4317` (gRPC), `127.0.0.1:4318` (HTTP), default limits, 16 MiB requests.
    fn default() -> Self {
        ReceiverConfig {
            grpc: (Ipv4Addr::LOCALHOST, DEFAULT_GRPC_PORT).into(),
            http: (Ipv4Addr::LOCALHOST, DEFAULT_HTTP_PORT).into(),
            limits: StoreLimits::default(),
            max_request_bytes: DEFAULT_MAX_REQUEST_BYTES,
        }
    }
}

impl ReceiverConfig {
    /// Both servers on `ip`, on ports the system picks: for tests.
    pub fn ephemeral(ip: std::net::IpAddr) -> Self {
        ReceiverConfig {
            grpc: (ip, 0).into(),
            http: (ip, 0).into(),
            ..ReceiverConfig::default()
        }
    }
}

/// The two transports, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    Grpc,
    Http,
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Protocol::Grpc => "gRPC",
            Protocol::Http => "HTTP",
        })
    }
}

/// Why the receiver could not start or stopped badly. Each message is complete on its own
/// (it includes the underlying error), so print it with `{}`.
#[derive(Debug, thiserror::Error)]
pub enum ReceiverError {
    #[error(
        "cannot listen on {addr} for OTLP/{protocol}: address in use (is another OpenTelemetry collector \
         or `autotel view` running? stop it or choose another port)"
    )]
    AddressInUse {
        protocol: Protocol,
        addr: SocketAddr,
    },
    #[error("cannot listen on {addr} for OTLP/{protocol}: {error}")]
    Bind {
        protocol: Protocol,
        addr: SocketAddr,
        error: io::Error,
    },
    #[error("the OTLP/gRPC server failed: {0}")]
    Grpc(tonic::transport::Error),
    #[error("the OTLP/HTTP server failed: {0}")]
    Http(io::Error),
    #[error("cannot start the receiver's runtime: {0}")]
    Runtime(io::Error),
    #[error("the receiver's thread panicked")]
    Panicked,
}

/// How long `shutdown` lets open connections finish before it drops them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// A running receiver on the current tokio runtime.
pub struct Receiver {
    grpc_addr: SocketAddr,
    http_addr: SocketAddr,
    store: Arc<Store>,
    stop: watch::Sender<bool>,
    grpc_task: JoinHandle<Result<(), tonic::transport::Error>>,
    http_task: JoinHandle<io::Result<()>>,
}

impl Receiver {
    /// Binds both addresses and starts serving. Fails before serving anything if either
    /// address cannot be bound.
    pub async fn start(config: ReceiverConfig) -> Result<Receiver, ReceiverError> {
        let grpc_listener = bind(Protocol::Grpc, config.grpc).await?;
        let http_listener = bind(Protocol::Http, config.http).await?;
        let local_addr = |protocol, addr, listener: &TcpListener| {
            listener.local_addr().map_err(|error| ReceiverError::Bind {
                protocol,
                addr,
                error,
            })
        };
        let grpc_addr = local_addr(Protocol::Grpc, config.grpc, &grpc_listener)?;
        let http_addr = local_addr(Protocol::Http, config.http, &http_listener)?;

        let store = Arc::new(Store::new(config.limits));
        let (stop, stopped) = watch::channel(false);
        let signal = |mut stopped: watch::Receiver<bool>| async move {
            // An error means the sender is gone: stop then too.
            let _ = stopped.wait_for(|stop| *stop).await;
        };
        let grpc_task = tokio::spawn(grpc::serve(
            grpc_listener,
            Arc::clone(&store),
            config.max_request_bytes,
            signal(stopped.clone()),
        ));
        let router = http::router(Arc::clone(&store), config.max_request_bytes);
        let http_task = tokio::spawn(async move {
            axum::serve(http_listener, router)
                .with_graceful_shutdown(signal(stopped))
                .await
        });
        Ok(Receiver {
            grpc_addr,
            http_addr,
            store,
            stop,
            grpc_task,
            http_task,
        })
    }

    /// The bound gRPC address (the real port when 0 was asked for).
    pub fn grpc_addr(&self) -> SocketAddr {
        self.grpc_addr
    }

    /// The bound HTTP address (the real port when 0 was asked for).
    pub fn http_addr(&self) -> SocketAddr {
        self.http_addr
    }

    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// Stops accepting, lets open requests finish (up to 5 s, then drops them), ends the
    /// store's subscriptions and reports whether either server had failed. The store stays
    /// readable.
    pub async fn shutdown(self) -> Result<(), ReceiverError> {
        let Receiver {
            stop,
            mut grpc_task,
            mut http_task,
            store,
            ..
        } = self;
        let _ = stop.send(true);
        let grpc = tokio::time::timeout(SHUTDOWN_GRACE, &mut grpc_task).await;
        let http = tokio::time::timeout(SHUTDOWN_GRACE, &mut http_task).await;
        grpc_task.abort();
        http_task.abort();
        store.close_subscriptions();
        match grpc {
            Ok(Ok(Err(error))) => return Err(ReceiverError::Grpc(error)),
            Ok(Err(join)) if join.is_panic() => return Err(ReceiverError::Panicked),
            _ => {}
        }
        match http {
            Ok(Ok(Err(error))) => Err(ReceiverError::Http(error)),
            Ok(Err(join)) if join.is_panic() => Err(ReceiverError::Panicked),
            _ => Ok(()),
        }
    }
}

async fn bind(protocol: Protocol, addr: SocketAddr) -> Result<TcpListener, ReceiverError> {
    TcpListener::bind(addr)
        .await
        .map_err(|error| match error.kind() {
            io::ErrorKind::AddrInUse => ReceiverError::AddressInUse { protocol, addr },
            _ => ReceiverError::Bind {
                protocol,
                addr,
                error,
            },
        })
}

/// A receiver running on its own thread with its own multi-threaded tokio runtime, for
/// synchronous code. Dropping it stops the receiver and waits for the thread.
pub struct BackgroundReceiver {
    grpc_addr: SocketAddr,
    http_addr: SocketAddr,
    store: Arc<Store>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<thread::JoinHandle<Result<(), ReceiverError>>>,
}

impl BackgroundReceiver {
    /// Starts the receiver and returns once both addresses are bound.
    pub fn spawn(config: ReceiverConfig) -> Result<BackgroundReceiver, ReceiverError> {
        let (ready_tx, ready_rx) = mpsc::channel();
        let (stop, stop_rx) = oneshot::channel::<()>();
        let thread = thread::Builder::new()
            .name("otlp-receiver".to_owned())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .thread_name("otlp-receiver-worker")
                    .enable_all()
                    .build()
                    .map_err(ReceiverError::Runtime)?;
                runtime.block_on(async move {
                    let receiver = match Receiver::start(config).await {
                        Ok(receiver) => receiver,
                        Err(error) => {
                            let _ = ready_tx.send(Err(error));
                            return Ok(());
                        }
                    };
                    let started = (
                        receiver.grpc_addr(),
                        receiver.http_addr(),
                        Arc::clone(receiver.store()),
                    );
                    let _ = ready_tx.send(Ok(started));
                    // Also stops when the handle is dropped without a send.
                    let _ = stop_rx.await;
                    receiver.shutdown().await
                })
            })
            .map_err(ReceiverError::Runtime)?;
        match ready_rx.recv() {
            Ok(Ok((grpc_addr, http_addr, store))) => Ok(BackgroundReceiver {
                grpc_addr,
                http_addr,
                store,
                stop: Some(stop),
                thread: Some(thread),
            }),
            Ok(Err(error)) => {
                let _ = thread.join();
                Err(error)
            }
            // The thread ended without a word: its runtime failed to build, or it panicked.
            Err(_) => Err(match thread.join() {
                Ok(Err(error)) => error,
                _ => ReceiverError::Panicked,
            }),
        }
    }

    pub fn grpc_addr(&self) -> SocketAddr {
        self.grpc_addr
    }

    pub fn http_addr(&self) -> SocketAddr {
        self.http_addr
    }

    /// `http://ADDR` of the gRPC server, for `OTEL_EXPORTER_OTLP_ENDPOINT` with `grpc`.
    pub fn grpc_endpoint(&self) -> String {
        format!("http://{}", self.grpc_addr)
    }

    /// `http://ADDR` of the HTTP server, for `OTEL_EXPORTER_OTLP_ENDPOINT` with `http/protobuf`.
    pub fn http_endpoint(&self) -> String {
        format!("http://{}", self.http_addr)
    }

    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// Stops the receiver and reports whether it had failed.
    pub fn shutdown(mut self) -> Result<(), ReceiverError> {
        self.stop_and_join()
    }

    fn stop_and_join(&mut self) -> Result<(), ReceiverError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.thread.take().map(thread::JoinHandle::join) {
            None => Ok(()),
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(ReceiverError::Panicked),
        }
    }
}

impl Drop for BackgroundReceiver {
    fn drop(&mut self) {
        let _ = self.stop_and_join();
    }
}
