//! sqlsift-proxy: a PostgreSQL wire-protocol proxy that relays bytes
//! untouched and taps a copy into sqlsift's interceptor, one event per
//! executed statement, timed in microseconds.
//!
//! Layered like a small tokio server: [`message`] (framing and decoding of
//! the tapped copy), [`session`] (the per-connection protocol state machine),
//! [`connection`] (startup phase and the two-way relay), [`server`] (accept
//! loop, connection bound, graceful shutdown), [`traffic`] (connection
//! counts) and [`advice`] (pooling advice from those counts).

pub mod advice;
pub mod connection;
pub mod message;
pub mod server;
pub mod session;
pub mod traffic;

pub use advice::ConnectionAdvice;
pub use connection::{ConnectionConfig, ConnectionError, TlsMode};
pub use server::{Log, Notice, ProxyConfig, run};
pub use session::{EventSink, SessionStats};
pub use traffic::{Counts, Traffic};
