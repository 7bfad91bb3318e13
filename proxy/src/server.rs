//! The accept loop: one task per client, a semaphore bounding how many run
//! at once, accept errors retried with backoff, and a graceful shutdown that
//! stops accepting and closes every connection.
//!
//! Each connection's failure is its own: it is reported once through the
//! [`Log`] callback (libraries do not print) and touches no other client.

use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::connection::{ConnectionConfig, ConnectionError, serve};
use crate::tap::{TapError, TapQueue};
use crate::traffic::Traffic;

/// The proxy's settings.
#[derive(Debug, Clone)]
pub struct ProxyConfig {
    /// Upstream address and TLS handling, for every connection.
    pub connection: ConnectionConfig,
    /// Client connections served at once; further clients wait to be accepted.
    pub max_connections: usize,
}

/// Something the operator should hear about, one line each.
#[derive(Debug)]
pub enum Notice {
    /// A connection ended with an error.
    Connection {
        id: u64,
        peer: SocketAddr,
        error: ConnectionError,
    },
    /// The tap stopped analysing a connection (the relay went on).
    TapStopped {
        id: u64,
        peer: SocketAddr,
        error: TapError,
    },
    /// Accepting failed; retried after `retry`.
    Accept {
        error: std::io::Error,
        retry: Duration,
    },
}

impl fmt::Display for Notice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Notice::Connection { id, peer, error } => {
                write!(f, "connection proxy:{id} from {peer} closed: {error}")
            }
            Notice::TapStopped { id, peer, error } => write!(
                f,
                "connection proxy:{id} from {peer}: stopped analysing (still relayed): {error}"
            ),
            Notice::Accept { error, retry } => {
                write!(f, "accept failed: {error}; retrying in {retry:?}")
            }
        }
    }
}

/// Where notices go.
pub type Log = Arc<dyn Fn(Notice) + Send + Sync>;

/// The longest pause between failed accepts.
const MAX_BACKOFF: Duration = Duration::from_secs(2);

/// Accepts clients on `listener` and relays each to the upstream, tapping
/// what they exchange into `taps` (for a [`crate::Decoder`]) and
/// connection counts into `traffic`, until `shutdown` completes; then
/// closes every connection and returns.
pub async fn run(
    listener: TcpListener,
    config: ProxyConfig,
    taps: Arc<TapQueue>,
    traffic: Arc<Traffic>,
    log: Log,
    shutdown: impl Future<Output = ()>,
) {
    let limit = Arc::new(Semaphore::new(config.max_connections.max(1)));
    let config = Arc::new(config.connection);
    let mut tasks = JoinSet::new();
    let mut next_id = 0_u64;
    tokio::pin!(shutdown);
    loop {
        // Step 1: wait for a free slot, then a client (or the shutdown).
        let permit = tokio::select! {
            p = limit.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let accepted = tokio::select! {
            a = accept(&listener, &log) => a,
            () = &mut shutdown => break,
        };
        let (stream, peer) = accepted;
        next_id += 1;
        let id = next_id;
        // Step 2: serve it on its own task, aborted at shutdown (a shutdown
        // signal polled beside the relay at each wake-up cost 6 % of the
        // relay's instructions: bench/README.md).
        let (config, taps, traffic, log) =
            (config.clone(), taps.clone(), traffic.clone(), log.clone());
        tasks.spawn(async move {
            let _permit = permit;
            match serve(stream, id, &config, &taps, &traffic).await {
                Ok(outcome) => {
                    if let Some(error) = outcome.tap_error {
                        log(Notice::TapStopped { id, peer, error });
                    }
                }
                Err(error) => log(Notice::Connection { id, peer, error }),
            }
        });
        // Reap finished tasks so the set does not grow with every client served.
        while tasks.try_join_next().is_some() {}
    }
    // Step 3: close every connection (dropping its relay ends its session)
    // and wait for the tasks to end.
    tasks.shutdown().await;
}

/// Accepts one client, retrying failures (say, out of file descriptors)
/// with a doubling pause.
async fn accept(listener: &TcpListener, log: &Log) -> (tokio::net::TcpStream, SocketAddr) {
    let mut backoff = Duration::from_millis(10);
    loop {
        match listener.accept().await {
            Ok(accepted) => return accepted,
            Err(error) => {
                log(Notice::Accept {
                    error,
                    retry: backoff,
                });
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}
