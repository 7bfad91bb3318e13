//! One client connection: the startup phase (SSL negotiation, cancel
//! requests, the startup message), then the relay in both directions.
//!
//! Each direction reads into its own buffer, writes what it read to the
//! other side unchanged, and only then hands the same bytes to the tap,
//! which frames them and queues a copy for the decoder's thread — so
//! analysis never delays a byte, and the bytes a client receives are exactly
//! the ones the server sent. Authentication passes through like any other
//! message: the proxy never terminates it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::message::{FrameError, Framer, Initial, initial_len, parse_initial};
use crate::session::{SessionInfo, SessionStats, Side};
use crate::tap::{Tap, TapError, TapQueue};
use crate::traffic::Traffic;

/// What the proxy does with a client's `SSLRequest`, or with TLS a client
/// opens at once (`sslnegotiation=direct`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TlsMode {
    /// Answer `N` itself: the client continues in plaintext and is tapped.
    /// Direct TLS cannot be declined: that connection is closed, and logged.
    #[default]
    Decline,
    /// Forward it: if the server accepts, the encrypted bytes are relayed
    /// untouched and nothing is tapped.
    Passthrough,
}

/// Why a connection ended badly.
#[derive(Debug, thiserror::Error)]
pub enum ConnectionError {
    /// The upstream server could not be reached.
    #[error("cannot connect to upstream {upstream}: {source}")]
    Upstream {
        upstream: String,
        source: std::io::Error,
    },
    /// The client closed before finishing its startup message.
    #[error("client closed during startup")]
    ClosedInStartup,
    /// The client did not finish its startup in time.
    #[error("client sent no complete startup message within {0:?}")]
    StartupTimeout(Duration),
    /// The client's first message is not PostgreSQL protocol.
    #[error("malformed startup from client: {0}")]
    BadStartup(#[from] FrameError),
    /// The client opened with TLS at once, and TLS is declined.
    #[error(
        "the client opened with TLS directly (sslnegotiation=direct): relaying it needs \
         --tls-passthrough"
    )]
    DirectTls,
    /// Reading or writing a socket failed.
    #[error("{side} connection failed: {source}")]
    Io {
        side: &'static str,
        source: std::io::Error,
    },
}

/// How a connection went, for the server's log.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Why the tap stopped while the relay went on.
    pub tap_error: Option<TapError>,
}

/// How long a client may take to send its startup message (after any
/// encryption requests), as PostgreSQL's `authentication_timeout` allows
/// by default: a client that connects and stays silent would otherwise
/// hold one of the proxy's connection slots for good.
pub const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);

/// Settings every connection shares.
#[derive(Debug, Clone)]
pub struct ConnectionConfig {
    /// `host:port` of the PostgreSQL server.
    pub upstream: String,
    /// What to do with `SSLRequest`.
    pub tls: TlsMode,
    /// How long the startup phase may take ([`STARTUP_TIMEOUT`]).
    pub startup_timeout: Duration,
}

/// Relay buffer size per direction: large enough for a batch of rows per read.
const BUF: usize = 64 * 1024;

