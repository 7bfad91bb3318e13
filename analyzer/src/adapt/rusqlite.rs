//! The rusqlite adaptor: records every statement a [`Connection`] runs
//! through SQLite's `trace_v2` hook.
//!
//! The hook runs on the application's thread, so it does as little as it
//! can: it notes the statement's text and an [`Instant`] when the statement
//! starts (SQLite's own profile duration has 1 ms resolution), counts result
//! rows, and at the profile event adds one [`QueryEvent`] to a batch.
//! Batches go to the non-blocking [`Recorder`] at [`BATCH`] statements, at
//! the first statement to end [`BATCH_AGE`] after the batch began, and when
//! the hook goes ([`detach`], or the connection closing; its session ends
//! then) — so a snapshot taken while a connection is idle may miss its last
//! few statements.
//! Fingerprinting and everything else happen on the interceptor's background
//! thread.
//!
//! Bound values: rusqlite's trace hook offers no safe access to a
//! statement's bindings other than `expanded_sql()` (the text with every
//! value written in). [`Capture::Values`] records that text — the values are
//! what tells an N+1 loop (differing keys) from a duplicate (the same key) —
//! at a measured extra cost (see `bench/README.md`); [`Capture::Text`]
//! records only the statement as written with its placeholders.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use ::rusqlite::Connection;
use ::rusqlite::trace::{TraceEvent, TraceEventCodes};

use crate::event::QueryEvent;
use crate::interceptor::Recorder;
use crate::time::Timestamp;

/// What the hook records of each statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Capture {
    /// The statement with its bound values written in (`expanded_sql()`):
    /// loops and duplicates are told apart.
    #[default]
    Values,
    /// The statement as prepared, placeholders and all: the cheapest hook,
    /// but executions differing only in bound values look alike.
    Text,
}

/// Statements handed to the interceptor at once: one queue operation, not one each.
pub const BATCH: usize = 64;

/// A batch older than this goes at the next statement's end, however small.
pub const BATCH_AGE: Duration = Duration::from_millis(10);

/// Names each attached connection's session uniquely within the process.
static CONNECTIONS: AtomicU64 = AtomicU64::new(0);

/// A statement between its start and its profile event.
struct Running {
    /// Where SQLite keeps the statement's text: the same address at its
    /// start and its end, so it tells statements running at once apart.
    text_at: usize,
    started: Instant,
    sql: String,
    rows: u64,
}

/// The hook's state, owned by the connection's trace callback.
struct Tracer {
    recorder: Recorder,
    capture: Capture,
    /// `sqlite:<n>`: the unit tracker's session for this connection.
    session: Arc<str>,
    /// A wall-clock reading and the instant it was taken: event timestamps
    /// come from the statement's `Instant` without a second clock read.
    epoch_micros: i64,
    epoch: Instant,
    /// Statements started and not yet finished, most recent last: an
    /// application may run lookups while it steps through an outer query.
    running: Vec<Running>,
    /// Finished statements not yet handed over, and when the first one ended.
    batch: Vec<QueryEvent>,
    batch_began: Instant,
}

/// Statements open at once beyond this are forgotten, oldest first (one
/// whose end never came, or an application holding that many cursors).
const MAX_RUNNING: usize = 16;

impl Tracer {
    fn on(&mut self, event: TraceEvent<'_>) {
        match event {
            // A trigger's subprogram announces itself as `-- TRIGGER name`: part of the statement running.
            TraceEvent::Stmt(_, text) if text.starts_with("--") => {}
            TraceEvent::Stmt(stmt, text) => {
                let sql = match self.capture {
                    Capture::Values => stmt.expanded_sql().unwrap_or_else(|| text.to_owned()),
                    Capture::Text => text.to_owned(),
                };
                if self.running.len() == MAX_RUNNING {
                    self.running.remove(0);
                }
                self.running.push(Running {
                    text_at: text.as_ptr() as usize,
                    started: Instant::now(),
                    sql,
                    rows: 0,
                });
            }
            // Rows belong to the innermost statement: an outer query steps
            // only once the lookups its previous row started are done.
            TraceEvent::Row(_) => {
                if let Some(r) = self.running.last_mut() {
                    r.rows += 1;
                }
            }
            TraceEvent::Profile(stmt, _) => {
                let ended = Instant::now();
                let text_at = stmt.sql().as_ptr() as usize;
                let Some(i) = self.running.iter().rposition(|r| r.text_at == text_at) else {
                    return;
                };
                let r = self.running.remove(i);
                let elapsed = ended.duration_since(r.started);
                let since_epoch = r.started.saturating_duration_since(self.epoch);
                let ts = self
                    .epoch_micros
                    .saturating_add(i64::try_from(since_epoch.as_micros()).unwrap_or(i64::MAX));
                // Only a query produces rows; a write's zero is not a row count.
                let rows = (r.rows > 0 || returns_rows(&r.sql)).then_some(r.rows);
                if self.batch.is_empty() {
                    self.batch_began = ended;
                }
                self.batch.push(QueryEvent {
                    ts: Some(Timestamp(ts)),
                    duration_ms: Some(elapsed.as_secs_f64() * 1000.0),
                    rows,
                    ..QueryEvent::new(r.sql)
                });
                if self.batch.len() == BATCH || ended.duration_since(self.batch_began) >= BATCH_AGE
                {
                    self.flush();
                }
            }
            // Connection close, and events later SQLite versions may add.
            _ => {}
        }
    }
}

