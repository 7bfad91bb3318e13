//! sqlsift-analyzer: the core every entry point shares. It defines the
//! [`QueryEvent`] all sources produce, reads logs into events ([`read`]),
//! normalizes statements into fingerprints ([`normalize`]), parses each
//! distinct shape once ([`shapes`]) and keeps per-fingerprint digests
//! ([`digest`], [`workload`]). Applications embed it through the
//! [`interceptor`] (with [`adapt`]ors for database drivers), and workloads
//! persist and merge in the [`store`]. A proxy's [`connections`] statistics
//! travel with its workload, and are judged there for pooling advice.

pub mod adapt;
pub mod catalog;
pub mod connections;
pub mod cost;
pub mod detect;
pub mod dialect;
pub mod digest;
pub mod event;
pub mod facts;
pub mod interceptor;
pub mod joins;
pub mod lexer;
pub mod normalize;
pub mod plan;
pub mod read;
pub mod redact;
pub mod shapes;
pub mod store;
pub mod time;
pub mod units;
pub mod values;
pub mod workload;

pub use dialect::Dialect;
pub use event::QueryEvent;
pub use normalize::{Fingerprint, Normalized, Normalizer};