/// Serves one client until the server closes, or either side fails.
///
/// # Errors
/// When the startup is malformed or too slow, the upstream cannot be
/// reached, or a socket fails; the connection is then closed and nothing
/// else is affected.
pub async fn serve(
    mut client: TcpStream,
    id: u64,
    config: &ConnectionConfig,
    taps: &TapQueue,
    traffic: &Traffic,
) -> Result<Outcome, ConnectionError> {
    let _ = client.set_nodelay(true);
    let mut buf = Vec::with_capacity(BUF);
    // One deadline for the whole startup phase, encryption requests included.
    let deadline = tokio::time::Instant::now() + config.startup_timeout;
    loop {
        // Step 1: read one whole untagged startup-phase message.
        let first = tokio::time::timeout_at(deadline, read_initial(&mut client, &mut buf))
            .await
            .map_err(|_| ConnectionError::StartupTimeout(config.startup_timeout))??;
        let len = match first {
            First::Message(len) => len,
            First::DirectTls if config.tls == TlsMode::Passthrough => {
                return passthrough(client, &buf, config, traffic).await;
            }
            First::DirectTls => return Err(ConnectionError::DirectTls),
        };
        match parse_initial(&buf[..len]) {
            Initial::SslRequest if config.tls == TlsMode::Passthrough => {
                return passthrough(client, &buf, config, traffic).await;
            }
            // Not ours to judge: the server answers (an error, most likely).
            Initial::Other { code } => {
                passthrough(client, &buf, config, traffic).await?;
                return Ok(Outcome {
                    tap_error: Some(TapError::UnknownStartup { code }),
                });
            }
            // Step 2: decline encryption; the client goes on in plaintext.
            Initial::SslRequest | Initial::GssEncRequest => {
                buf.drain(..len);
                write(&mut client, b"N", "client").await?;
            }
            // A cancel goes to the server on a connection of its own.
            Initial::CancelRequest => {
                let mut upstream = connect(config).await?;
                write(&mut upstream, &buf, "upstream").await?;
                traffic.cancelled();
                // The server closes the connection once it has processed
                // the request, and clients wait for that close before their
                // next command (libpq's PQcancel does): the client's
                // connection is closed only then, anything the server
                // sends relayed.
                tokio::io::copy(&mut upstream, &mut client)
                    .await
                    .map_err(io_error("cancel"))?;
                return Ok(Outcome::default());
            }
            Initial::Startup { user, database } => {
                let info = SessionInfo {
                    id: Arc::from(format!("proxy:{id}")),
                    user: user.map(Arc::from),
                    database: database.map(Arc::from),
                };
                let mut upstream = connect(config).await?;
                // However the session ends — closed, failed, or cut off by
                // the shutdown dropping this future — its end is counted.
                let tap = taps.open(id, info);
                let _open = OpenSession::new(traffic, Some(&tap));
                // The startup message (and anything after it) goes on unchanged.
                write(&mut upstream, &buf, "upstream").await?;
                // The startup message is untagged: the tap starts after it.
                let mut client_framer = Framer::default();
                tap.feed(&mut client_framer, Side::Client, &buf[len..]);
                buf.clear();
                relay(client, upstream, &tap, client_framer, buf).await?;
                return Ok(Outcome {
                    tap_error: tap.error(),
                });
            }
        }
    }
}

/// How a client opens.
enum First {
    /// With a whole startup-phase message of this length.
    Message(usize),
    /// With a TLS record (PostgreSQL 17's `sslnegotiation=direct`): a
    /// startup message's first byte, its length's highest, is 0 instead.
    DirectTls,
}

/// The byte a TLS handshake record starts with.
const TLS_HANDSHAKE: u8 = 0x16;

/// Reads until `buf` starts with a whole startup-phase message (then its
/// length) or with a TLS record.
async fn read_initial(client: &mut TcpStream, buf: &mut Vec<u8>) -> Result<First, ConnectionError> {
    loop {
        if buf.first() == Some(&TLS_HANDSHAKE) {
            return Ok(First::DirectTls);
        }
        if let Some(len) = initial_len(buf)?
            && buf.len() >= len
        {
            return Ok(First::Message(len));
        }
        let n = client.read_buf(buf).await.map_err(io_error("client"))?;
        if n == 0 {
            return Err(ConnectionError::ClosedInStartup);
        }
    }
}

async fn connect(config: &ConnectionConfig) -> Result<TcpStream, ConnectionError> {
    let stream = TcpStream::connect(&config.upstream)
        .await
        .map_err(|source| ConnectionError::Upstream {
            upstream: config.upstream.clone(),
            source,
        })?;
    let _ = stream.set_nodelay(true);
    Ok(stream)
}

async fn write(
    to: &mut (impl AsyncWrite + Unpin),
    bytes: &[u8],
    side: &'static str,
) -> Result<(), ConnectionError> {
    to.write_all(bytes).await.map_err(io_error(side))
}