impl Tracer {
    fn flush(&mut self) {
        let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH));
        self.recorder.record_all(Some(&self.session), batch);
    }
}

/// The hook goes (detached, replaced, or its connection closed): what it
/// gathered goes too, and its session ends — no later statement carries its
/// id — so the session's last unit of work is analysed now, not held until
/// the interceptor shuts down. (When the queue is full the notice is lost:
/// the unit then waits for the shutdown.)
impl Drop for Tracer {
    fn drop(&mut self) {
        self.flush();
        let _ = self.recorder.end_sessions(vec![self.session.clone()]);
    }
}

/// A statement that answers with rows (`SELECT`, `WITH`, `VALUES`), by its first word.
fn returns_rows(sql: &str) -> bool {
    let word = sql.trim_start().as_bytes();
    [&b"select"[..], b"with", b"values"]
        .iter()
        .any(|k| word.len() >= k.len() && word[..k.len()].eq_ignore_ascii_case(k))
}

/// Records every statement `conn` runs into `recorder`, until [`detach`]
/// (or the connection closes). Replaces any trace callback the connection had.
///
/// # Errors
/// When SQLite refuses the hook.
pub fn attach(
    conn: &mut Connection,
    recorder: Recorder,
    capture: Capture,
) -> ::rusqlite::Result<()> {
    let n = CONNECTIONS.fetch_add(1, Ordering::Relaxed);
    let epoch_micros = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX));
    let mut tracer = Tracer {
        recorder,
        capture,
        session: Arc::from(format!("sqlite:{n}")),
        epoch_micros,
        epoch: Instant::now(),
        running: Vec::with_capacity(MAX_RUNNING),
        batch: Vec::with_capacity(BATCH),
        batch_began: Instant::now(),
    };
    conn.trace_v2(
        TraceEventCodes::SQLITE_TRACE_STMT
            | TraceEventCodes::SQLITE_TRACE_PROFILE
            | TraceEventCodes::SQLITE_TRACE_ROW,
        Some(move |e: TraceEvent<'_>| tracer.on(e)),
    )
}

