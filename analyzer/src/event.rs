//! `QueryEvent`: the one shape every source (logs, proxy, hooks) produces.
//!
//! Its canonical interchange form is JSONL, one event per line, documented in
//! `samples/README.md` with a JSON Schema in `samples/event.schema.json`.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::time::Timestamp;

/// One executed statement, as observed by any source. Only `sql` is required.
///
/// The attributes that repeat on every statement of a session are shared
/// (`Arc<str>`), so readers and the interceptor do not allocate them per event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct QueryEvent {
    /// When the statement started, UTC (readers of logs written at a
    /// statement's end subtract its duration; else when it was logged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ts: Option<Timestamp>,
    /// The statement text as executed.
    pub sql: String,
    /// Bound parameter values in order (`$1`, `$2`, … or `?` order); `null` for SQL NULL.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<Option<String>>,
    /// Execution time in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<f64>,
    /// Rows returned or affected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows: Option<u64>,
    /// Rows the engine read to answer (`MySQL` `Rows_examined`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows_examined: Option<u64>,
    /// Connection / backend identity (`pid:4711`, `thread:12`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<Arc<str>>,
    /// The application request this statement served (`GET /sessions`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<Arc<str>>,
    /// Transaction identity, where the source knows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub txn: Option<Arc<str>>,
    /// Database (schema) name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub db: Option<Arc<str>>,
    /// Database user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<Arc<str>>,
    /// Which source produced the event (`proxy`, `pg-stderr`, `mysql-slow`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Arc<str>>,
    /// The error message if the statement failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Where the event was read from (not part of the JSONL format).
    #[serde(skip)]
    pub origin: Option<Origin>,
}

/// The file and 1-based line an event was read from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    pub file: Arc<str>,
    pub line: u64,
}

impl QueryEvent {
    /// An event with only its statement text.
    #[must_use]
    pub fn new(sql: impl Into<String>) -> Self {
        QueryEvent {
            sql: sql.into(),
            ..QueryEvent::default()
        }
    }
}
