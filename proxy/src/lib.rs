//! sqlsift-proxy: a PostgreSQL wire-protocol proxy that relays bytes
//! untouched and taps a copy into sqlsift's interceptor, one event per
//! executed statement, timed in microseconds.
//!
//! Layered like a small tokio server: [`message`] (framing and decoding of
//! the tapped copy), [`connection`] (startup phase and the two-way relay),
//! [`server`] (accept loop, connection bound, graceful shutdown) and
//! [`traffic`] (connection counts). The relay's thread only frames and
//! copies what it relayed ([`tap`]); the [`decoder`]'s thread runs each
//! connection's protocol state machine ([`session`]) over the copies. The counts are the analyzer's [`ConnectionStats`], so that a
//! workload carries them into the store and the report; the pooling advice
//! judged from them ([`ConnectionAdvice`]) lives beside them there.

pub mod connection;
pub mod decoder;
pub mod message;
pub mod server;
pub mod session;
pub mod tap;
pub mod traffic;

pub use connection::{ConnectionConfig, ConnectionError, STARTUP_TIMEOUT, TlsMode};
pub use decoder::Decoder;
pub use server::{Log, Notice, ProxyConfig, run};
pub use session::{EventSink, SessionStats};
pub use sqlsift_analyzer::connections::{ConnectionAdvice, ConnectionStats};
pub use tap::{TapError, TapQueue};
pub use traffic::Traffic;