/// Stops recording `conn`'s statements, handing over those not yet handed over.
///
/// # Errors
/// When SQLite refuses to clear the hook.
pub fn detach(conn: &mut Connection) -> ::rusqlite::Result<()> {
    conn.trace_v2(TraceEventCodes::empty(), None::<fn(TraceEvent<'_>)>)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::FindingKind;
    use crate::interceptor::{Interceptor, InterceptorConfig};
    use crate::{Dialect, Fingerprint, normalize::normalize};

    #[test]
    fn a_closed_connection_ends_its_session_and_its_loop_is_reported_at_once() {
        let interceptor = Interceptor::start(InterceptorConfig {
            dialect: Dialect::Sqlite,
            ..InterceptorConfig::default()
        })
        .unwrap();
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT)")
            .unwrap();
        attach(&mut conn, interceptor.recorder(), Capture::Values).unwrap();
        // One batch handed over; the loop goes on in the connection's open unit.
        for id in 0..70 {
            conn.query_row("SELECT name FROM authors WHERE id = ?1", [id], |_| Ok(()))
                .unwrap_or(());
        }
        let open = interceptor.snapshot().unwrap();
        assert_eq!((open.events, open.open_units), (BATCH as u64, 1));
        drop(conn);
        let snap = interceptor.snapshot().unwrap();
        assert_eq!((snap.events, snap.open_units), (70, 0));
        let loop_sizes = snap
            .findings
            .iter()
            .filter_map(|f| (f.kind == FindingKind::NPlusOne).then_some(f.loop_size));
        assert_eq!(loop_sizes.collect::<Vec<_>>(), [70]);
        interceptor.shutdown().unwrap();
    }

    fn library(capture: Capture) -> crate::workload::Workload {
        let interceptor = Interceptor::start(InterceptorConfig {
            dialect: Dialect::Sqlite,
            ..InterceptorConfig::default()
        })
        .unwrap();
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT);
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
             INSERT INTO authors SELECT i, 'author ' || i FROM n;",
        )
        .unwrap();
        attach(&mut conn, interceptor.recorder(), capture).unwrap();
        let ids: Vec<i64> = conn
            .prepare("SELECT id FROM authors WHERE id <= ?1 ORDER BY id")
            .unwrap()
            .query_map([8], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        for id in &ids {
            let name: String = conn
                .query_row("SELECT name FROM authors WHERE id = ?1", [id], |r| r.get(0))
                .unwrap();
            assert_eq!(name, format!("author {id}"));
        }
        conn.execute("UPDATE authors SET name = ?1 WHERE id > ?2", ("x", 1990))
            .unwrap();
        detach(&mut conn).unwrap();
        // Not recorded: the hook is gone.
        conn.execute("DELETE FROM authors WHERE id = 1", [])
            .unwrap();
        interceptor.shutdown().unwrap()
    }

    fn digest<'w>(w: &'w crate::workload::Workload, sql: &str) -> &'w crate::digest::Digest {
        let id: Fingerprint = normalize(sql, Dialect::Sqlite).id;
        w.digests.get(&id).unwrap()
    }

    #[test]
    fn records_statements_with_values_rows_and_fine_durations() {
        let w = library(Capture::Values);
        assert_eq!(
            w.events, 10,
            "the parent, 8 lookups and the update; not the DELETE"
        );
        let lookups = digest(&w, "SELECT name FROM authors WHERE id = ?1");
        assert_eq!((lookups.calls, lookups.rows), (8, 8));
        // The values are recorded: the sample is a real statement with its key written in.
        assert!(
            lookups
                .sample
                .sql
                .starts_with("SELECT name FROM authors WHERE id = ")
                && !lookups.sample.sql.contains('?'),
            "{}",
            lookups.sample.sql
        );
        let parent = digest(&w, "SELECT id FROM authors WHERE id <= ?1 ORDER BY id");
        assert_eq!(parent.rows, 8);
        let update = digest(&w, "UPDATE authors SET name = ?1 WHERE id > ?2");
        assert_eq!(
            (update.calls, update.rows),
            (1, 0),
            "a write reports no rows"
        );
        // Timed with an Instant, not SQLite's millisecond profile clock: an
        // in-memory primary-key lookup takes microseconds, not 0 or 1 ms.
        let (min, max) = (lookups.min_ms.unwrap(), lookups.max_ms.unwrap());
        assert!(min > 0.0 && max < 1.0, "{min}..{max} ms");
        let findings = w.detection.as_ref().unwrap().findings(&w.digests);
        let n1 = findings
            .iter()
            .find(|f| f.kind == FindingKind::NPlusOne)
            .expect("the lookups are a loop");
        assert_eq!((n1.loop_size, n1.parent), (8, Some(parent.id)));
        assert_eq!(n1.unit_count, 1, "one session: the loops make one unit");
        let example = n1.example.as_ref().unwrap();
        let keys: Vec<&str> = example
            .iterations
            .iter()
            .map(|it| it[0][0].as_str())
            .collect();
        assert_eq!(keys, ["1", "2", "3", "4", "5", "6", "7", "8"]);
    }

    #[test]
    fn text_capture_keeps_placeholders() {
        let w = library(Capture::Text);
        let lookups = digest(&w, "SELECT name FROM authors WHERE id = ?1");
        assert_eq!(lookups.sample.sql, "SELECT name FROM authors WHERE id = ?1");
        assert_eq!(lookups.calls, 8);
    }

    #[test]
    fn an_open_cursor_and_the_lookups_inside_it_are_all_recorded() {
        let interceptor = Interceptor::start(InterceptorConfig::default()).unwrap();
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE t (id INTEGER PRIMARY KEY); INSERT INTO t VALUES (1), (2), (3);",
        )
        .unwrap();
        attach(&mut conn, interceptor.recorder(), Capture::Text).unwrap();
        let mut outer = conn.prepare("SELECT id FROM t ORDER BY id").unwrap();
        let mut rows = outer.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            let id: i64 = row.get(0).unwrap();
            conn.query_row("SELECT id FROM t WHERE id = ?", [id], |_| Ok(()))
                .unwrap();
        }
        drop(rows);
        drop(outer);
        // Closing the connection hands over its last batch.
        drop(conn);
        let w = interceptor.shutdown().unwrap();
        let cursor = digest(&w, "SELECT id FROM t ORDER BY id");
        let lookups = digest(&w, "SELECT id FROM t WHERE id = ?");
        // The outer statement ends last, yet keeps its own start, rows and time.
        assert_eq!((cursor.calls, cursor.rows), (1, 3));
        assert_eq!((lookups.calls, lookups.rows), (3, 3));
        assert!(cursor.total_ms > lookups.total_ms / 3.0);
    }
}
