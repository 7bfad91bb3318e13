//! The libsql adaptor: libsql has no trace hook, so a [`RecordingConnection`]
//! wraps a `libsql::Connection` and records every statement run through it
//! — its text, its bound values as text, its duration and its rows — into
//! the non-blocking [`Recorder`].
//!
//! A query's duration runs from the call until its [`RecordingRows`] are
//! exhausted (or dropped): with a remote database the rows arrive as they
//! are read, so the time to read them is part of what the statement costs.
//! Recording is one queue operation per statement, after it ends; nothing
//! else runs on the application's task.
//!
//! Transactions are statements like any other (`BEGIN` … `COMMIT` through
//! [`RecordingConnection::execute`]), so they are recorded too, and the
//! interceptor's units see them.

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use ::libsql::params::{IntoParams, Params};
use ::libsql::{Connection, Row, Rows, Statement, Value};

use crate::event::QueryEvent;
use crate::interceptor::Recorder;
use crate::time::Timestamp;

/// Names each wrapped connection's session uniquely within the process.
static CONNECTIONS: AtomicU64 = AtomicU64::new(0);

/// Where a connection's statements go, shared with its statements and rows.
type Sink = Arc<SessionSink>;

struct SessionSink {
    recorder: Recorder,
    /// `libsql:<n>`: the unit tracker's session for this connection.
    session: Arc<str>,
}

/// The connection and every statement and rows it made are gone: no later
/// statement carries the session's id, so it ends, and its last unit of work
/// is analysed now rather than held until the interceptor shuts down. (When
/// the queue is full the notice is lost: the unit then waits for the shutdown.)
impl Drop for SessionSink {
    fn drop(&mut self) {
        let _ = self.recorder.end_sessions(vec![self.session.clone()]);
    }
}

/// A statement between its call and its end.
struct Running {
    sink: Sink,
    sql: String,
    params: Vec<Option<String>>,
    ts: Timestamp,
    started: Instant,
}

impl Running {
    fn start(sink: &Sink, sql: &str, params: &Params) -> Running {
        let micros = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX));
        Running {
            sink: sink.clone(),
            sql: sql.to_owned(),
            params: texts(params),
            ts: Timestamp(micros),
            started: Instant::now(),
        }
    }

    /// Records the statement, ended now with `rows` and, if it failed, `error`.
    fn finish(self, rows: u64, error: Option<String>) {
        let duration = self.started.elapsed();
        self.sink.recorder.record(QueryEvent {
            ts: Some(self.ts),
            params: self.params,
            duration_ms: Some(duration.as_secs_f64() * 1000.0),
            rows: Some(rows),
            session: Some(self.sink.session.clone()),
            source: Some(Arc::from("libsql")),
            error,
            ..QueryEvent::new(self.sql)
        });
    }

    /// Hands a query's rows on, to be recorded when read; or records its failure.
    fn rows(self, result: ::libsql::Result<Rows>) -> ::libsql::Result<RecordingRows> {
        match result {
            Ok(inner) => Ok(RecordingRows {
                inner,
                running: Some(self),
                rows: 0,
            }),
            Err(e) => {
                self.finish(0, Some(e.to_string()));
                Err(e)
            }
        }
    }

    /// Records a statement that changed rows, or failed.
    fn finish_changed(self, result: Result<u64, &::libsql::Error>) {
        match result {
            Ok(n) => self.finish(n, None),
            Err(e) => self.finish(0, Some(e.to_string())),
        }
    }
}

/// Bound values as the event's text form: NULL is `None`, a blob `x'…'`
/// (SQL's literal form); named values in the order they were given.
fn texts(params: &Params) -> Vec<Option<String>> {
    let text = |v: &Value| match v {
        Value::Null => None,
        Value::Integer(n) => Some(n.to_string()),
        Value::Real(x) => Some(x.to_string()),
        Value::Text(s) => Some(s.clone()),
        Value::Blob(b) => Some(
            b.iter().fold(String::from("x'"), |mut hex, byte| {
                let _ = write!(hex, "{byte:02x}");
                hex
            }) + "'",
        ),
    };
    match params {
        Params::None => Vec::new(),
        Params::Positional(values) => values.iter().map(text).collect(),
        Params::Named(pairs) => pairs.iter().map(|(_, v)| text(v)).collect(),
    }
}

/// A libsql connection whose statements are recorded.
pub struct RecordingConnection {
    inner: Connection,
    sink: Sink,
}