/// Wraps a socket error on `side` (client, upstream, …) for the log.
fn io_error(side: &'static str) -> impl FnOnce(std::io::Error) -> ConnectionError {
    move |source| ConnectionError::Io { side, source }
}

/// Forwards `request`, then relays both ways as opaque bytes (nothing to
/// tap): an `SSLRequest` passed through, whose encrypted stream follows if
/// the server accepts, direct TLS, or a first message the proxy does not know.
async fn passthrough(
    mut client: TcpStream,
    request: &[u8],
    config: &ConnectionConfig,
    traffic: &Traffic,
) -> Result<Outcome, ConnectionError> {
    let mut upstream = connect(config).await?;
    let _open = OpenSession::new(traffic, None);
    write(&mut upstream, request, "upstream").await?;
    // From here on both sides talk through us as opaque bytes, whatever the answer.
    tokio::io::copy_bidirectional(&mut client, &mut upstream)
        .await
        .map_err(io_error("passthrough"))?;
    Ok(Outcome::default())
}

/// A session counted open in [`Traffic`] until this is dropped. A tapped
/// session's end is counted by the decoder, after its last statements (the
/// decoder holds the session's counters); one passed through as TLS is
/// counted here.
struct OpenSession<'a> {
    traffic: &'a Traffic,
    tap: Option<&'a Tap<'a>>,
    started: Instant,
}

impl<'a> OpenSession<'a> {
    fn new(traffic: &'a Traffic, tap: Option<&'a Tap<'a>>) -> Self {
        traffic.opened();
        OpenSession {
            traffic,
            tap,
            started: Instant::now(),
        }
    }
}

impl Drop for OpenSession<'_> {
    fn drop(&mut self) {
        let lifetime = self.started.elapsed();
        match self.tap {
            Some(tap) => tap.close(lifetime),
            None => self.traffic.closed(lifetime, SessionStats::default()),
        }
    }
}

/// Relays both directions until the server closes, or either side fails.
async fn relay(
    client: TcpStream,
    upstream: TcpStream,
    tap: &Tap<'_>,
    client_framer: Framer,
    client_buf: Vec<u8>,
) -> Result<(), ConnectionError> {
    let (client_read, client_write) = client.into_split();
    let (upstream_read, upstream_write) = upstream.into_split();
    let up = pump(
        client_read,
        upstream_write,
        tap,
        Side::Client,
        client_framer,
        client_buf,
    );
    let down = pump(
        upstream_read,
        client_write,
        tap,
        Side::Server,
        Framer::default(),
        Vec::new(),
    );
    // The server closing ends the session. The client closing its side
    // does not yet: its end is passed on, and the server still answers
    // what came before it (then closes), as it would the client directly.
    // (`biased`: polled in order, sparing a random draw per wake-up.)
    tokio::pin!(up, down);
    tokio::select! {
        biased;
        r = &mut up => {
            r?;
            down.await
        }
        r = &mut down => r,
    }
}

/// One direction: read, forward unchanged, then tap.
async fn pump(
    mut from: impl AsyncRead + Unpin,
    mut to: impl AsyncWrite + Unpin,
    tap: &Tap<'_>,
    side: Side,
    mut framer: Framer,
    mut buf: Vec<u8>,
) -> Result<(), ConnectionError> {
    let (read_side, write_side) = match side {
        Side::Client => ("client", "upstream"),
        Side::Server => ("upstream", "client"),
    };
    // Reads go into the buffer's spare capacity: zeroing it first, as a
    // slice to `read` would need, cost 2 × 64 KiB of writes per connection,
    // which a client opening a connection per request pays every time.
    buf.reserve(BUF);
    loop {
        // Step 1: read what has arrived.
        buf.clear();
        let n = from.read_buf(&mut buf).await.map_err(io_error(read_side))?;
        if n == 0 {
            let _ = to.shutdown().await;
            return Ok(());
        }
        // Step 2: forward it unchanged, before anything else.
        write(&mut to, &buf[..n], write_side).await?;
        // Step 3: the tap queues its copy (never awaits).
        tap.feed(&mut framer, side, &buf[..n]);
    }
}