impl RecordingConnection {
    /// Wraps `inner`; its statements go to `recorder` under a session of their own.
    pub fn new(inner: Connection, recorder: Recorder) -> RecordingConnection {
        let n = CONNECTIONS.fetch_add(1, Ordering::Relaxed);
        RecordingConnection {
            inner,
            sink: Arc::new(SessionSink {
                recorder,
                session: Arc::from(format!("libsql:{n}")),
            }),
        }
    }

    /// The wrapped connection: what runs through it directly is not recorded.
    pub fn inner(&self) -> &Connection {
        &self.inner
    }

    /// Runs one statement, recorded with the rows it changed.
    ///
    /// # Errors
    /// What libsql returns (the failed statement is recorded with its error).
    pub async fn execute(&self, sql: &str, params: impl IntoParams) -> ::libsql::Result<u64> {
        let params = params.into_params()?;
        let running = Running::start(&self.sink, sql, &params);
        let result = self.inner.execute(sql, params).await;
        running.finish_changed(result.as_ref().copied());
        result
    }

    /// Runs one query; it is recorded when its rows are exhausted or dropped.
    ///
    /// # Errors
    /// What libsql returns (the failed statement is recorded with its error).
    pub async fn query(
        &self,
        sql: &str,
        params: impl IntoParams,
    ) -> ::libsql::Result<RecordingRows> {
        let params = params.into_params()?;
        let running = Running::start(&self.sink, sql, &params);
        let result = self.inner.query(sql, params).await;
        running.rows(result)
    }

    /// Prepares a statement whose executions are recorded.
    ///
    /// # Errors
    /// What libsql returns.
    pub async fn prepare(&self, sql: &str) -> ::libsql::Result<RecordingStatement> {
        Ok(RecordingStatement {
            inner: self.inner.prepare(sql).await?,
            sql: sql.to_owned(),
            sink: self.sink.clone(),
        })
    }
}

/// A prepared statement whose executions are recorded.
pub struct RecordingStatement {
    inner: Statement,
    sql: String,
    sink: Sink,
}

impl RecordingStatement {
    /// Runs the statement, recorded with the rows it changed.
    ///
    /// # Errors
    /// What libsql returns (the failed execution is recorded with its error).
    pub async fn execute(&self, params: impl IntoParams) -> ::libsql::Result<usize> {
        let params = params.into_params()?;
        let running = Running::start(&self.sink, &self.sql, &params);
        let result = self.inner.execute(params).await;
        running.finish_changed(
            result
                .as_ref()
                .map(|n| u64::try_from(*n).unwrap_or(u64::MAX)),
        );
        result
    }

    /// Runs the query; it is recorded when its rows are exhausted or dropped.
    ///
    /// # Errors
    /// What libsql returns (the failed execution is recorded with its error).
    pub async fn query(&self, params: impl IntoParams) -> ::libsql::Result<RecordingRows> {
        let params = params.into_params()?;
        let running = Running::start(&self.sink, &self.sql, &params);
        let result = self.inner.query(params).await;
        running.rows(result)
    }

    /// Clears the bindings and state the last execution left.
    pub fn reset(&self) {
        self.inner.reset();
    }
}

/// A query's rows; the query is recorded, with the rows read and the time
/// until then, when they are exhausted, fail, or are dropped.
pub struct RecordingRows {
    inner: Rows,
    /// The query, until it is recorded.
    running: Option<Running>,
    rows: u64,
}

impl RecordingRows {
    /// The next row, or `None` at the end (which records the query).
    ///
    /// # Errors
    /// What libsql returns (the query is recorded with its error).
    pub async fn next(&mut self) -> ::libsql::Result<Option<Row>> {
        let next = self.inner.next().await;
        match &next {
            Ok(Some(_)) => self.rows += 1,
            Ok(None) => self.end(None),
            Err(e) => self.end(Some(e.to_string())),
        }
        next
    }

    /// How many columns each row has.
    pub fn column_count(&self) -> i32 {
        self.inner.column_count()
    }

    /// Column `idx`'s name.
    pub fn column_name(&self, idx: i32) -> Option<&str> {
        self.inner.column_name(idx)
    }

    fn end(&mut self, error: Option<String>) {
        if let Some(running) = self.running.take() {
            running.finish(self.rows, error);
        }
    }
}

impl Drop for RecordingRows {
    fn drop(&mut self) {
        self.end(None);
    }
}
