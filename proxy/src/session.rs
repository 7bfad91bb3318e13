//! The per-connection protocol state machine that turns the tapped
//! messages into one [`QueryEvent`] per executed statement. It runs on the
//! decoder's thread ([`crate::decoder`]), fed what the relay queued.
//!
//! Poolers time whole batches (pgcat in whole milliseconds); the tap matches
//! each `Execute`, and each statement of a simple `Query`, to its own
//! `CommandComplete`, `EmptyQueryResponse` or `ErrorResponse` in order, and
//! times it in microseconds from the later of its request and the previous
//! statement's end (so a pipelined statement is not charged for the queue
//! ahead of it). Prepared statement names map to their SQL, portals to their
//! statement and bound parameters; `ReadyForQuery`'s transaction status
//! groups statements into transactions.

use std::collections::{HashMap, VecDeque};
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use sqlsift_analyzer::QueryEvent;
use sqlsift_analyzer::interceptor::Recorder;
use sqlsift_analyzer::time::Timestamp;

use crate::message::{Backend, Frontend, param_text, parse_backend, parse_frontend, tag_rows};

/// Where the tap sends finished statements. Must not block.
pub trait EventSink: Send + Sync {
    /// Takes one executed statement.
    fn record(&self, event: QueryEvent);

    /// The session ended after the statements recorded so far: nothing more
    /// comes from it. (A sink that groups statements by session can let it go.)
    fn end_session(&self, session: &Arc<str>) {
        let _ = session;
    }

    /// `statements` were executed but not tapped (the tap fell behind).
    fn dropped(&self, statements: u64);

    /// Everything decoded so far has been recorded: a sink that gathers
    /// statements hands them on now.
    fn flush(&self) {}
}

impl EventSink for Recorder {
    fn record(&self, event: QueryEvent) {
        Recorder::record(self, event);
    }

    /// When the queue is full the notice is lost: the session's last unit
    /// of work then stays open until the interceptor shuts down.
    fn end_session(&self, session: &Arc<str>) {
        let _ = self.end_sessions(vec![session.clone()]);
    }

    fn dropped(&self, statements: u64) {
        self.count_dropped(statements);
    }
}

/// What the session knows about itself, fixed at startup.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    /// The session id events carry (`proxy:17`).
    pub id: Arc<str>,
    /// The `user` startup parameter.
    pub user: Option<Arc<str>>,
    /// The `database` startup parameter.
    pub database: Option<Arc<str>>,
}

/// A prepared statement.
#[derive(Debug)]
struct Prepared {
    sql: Arc<str>,
    /// Parameter type OIDs (from `Parse`, or the server's `ParameterDescription`).
    types: Vec<u32>,
}

/// What a named `Parse` changed, put back if the server refuses or skips
/// it: a named statement that exists keeps its text (the server will not
/// replace one, 42P05), and one that does not is not created. The unnamed
/// statement gets none, sparing the allocation on the path every
/// execution takes: the server drops it at a `Parse` it refuses, and
/// drivers parse it again before each `Bind`.
#[derive(Debug)]
struct Undo {
    name: Box<str>,
    previous: Option<Prepared>,
}

/// A bound portal.
#[derive(Debug)]
struct Portal {
    sql: Arc<str>,
    params: Vec<Option<String>>,
}

/// A statement's text: a simple query's own (moved into its event), or a
/// prepared statement's, shared by each execution.
#[derive(Debug)]
enum Sql {
    Owned(String),
    Shared(Arc<str>),
}

impl Sql {
    fn into_string(self) -> String {
        match self {
            Sql::Owned(s) => s,
            // Not `to_string`: on `Arc<str>` it goes through the formatter.
            Sql::Shared(s) => String::from(&*s),
        }
    }
}

/// What the server's next completions answer, in order.
#[derive(Debug)]
enum Pending {
    /// A statement whose completion is awaited; `sql` is `None` for one
    /// the session cannot follow (an `Execute` of a portal it does not
    /// know), whose answer is taken and not recorded.
    Statement {
        sql: Option<Sql>,
        params: Vec<Option<String>>,
        sent: Instant,
    },
    /// A `Parse` awaiting `ParseComplete`: if it fails instead, the failed
    /// statement is recorded with its error (unless `sql` is `None`: text
    /// not UTF-8, not analysed), and what it did to a named statement is
    /// undone, as it is when the server skips it after an earlier error.
    Parse {
        sql: Option<Arc<str>>,
        sent: Instant,
        undo: Option<Box<Undo>>,
    },
    /// A statement `Describe` awaiting its `ParameterDescription` (the
    /// parameter types binary values are decoded by), with the text the
    /// name held when it was sent: a client may parse the name anew
    /// before the answer comes, and the types are not the new text's.
    Describe {
        name: Box<str>,
        sql: Option<Arc<str>>,
    },
    /// The `ReadyForQuery` that ends a `Sync` (`sync`), a simple `Query` or
    /// the startup.
    Ready { sync: bool },
    /// The client ended COPY data before the server said it was in copy-in
    /// mode (stale once at the front: its COPY is gone).
    CopyEnd,
}

/// Counters a session keeps for connection advice.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SessionStats {
    /// Statements completed (or failed).
    pub statements: u64,
    /// Transactions ended (`ReadyForQuery` back to idle after `T` or `E`).
    pub transactions: u64,
    /// Time the server sat in a transaction waiting for the client.
    pub idle_in_transaction: Duration,
    /// Time the server spent executing statements (the sum of their durations).
    pub busy: Duration,
}

/// The tap of one connection: fed the messages of both directions, after
/// they were relayed.
pub struct Session {
    info: SessionInfo,
    source: Arc<str>,
    statements: Named<Prepared>,
    portals: Named<Portal>,
    pending: VecDeque<Pending>,
    /// The open transaction's id, if any.
    txn: Option<Arc<str>>,
    txn_seq: u64,
    /// When the previous statement ended (pipelined statements start no earlier).
    last_done: Instant,
    /// Events' wall-clock times are counted from here: one clock read per
    /// second instead of one per statement.
    clock: WallClock,
    /// Since when the server has been idle inside a transaction.
    idle_txn_since: Option<Instant>,
    /// The server is in copy-in mode and the client has not ended its data:
    /// the server ignores `Sync` meanwhile, so no `ReadyForQuery` answers it.
    copy_in: bool,
    stats: SessionStats,
}

/// The direction bytes travelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Client to server.
    Client,
    /// Server to client.
    Server,
}

impl Session {
    /// A tap for a session that has just sent its startup message.
    pub fn new(info: SessionInfo) -> Self {
        Session {
            info,
            source: Arc::from("proxy"),
            statements: Named::default(),
            portals: Named::default(),
            // Authentication ends with a ReadyForQuery of its own.
            pending: VecDeque::from([Pending::Ready { sync: false }]),
            txn: None,
            txn_seq: 0,
            last_done: Instant::now(),
            clock: WallClock::now(),
            idle_txn_since: None,
            copy_in: false,
            stats: SessionStats::default(),
        }
    }

    /// The counters so far.
    pub fn stats(&self) -> SessionStats {
        self.stats
    }

    /// The session id its events carry.
    pub fn id(&self) -> &Arc<str> {
        &self.info.id
    }

    /// The tap missed messages, and resumes where the server has answered
    /// every request: nothing is in flight, and what was prepared or bound
    /// meanwhile is unknown, so nothing held before can be trusted.
    pub fn resync(&mut self) {
        self.pending.clear();
        self.statements = Named::default();
        self.portals = Named::default();
        self.copy_in = false;
        self.idle_txn_since = None;
    }

    /// Takes one message relayed from `side` at `now` (as
    /// [`crate::tap::frame`] hands them out), recording into `sink` the
    /// statements it completes.
    pub fn on_message(
        &mut self,
        side: Side,
        tag: u8,
        body: &[u8],
        now: Instant,
        sink: &dyn EventSink,
    ) {
        match side {
            Side::Client => self.on_client(tag, body, now),
            Side::Server => self.on_server(tag, body, now, sink),
        }
    }

    fn on_client(&mut self, tag: u8, body: &[u8], now: Instant) {
        if let Some(since) = self.idle_txn_since.take() {
            self.stats.idle_in_transaction += now.saturating_duration_since(since);
        }
        let Some(msg) = parse_frontend(tag, body) else {
            return;
        };
        match msg {
            Frontend::Query(text) => {
                // Not UTF-8 (a client_encoding other than UTF8): not
                // analysed, but its `ReadyForQuery` still ends it, so what
                // answers its statements finds that at the front and is
                // dropped, not taken for a later request's answer.
                let text = std::str::from_utf8(text).unwrap_or_default();
                for (_, sql) in sqlsift_analyzer::read::split_statements(
                    text,
                    sqlsift_analyzer::Dialect::PostgreSql,
                ) {
                    self.pending.push_back(Pending::Statement {
                        sql: Some(Sql::Owned(sql.to_owned())),
                        params: Vec::new(),
                        sent: now,
                    });
                }
                self.pending.push_back(Pending::Ready { sync: false });
            }
            Frontend::Parse { name, sql, types } => {
                // Drivers re-parse the same text into the unnamed statement
                // for every execution: keep the text already held.
                let sql: Option<Arc<str>> = match self.statements.get(name) {
                    Some(held) if held.sql.as_bytes() == sql => Some(held.sql.clone()),
                    // Not UTF-8 (a client_encoding other than UTF8): the
                    // statement is not analysed, and what the name held
                    // before is no longer what it runs. Its answer is still
                    // awaited, in its place.
                    _ => std::str::from_utf8(sql).ok().map(Arc::from),
                };
                let undo = (!name.is_empty()).then(|| {
                    Box::new(Undo {
                        name: name.into(),
                        previous: self.statements.named.remove(name),
                    })
                });
                self.pending.push_back(Pending::Parse {
                    sql: sql.clone(),
                    sent: now,
                    undo,
                });
                match sql {
                    Some(sql) => self.statements.insert(name, Prepared { sql, types }),
                    None => self.statements.remove(name),
                }
            }
            Frontend::Bind {
                portal,
                statement,
                params,
            } => {
                let Some(stmt) = self.statements.get(statement) else {
                    // A statement not analysed: the portal no longer runs
                    // what it ran before.
                    self.portals.remove(portal);
                    return;
                };
                let params = params
                    .iter()
                    .enumerate()
                    .map(|(i, p)| param_text(p, stmt.types.get(i).copied().unwrap_or(0)))
                    .collect();
                self.portals.insert(
                    portal,
                    Portal {
                        sql: stmt.sql.clone(),
                        params,
                    },
                );
            }
            Frontend::Execute { portal, max_rows } => {
                // A portal the session does not know (its statement's text
                // was not UTF-8, or it was bound before a resync) still gets
                // its answer: it is awaited, in its place, and not recorded.
                let (sql, params) = match self.portals.get_mut(portal) {
                    Some(p) => {
                        // A portal run to its end has no more rows to give:
                        // its parameters move into the event. One run in
                        // steps keeps them for the next step.
                        let params = if max_rows == 0 {
                            std::mem::take(&mut p.params)
                        } else {
                            p.params.clone()
                        };
                        (Some(Sql::Shared(p.sql.clone())), params)
                    }
                    None => (None, Vec::new()),
                };
                self.pending.push_back(Pending::Statement {
                    sql,
                    params,
                    sent: now,
                });
            }
            Frontend::Describe { statement, name } => {
                if statement {
                    let sql = self.statements.get(name).map(|p| p.sql.clone());
                    self.pending.push_back(Pending::Describe {
                        name: name.into(),
                        sql,
                    });
                }
            }
            Frontend::Close { statement, name } => {
                if statement {
                    self.statements.remove(name);
                } else {
                    self.portals.remove(name);
                }
            }
            Frontend::Sync if !self.copy_in => {
                self.pending.push_back(Pending::Ready { sync: true });
            }
            Frontend::CopyEnd if self.copy_in => self.copy_in = false,
            // Data ended ahead of the server's `CopyInResponse` (or after
            // the COPY failed: see `on_server`).
            Frontend::CopyEnd => self.pending.push_back(Pending::CopyEnd),
            Frontend::Sync | Frontend::Other => {}
        }
    }

    fn on_server(&mut self, tag: u8, body: &[u8], now: Instant, sink: &dyn EventSink) {
        let Some(msg) = parse_backend(tag, body) else {
            return;
        };
        // A `CopyEnd` waits behind its COPY for `enter_copy_in`. At the
        // front, its COPY is gone without taking data (failed, or answered
        // before the tap resumed): the server dropped that `CopyDone` or
        // `CopyFail`, nothing answers it, and so the session drops it too.
        while let Some(Pending::CopyEnd) = self.pending.front() {
            self.pending.pop_front();
        }
        match msg {
            Backend::CommandComplete(command) => {
                self.open_or_close_txn(command, true);
                self.complete(now, tag_rows(command), None, sink);
                self.open_or_close_txn(command, false);
            }
            Backend::EmptyQuery => {
                // An empty statement executed: nothing to analyze.
                if let Some(Pending::Statement { .. }) = self.pending.front() {
                    self.pending.pop_front();
                }
                self.last_done = now;
            }
            Backend::PortalSuspended => self.complete(now, None, None, sink),
            Backend::ParseComplete => {
                if let Some(Pending::Parse { .. }) = self.pending.front() {
                    self.pending.pop_front();
                }
            }
            Backend::Error { code, message } => {
                // An error ends copy-in: the server answers the next `Sync`
                // (or, for a simple `Query`, has already queued its `ReadyForQuery`).
                self.copy_in = false;
                self.complete(now, None, Some(format!("{code}: {message}")), sink);
                // The server skips what was sent up to the next Sync (or the
                // rest of a Query): skipped named Parses are undone, latest first.
                let mut undone = Vec::new();
                while let Some(
                    Pending::Statement { .. } | Pending::Parse { .. } | Pending::Describe { .. },
                ) = self.pending.front()
                {
                    if let Some(Pending::Parse {
                        undo: Some(undo), ..
                    }) = self.pending.pop_front()
                    {
                        undone.push(undo);
                    }
                }
                for undo in undone.into_iter().rev() {
                    self.undo(*undo);
                }
            }
            Backend::ReadyForQuery(status) => {
                // Everything up to the matching Sync is answered (or was skipped).
                while let Some(p) = self.pending.pop_front() {
                    if matches!(p, Pending::Ready { .. }) {
                        break;
                    }
                }
                self.last_done = now;
                if status == b'I' {
                    if self.txn.take().is_some() {
                        self.stats.transactions += 1;
                    }
                    self.idle_txn_since = None;
                } else {
                    if self.txn.is_none() {
                        self.new_txn();
                    }
                    self.idle_txn_since = Some(now);
                }
            }
            Backend::CopyIn => self.enter_copy_in(),
            Backend::ParameterDescription(types) => {
                if let Some(Pending::Describe {
                    name,
                    sql: Some(described),
                }) = self.pending.front()
                    && let Some(stmt) = self.statements.get_mut(name)
                    && Arc::ptr_eq(&stmt.sql, described)
                    && stmt.types.iter().all(|&t| t == 0)
                {
                    stmt.types = types;
                }
                if let Some(Pending::Describe { .. }) = self.pending.front() {
                    self.pending.pop_front();
                }
            }
            Backend::Other => {}
        }
    }

    /// The COPY at the front of the queue now takes data (an untracked
    /// `Execute` queues a placeholder there too): the `Sync`s the client
    /// sent before its data ended were ignored by the server (a simple
    /// `Query`'s own `ReadyForQuery` still comes, after the COPY).
    fn enter_copy_in(&mut self) {
        self.copy_in = true;
        let mut i = 1;
        while i < self.pending.len() {
            match self.pending[i] {
                Pending::Ready { sync: true } => {
                    self.pending.remove(i);
                }
                Pending::Ready { sync: false } => i += 1,
                Pending::CopyEnd => {
                    self.pending.remove(i);
                    self.copy_in = false;
                    return;
                }
                Pending::Statement { .. } | Pending::Parse { .. } | Pending::Describe { .. } => {
                    i += 1;
                }
            }
        }
    }

    /// Puts back what a refused or skipped named `Parse` changed.
    fn undo(&mut self, undo: Undo) {
        match undo.previous {
            Some(previous) => {
                self.statements.named.insert(undo.name, previous);
            }
            None => {
                self.statements.named.remove(&undo.name);
            }
        }
    }

    /// `BEGIN` (or `START TRANSACTION`, its own tag) opens a transaction
    /// before its own event (it belongs to it); `COMMIT`/`ROLLBACK` close
    /// it after theirs.
    fn open_or_close_txn(&mut self, command: &[u8], before: bool) {
        match (before, command) {
            (true, b"BEGIN" | b"START TRANSACTION") if self.txn.is_none() => self.new_txn(),
            (false, b"COMMIT" | b"ROLLBACK") if self.txn.take().is_some() => {
                self.stats.transactions += 1;
            }
            _ => {}
        }
    }

    /// Names the session's next transaction `<session id>:<n>`, the
    /// string built in place: through `format!` it took twice the
    /// instructions (bench/README.md).
    fn new_txn(&mut self) {
        self.txn_seq += 1;
        let mut id = String::with_capacity(self.info.id.len() + 21);
        id.push_str(&self.info.id);
        id.push(':');
        let _ = write!(id, "{}", self.txn_seq);
        self.txn = Some(Arc::from(id));
    }

    /// Ends the statement at the front of the queue (a `Parse` only ends by failing).
    fn complete(
        &mut self,
        now: Instant,
        rows: Option<u64>,
        error: Option<String>,
        sink: &dyn EventSink,
    ) {
        let (sql, params, sent) = match self.pending.pop_front() {
            Some(Pending::Statement {
                sql: Some(sql),
                params,
                sent,
            }) => (sql, params, sent),
            Some(Pending::Parse { sql, sent, undo }) if error.is_some() => {
                if let Some(undo) = undo {
                    self.undo(*undo);
                }
                match sql {
                    Some(sql) => (Sql::Shared(sql), Vec::new(), sent),
                    None => return,
                }
            }
            // Answered, not analysed.
            Some(Pending::Statement { sql: None, .. }) => {
                self.last_done = now;
                return;
            }
            Some(other) => {
                self.pending.push_front(other);
                return;
            }
            None => return,
        };
        let start = sent.max(self.last_done);
        let took = now.saturating_duration_since(start);
        // As u64, not u128: converting a u128 to f64 is a library call.
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        let event = QueryEvent {
            ts: Some(self.clock.at(start)),
            sql: sql.into_string(),
            params,
            #[allow(clippy::cast_precision_loss)]
            duration_ms: Some(micros as f64 / 1000.0),
            rows,
            session: Some(self.info.id.clone()),
            txn: self.txn.clone(),
            db: self.info.database.clone(),
            user: self.info.user.clone(),
            source: Some(self.source.clone()),
            error,
            ..QueryEvent::default()
        };
        self.last_done = now;
        self.stats.statements += 1;
        self.stats.busy += took;
        sink.record(event);
    }
}

/// A wall-clock reading and the monotonic instant it was taken at, so an
/// instant converts to wall-clock time without reading the clock again.
#[derive(Debug, Clone, Copy)]
struct WallClock {
    instant: Instant,
    micros: i64,
}

/// How long a reading serves before the wall clock is read anew (so the
/// two clocks cannot drift apart by more than a second's slew).
const WALL_CLOCK_REFRESH: Duration = Duration::from_secs(1);

impl WallClock {
    fn now() -> Self {
        let since_epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        WallClock {
            instant: Instant::now(),
            micros: i64::try_from(since_epoch.as_micros()).unwrap_or(i64::MAX),
        }
    }

    /// The wall-clock time of `at` (refreshing the reading when it is old).
    fn at(&mut self, at: Instant) -> Timestamp {
        if at.saturating_duration_since(self.instant) > WALL_CLOCK_REFRESH {
            *self = WallClock::now();
        }
        let micros = |d: Duration| i64::try_from(d.as_micros()).unwrap_or(i64::MAX);
        let wall = match at.checked_duration_since(self.instant) {
            Some(after) => self.micros.saturating_add(micros(after)),
            None => self.micros.saturating_sub(micros(self.instant - at)),
        };
        Timestamp(wall)
    }
}

/// Prepared statements or portals by name. Most drivers only ever use the
/// unnamed one, re-set for each execution: it is kept apart, so it costs no
/// key allocation and no hashing.
#[derive(Debug)]
struct Named<T> {
    unnamed: Option<T>,
    named: HashMap<Box<str>, T>,
}

impl<T> Default for Named<T> {
    fn default() -> Self {
        Named {
            unnamed: None,
            named: HashMap::new(),
        }
    }
}

impl<T> Named<T> {
    fn get(&self, name: &str) -> Option<&T> {
        if name.is_empty() {
            self.unnamed.as_ref()
        } else {
            self.named.get(name)
        }
    }

    fn get_mut(&mut self, name: &str) -> Option<&mut T> {
        if name.is_empty() {
            self.unnamed.as_mut()
        } else {
            self.named.get_mut(name)
        }
    }

    fn insert(&mut self, name: &str, value: T) {
        if name.is_empty() {
            self.unnamed = Some(value);
        } else {
            self.named.insert(name.into(), value);
        }
    }

    fn remove(&mut self, name: &str) {
        if name.is_empty() {
            self.unnamed = None;
        } else {
            self.named.remove(name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{FrameError, Framer};
    use crate::message::{extended, msg, msgs};
    use crate::tap::frame;
    use std::sync::Mutex;

    #[derive(Default)]
    struct Collect(Mutex<Vec<QueryEvent>>);

    impl EventSink for Collect {
        fn record(&self, event: QueryEvent) {
            self.0.lock().unwrap().push(event);
        }

        fn dropped(&self, _statements: u64) {
            unreachable!("the session never drops");
        }
    }

    /// A session fed bytes as the relay taps them.
    struct Tapped {
        session: Session,
        sink: Arc<Collect>,
    }

    impl Tapped {
        fn new(info: SessionInfo, sink: Arc<Collect>) -> Self {
            Tapped {
                session: Session::new(info),
                sink,
            }
        }

        /// Frames `data` (whole messages) from `side` into the session.
        fn feed(&mut self, side: Side, data: &[u8], now: Instant) -> Result<(), FrameError> {
            let Tapped { session, sink } = self;
            frame(&mut Framer::default(), side, data, |tag, body| {
                session.on_message(side, tag, body, now, &**sink);
            })
        }
    }

    /// The server answers a COPY of one row and then `SELECT 2`: both are recorded.
    fn copy_and_select_answered(s: &mut Tapped, sink: &Collect, t0: Instant) {
        let answers = msgs(&[
            (b'C', b"COPY 1\0"),
            (b'Z', b"I"),
            (b'C', b"SELECT 1\0"),
            (b'Z', b"I"),
        ]);
        s.feed(Side::Server, &answers, t0).unwrap();
        let events = sink.0.lock().unwrap();
        let got: Vec<_> = events.iter().map(|e| (e.sql.as_str(), e.rows)).collect();
        assert_eq!(got, [("COPY t FROM STDIN", Some(1)), ("SELECT 2", Some(1))]);
    }

    fn session() -> (Tapped, Arc<Collect>) {
        let sink = Arc::new(Collect::default());
        let info = SessionInfo {
            id: Arc::from("proxy:1"),
            user: Some(Arc::from("web")),
            database: None,
        };
        let mut s = Tapped::new(info, sink.clone());
        // The end of authentication.
        s.feed(Side::Server, &msg(b'Z', b"I"), Instant::now())
            .unwrap();
        (s, sink)
    }

    #[test]
    fn wall_clock_converts_instants_without_reading_the_clock_again() {
        let mut clock = WallClock::now();
        let base = clock.micros;
        let later = clock.instant + Duration::from_millis(250);
        assert_eq!(clock.at(later).0, base + 250_000);
        let earlier = clock.instant.checked_sub(Duration::from_millis(3));
        if let Some(earlier) = earlier {
            assert_eq!(clock.at(earlier).0, base - 3_000);
        }
        // Past the refresh interval the clock is read anew, and still agrees.
        let much_later = clock.instant + WALL_CLOCK_REFRESH + Duration::from_millis(1);
        let got = clock.at(much_later).0;
        assert!((got - (base + 1_001_000)).abs() < 50_000, "{got} vs {base}");
    }

    #[test]
    fn events_carry_the_wall_clock_time_their_statement_started() {
        let (mut s, sink) = session();
        let before = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
        let t0 = Instant::now();
        s.feed(Side::Client, &msg(b'Q', b"SELECT 1\0"), t0).unwrap();
        let answer = msgs(&[(b'C', b"SELECT 1\0"), (b'Z', b"I")]);
        s.feed(Side::Server, &answer, t0 + Duration::from_millis(5))
            .unwrap();
        let after = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
        let ts = sink.0.lock().unwrap()[0].ts.unwrap().0;
        let micros = |d: Duration| i64::try_from(d.as_micros()).unwrap();
        assert!(ts >= micros(before) - 1_000 && ts <= micros(after), "{ts}");
    }

    #[test]
    fn a_statement_re_parsed_as_non_utf8_text_is_not_analysed_as_the_old_one() {
        let (mut s, sink) = session();
        let done = msgs(&[
            (b'1', b""),
            (b'2', b""),
            (b'C', b"SELECT 1\0"),
            (b'Z', b"I"),
        ]);
        let now = Instant::now();
        for sql in [&b"SELECT 1"[..], b"SELECT '\xe9'"] {
            s.feed(Side::Client, &extended(sql), now).unwrap();
            s.feed(Side::Server, &done, now).unwrap();
        }
        let sqls: Vec<String> = sink
            .0
            .lock()
            .unwrap()
            .iter()
            .map(|e| e.sql.clone())
            .collect();
        assert_eq!(sqls, ["SELECT 1"]);
    }

    #[test]
    fn a_query_sent_with_the_startup_waits_for_authentication_to_end() {
        let sink = Arc::new(Collect::default());
        let info = SessionInfo {
            id: Arc::from("proxy:2"),
            user: None,
            database: None,
        };
        let mut s = Tapped::new(info, sink.clone());
        let t0 = Instant::now();
        s.feed(Side::Client, &msg(b'Q', b"SELECT 1\0"), t0).unwrap();
        let answer = msgs(&[
            (b'R', &[0, 0, 0, 0]),
            (b'Z', b"I"),
            (b'C', b"SELECT 1\0"),
            (b'Z', b"I"),
        ]);
        s.feed(Side::Server, &answer, t0).unwrap();
        assert_eq!(sink.0.lock().unwrap().len(), 1);
    }

    #[test]
    fn a_resync_forgets_what_was_in_flight_and_prepared() {
        let (mut s, sink) = session();
        let t0 = Instant::now();
        let before = msgs(&[(b'P', b"\0SELECT $1\0\0\0"), (b'Q', b"SELECT 1\0")]);
        s.feed(Side::Client, &before, t0).unwrap();
        // The tap missed the rest of that exchange.
        s.session.resync();
        let answer = msgs(&[(b'C', b"SELECT 1\0"), (b'Z', b"I")]);
        s.feed(Side::Server, &answer, t0).unwrap();
        // The unnamed statement prepared before the gap may have been
        // replaced during it: its executions are not guessed at.
        let run = msgs(&[
            (b'B', b"\0\0\0\0\0\x01\0\0\0\x017\0\0"),
            (b'E', b"\0\0\0\0\0"),
            (b'S', b""),
        ]);
        s.feed(Side::Client, &run, t0).unwrap();
        let answer = msgs(&[(b'2', b""), (b'C', b"SELECT 1\0"), (b'Z', b"I")]);
        s.feed(Side::Server, &answer, t0).unwrap();
        assert!(sink.0.lock().unwrap().is_empty());
        // What comes after is tapped as usual.
        s.feed(Side::Client, &msg(b'Q', b"SELECT 3\0"), t0).unwrap();
        let answer = msgs(&[(b'C', b"SELECT 1\0"), (b'Z', b"I")]);
        s.feed(Side::Server, &answer, t0).unwrap();
        let events = sink.0.lock().unwrap();
        let got: Vec<_> = events.iter().map(|e| e.sql.as_str()).collect();
        assert_eq!(got, ["SELECT 3"]);
    }

    #[test]
    fn copy_in_ignores_the_sync_sent_before_the_data() {
        let (mut s, sink) = session();
        let t0 = Instant::now();
        // Parse/Bind/Execute/Sync, then the data and CopyDone, then Sync: as tokio-postgres sends.
        let batch = extended(b"COPY t FROM STDIN");
        s.feed(Side::Client, &batch, t0).unwrap();
        let answer = msgs(&[(b'1', b""), (b'2', b""), (b'G', &[0, 0, 0])]);
        s.feed(Side::Server, &answer, t0).unwrap();
        let data = msgs(&[
            (b'd', b"1\n"),
            (b'c', b""),
            (b'S', b""),
            (b'Q', b"SELECT 2\0"),
        ]);
        s.feed(Side::Client, &data, t0).unwrap();
        copy_and_select_answered(&mut s, &sink, t0);
    }

    /// A COPY the session could not follow (its text is not UTF-8, so its
    /// `Execute` queued nothing): the `Sync` sent before its data is
    /// ignored by the server all the same, and the statements after it are
    /// matched to their own answers, whether the data ends before or after
    /// the server takes it.
    #[test]
    fn an_untracked_copy_leaves_the_statements_after_it_matched() {
        for early in [false, true] {
            let (mut s, sink) = session();
            let t0 = Instant::now();
            s.feed(Side::Client, &extended(b"COPY t FROM STDIN -- \xff"), t0)
                .unwrap();
            let data = msgs(&[(b'd', b"1\n"), (b'c', b""), (b'S', b"")]);
            if early {
                s.feed(Side::Client, &data, t0).unwrap();
            }
            let answer = msgs(&[(b'1', b""), (b'2', b""), (b'G', &[0, 0, 0])]);
            s.feed(Side::Server, &answer, t0).unwrap();
            if !early {
                s.feed(Side::Client, &data, t0).unwrap();
            }
            let next = [msg(b'Q', b"SELECT 2\0"), msg(b'Q', b"SELECT 3, 3\0")].concat();
            s.feed(Side::Client, &next, t0).unwrap();
            let answers = msgs(&[
                (b'C', b"COPY 1\0"),
                (b'Z', b"I"),
                (b'C', b"SELECT 1\0"),
                (b'Z', b"I"),
                (b'C', b"SELECT 2\0"),
                (b'Z', b"I"),
            ]);
            s.feed(Side::Server, &answers, t0).unwrap();
            let events = sink.0.lock().unwrap();
            let got: Vec<_> = events.iter().map(|e| (e.sql.as_str(), e.rows)).collect();
            assert_eq!(
                got,
                [("SELECT 2", Some(1)), ("SELECT 3, 3", Some(2))],
                "data ending early: {early}"
            );
            assert!(s.session.pending.is_empty(), "{:?}", s.session.pending);
        }
    }

    #[test]
    fn a_simple_copy_keeps_its_ready_for_query_for_the_query_after_it() {
        let (mut s, sink) = session();
        let t0 = Instant::now();
        s.feed(Side::Client, &msg(b'Q', b"COPY t FROM STDIN\0"), t0)
            .unwrap();
        s.feed(Side::Server, &msg(b'G', &[0, 0, 0]), t0).unwrap();
        // The data, its end and the next query, all before the COPY's answer.
        let ahead = msgs(&[(b'd', b"1\n"), (b'c', b""), (b'Q', b"SELECT 2\0")]);
        s.feed(Side::Client, &ahead, t0).unwrap();
        copy_and_select_answered(&mut s, &sink, t0);
    }

    #[test]
    fn a_failed_copys_late_copy_done_leaves_nothing_behind() {
        let failed = msgs(&[(b'E', b"SERROR\0C22P02\0Mbad\0\0"), (b'Z', b"I")]);
        let next = msgs(&[(b'C', b"SELECT 1\0"), (b'Z', b"I")]);
        let run = |resync: bool, early: bool| {
            let (mut s, sink) = session();
            let t0 = Instant::now();
            s.feed(Side::Client, &msg(b'Q', b"COPY t FROM STDIN\0"), t0)
                .unwrap();
            if early {
                // The data ends before the server answers; the COPY fails first.
                s.feed(Side::Client, &msgs(&[(b'd', b"x\n"), (b'c', b"")]), t0)
                    .unwrap();
            } else {
                s.feed(Side::Server, &msg(b'G', &[0, 0, 0]), t0).unwrap();
                s.feed(Side::Client, &msg(b'd', b"x\n"), t0).unwrap();
            }
            s.feed(Side::Server, &failed, t0).unwrap();
            if resync {
                s.session.resync();
            }
            // The client ends its data after the error (the server drops that), then goes on.
            if !early {
                s.feed(Side::Client, &msg(b'c', b""), t0).unwrap();
            }
            s.feed(Side::Client, &msg(b'Q', b"SELECT 2\0"), t0).unwrap();
            s.feed(Side::Server, &next, t0).unwrap();
            let events = sink.0.lock().unwrap();
            events
                .iter()
                .map(|e| (e.sql.clone(), e.error.is_some()))
                .collect::<Vec<_>>()
        };
        let copy = ("COPY t FROM STDIN".to_string(), true);
        let select = ("SELECT 2".to_string(), false);
        assert_eq!(run(false, false), [copy.clone(), select.clone()]);
        assert_eq!(run(false, true), [copy.clone(), select.clone()]);
        // After a resync the COPY's failure went unseen; what follows is still matched.
        assert_eq!(run(true, false), [copy, select.clone()]);
    }

    #[test]
    fn an_error_in_copy_in_makes_the_syncs_that_follow_count_again() {
        let (mut s, sink) = session();
        let t0 = Instant::now();
        let copy = extended(b"COPY t FROM STDIN");
        s.feed(Side::Client, &copy, t0).unwrap();
        let answer = msgs(&[(b'1', b""), (b'2', b""), (b'G', &[0, 0, 0])]);
        s.feed(Side::Server, &answer, t0).unwrap();
        s.feed(Side::Client, &msg(b'd', b"x\n"), t0).unwrap();
        s.feed(Side::Server, &msg(b'E', b"SERROR\0C22P02\0Mbad\0\0"), t0)
            .unwrap();
        // The client gives up on its data and pipelines two statements, each with its Sync.
        s.feed(
            Side::Client,
            &[msg(b'S', b""), extended(b"SELECT 2"), extended(b"SELECT 3")].concat(),
            t0,
        )
        .unwrap();
        let done = msgs(&[
            (b'1', b""),
            (b'2', b""),
            (b'C', b"SELECT 1\0"),
            (b'Z', b"I"),
        ]);
        s.feed(
            Side::Server,
            &[msg(b'Z', b"I"), done.clone(), done].concat(),
            t0,
        )
        .unwrap();
        let events = sink.0.lock().unwrap();
        let got: Vec<_> = events.iter().map(|e| e.sql.as_str()).collect();
        assert_eq!(got, ["COPY t FROM STDIN", "SELECT 2", "SELECT 3"]);
    }

    #[test]
    fn simple_query_statements_each_get_their_completion() {
        let (mut s, sink) = session();
        let t0 = Instant::now();
        s.feed(
            Side::Client,
            &msg(b'Q', b"BEGIN; SELECT 1; SELECT 'a;b'\0"),
            t0,
        )
        .unwrap();
        let answer = msgs(&[
            (b'C', b"BEGIN\0"),
            (b'D', b"\0\x01\0\0\0\x011"),
            (b'C', b"SELECT 1\0"),
        ]);
        s.feed(Side::Server, &answer, t0 + Duration::from_micros(250))
            .unwrap();
        let rest = msgs(&[(b'E', b"SERROR\0C42601\0Mboom\0\0"), (b'Z', b"E")]);
        s.feed(Side::Server, &rest, t0 + Duration::from_micros(400))
            .unwrap();
        let events = sink.0.lock().unwrap();
        let got: Vec<_> = events
            .iter()
            .map(|e| (e.sql.as_str(), e.rows, e.error.as_deref(), e.txn.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("BEGIN", None, None, Some("proxy:1:1")),
                ("SELECT 1", Some(1), None, Some("proxy:1:1")),
                ("SELECT 'a;b'", None, Some("42601: boom"), Some("proxy:1:1")),
            ]
        );
        // The first statement is timed from the request, the later ones from the previous end.
        assert_eq!(events[0].duration_ms, Some(0.25));
        assert_eq!(events[2].duration_ms, Some(0.15));
        assert_eq!(events[0].user.as_deref(), Some("web"));
    }

    #[test]
    fn extended_protocol_maps_names_portals_and_binary_params() {
        let (mut s, sink) = session();
        let t0 = Instant::now();
        let batch = msgs(&[
            (b'P', b"s1\0SELECT * FROM t WHERE id = $1\0\0\0"),
            (b'D', b"Ss1\0"),
            (b'S', b""),
        ]);
        s.feed(Side::Client, &batch, t0).unwrap();
        let answer = msgs(&[(b'1', b""), (b't', &[0, 1, 0, 0, 0, 23]), (b'Z', b"I")]);
        s.feed(Side::Server, &answer, t0).unwrap();
        for id in [7_i32, 8] {
            let mut bind = b"\0s1\0\0\x01\0\x01\0\x01\0\0\0\x04".to_vec();
            bind.extend_from_slice(&id.to_be_bytes());
            bind.extend_from_slice(&[0, 0]);
            let batch = msgs(&[(b'B', &bind), (b'E', b"\0\0\0\0\0"), (b'S', b"")]);
            s.feed(Side::Client, &batch, t0).unwrap();
            let answer = msgs(&[(b'2', b""), (b'C', b"SELECT 1\0"), (b'Z', b"I")]);
            s.feed(Side::Server, &answer, t0 + Duration::from_micros(90))
                .unwrap();
        }
        let events = sink.0.lock().unwrap();
        let params: Vec<_> = events.iter().map(|e| e.params.clone()).collect();
        assert_eq!(params, [[Some("7".to_owned())], [Some("8".to_owned())]]);
        assert!(
            events
                .iter()
                .all(|e| e.sql == "SELECT * FROM t WHERE id = $1")
        );
        assert_eq!(events[0].duration_ms, Some(0.09));
    }

    #[test]
    fn a_portal_run_in_steps_keeps_its_parameters_for_each_step() {
        let (mut s, sink) = session();
        let t0 = Instant::now();
        let mut batch = msgs(&[
            (b'P', b"\0SELECT * FROM t WHERE k = $1\0\0\0"),
            (b'B', b"\0\0\0\0\0\x01\0\0\0\x01x\0\0"),
        ]);
        // Two steps of one row each, then the rest.
        for max_rows in [1_u32, 1, 0] {
            let mut execute = b"\0".to_vec();
            execute.extend_from_slice(&max_rows.to_be_bytes());
            batch.extend(msg(b'E', &execute));
        }
        batch.extend(msg(b'S', b""));
        s.feed(Side::Client, &batch, t0).unwrap();
        let answer = msgs(&[
            (b'1', b""),
            (b'2', b""),
            (b's', b""),
            (b's', b""),
            (b'C', b"SELECT 1\0"),
            (b'Z', b"I"),
        ]);
        s.feed(Side::Server, &answer, t0).unwrap();
        let events = sink.0.lock().unwrap();
        let params: Vec<_> = events.iter().map(|e| e.params.clone()).collect();
        assert_eq!(params, vec![vec![Some("x".to_owned())]; 3]);
    }

    #[test]
    fn an_error_skips_the_rest_of_the_batch_until_sync() {
        let (mut s, sink) = session();
        let t0 = Instant::now();
        let mut batch = Vec::new();
        for sql in ["SELECT nope", "SELECT 2"] {
            batch.extend(msg(b'P', format!("\0{sql}\0\0\0").as_bytes()));
            batch.extend(msg(b'B', b"\0\0\0\0\0\0\0\0"));
            batch.extend(msg(b'E', b"\0\0\0\0\0"));
        }
        batch.extend(msg(b'S', b""));
        batch.extend(msg(b'Q', b"SELECT 3\0"));
        s.feed(Side::Client, &batch, t0).unwrap();
        let answer = msgs(&[
            (b'E', b"C42703\0Mcolumn \"nope\" does not exist\0\0"),
            (b'Z', b"I"),
            (b'C', b"SELECT 1\0"),
            (b'Z', b"I"),
        ]);
        s.feed(Side::Server, &answer, t0).unwrap();
        let events = sink.0.lock().unwrap();
        let got: Vec<_> = events
            .iter()
            .map(|e| (e.sql.as_str(), e.error.is_some()))
            .collect();
        assert_eq!(got, [("SELECT nope", true), ("SELECT 3", false)]);
        assert_eq!(s.session.stats().statements, 2);
    }

    #[test]
    fn idle_time_inside_a_transaction_is_counted() {
        let (mut s, _sink) = session();
        let t0 = Instant::now();
        s.feed(Side::Client, &msg(b'Q', b"BEGIN\0"), t0).unwrap();
        let answer = msgs(&[(b'C', b"BEGIN\0"), (b'Z', b"T")]);
        s.feed(Side::Server, &answer, t0).unwrap();
        s.feed(
            Side::Client,
            &msg(b'Q', b"COMMIT\0"),
            t0 + Duration::from_millis(30),
        )
        .unwrap();
        let answer = msgs(&[(b'C', b"COMMIT\0"), (b'Z', b"I")]);
        s.feed(Side::Server, &answer, t0 + Duration::from_millis(31))
            .unwrap();
        let stats = s.session.stats();
        assert_eq!(stats.idle_in_transaction, Duration::from_millis(30));
        assert_eq!((stats.statements, stats.transactions), (2, 1));
    }

    /// A pipelined batch (one `Sync`) whose first statement the session
    /// cannot follow (its text is not UTF-8) and whose second it can: each
    /// answer goes to its own statement, whether the first succeeds or fails.
    #[test]
    fn an_untracked_statement_in_a_batch_leaves_the_next_one_its_own_answer() {
        let mut batch = msgs(&[
            (b'P', b"\0INSERT INTO t VALUES ('\xe9')\0\0\0"),
            (b'B', b"\0\0\0\0\0\0\0\0"),
            (b'E', b"\0\0\0\0\0"),
        ]);
        batch.extend(extended(b"SELECT 2"));
        let ok = msgs(&[
            (b'1', b""),
            (b'2', b""),
            (b'C', b"INSERT 0 5\0"),
            (b'1', b""),
            (b'2', b""),
            (b'C', b"SELECT 1\0"),
            (b'Z', b"I"),
        ]);
        let failed = msgs(&[
            (b'1', b""),
            (b'2', b""),
            (b'E', b"SERROR\0C23505\0Mduplicate key\0\0"),
            (b'Z', b"I"),
        ]);
        for (answer, want) in [
            (ok, vec![("SELECT 2".to_owned(), Some(1), None)]),
            (failed, vec![]),
        ] {
            let (mut s, sink) = session();
            let t0 = Instant::now();
            s.feed(Side::Client, &batch, t0).unwrap();
            s.feed(Side::Server, &answer, t0).unwrap();
            let events = sink.0.lock().unwrap();
            let got: Vec<_> = events
                .iter()
                .map(|e| (e.sql.clone(), e.rows, e.error.clone()))
                .collect();
            assert_eq!(got, want);
            assert!(s.session.pending.is_empty(), "{:?}", s.session.pending);
        }
    }

    /// A simple `Query` whose text is not UTF-8, pipelined (as
    /// tokio-postgres does) ahead of other requests: its answers are not
    /// taken for theirs, and its `ReadyForQuery` does not end theirs.
    #[test]
    fn an_untracked_simple_query_keeps_the_requests_after_it_matched() {
        let failed = msgs(&[(b'E', b"SERROR\0C42P01\0Mno such table\0\0"), (b'Z', b"I")]);
        let done = msgs(&[(b'C', b"SELECT 1\0"), (b'Z', b"I")]);
        let extended_done = [msgs(&[(b'1', b""), (b'2', b"")]), done.clone()].concat();
        for (next, answer) in [
            (msg(b'Q', b"SELECT 2\0"), done),
            (extended(b"SELECT 2"), extended_done),
        ] {
            let (mut s, sink) = session();
            let t0 = Instant::now();
            let pipelined = [msg(b'Q', b"SELECT * FROM caf\xe9\0"), next].concat();
            s.feed(Side::Client, &pipelined, t0).unwrap();
            s.feed(Side::Server, &[failed.clone(), answer].concat(), t0)
                .unwrap();
            let events = sink.0.lock().unwrap();
            let got: Vec<_> = events
                .iter()
                .map(|e| (e.sql.as_str(), e.rows, e.error.is_some()))
                .collect();
            assert_eq!(got, [("SELECT 2", Some(1), false)]);
            assert!(s.session.pending.is_empty(), "{:?}", s.session.pending);
        }
    }

    /// `START TRANSACTION` (as tokio-postgres sends with an isolation
    /// level) opens a transaction as `BEGIN` does: its command tag is
    /// `START TRANSACTION`, and it belongs to the transaction it opens.
    #[test]
    fn start_transaction_belongs_to_the_transaction_it_opens() {
        let (mut s, sink) = session();
        let t0 = Instant::now();
        let sql = b"START TRANSACTION ISOLATION LEVEL SERIALIZABLE; UPDATE t SET a = 1; COMMIT\0";
        s.feed(Side::Client, &msg(b'Q', sql), t0).unwrap();
        let answer = msgs(&[
            (b'C', b"START TRANSACTION\0"),
            (b'C', b"UPDATE 1\0"),
            (b'C', b"COMMIT\0"),
            (b'Z', b"I"),
        ]);
        s.feed(Side::Server, &answer, t0).unwrap();
        let events = sink.0.lock().unwrap();
        let txns: Vec<_> = events.iter().map(|e| e.txn.as_deref()).collect();
        assert_eq!(txns, [Some("proxy:1:1"); 3]);
        assert_eq!(s.session.stats().transactions, 1);
    }

    /// A SQL-standard function body (`BEGIN ATOMIC … END`, PostgreSQL 14)
    /// holds `;`s that end no statement of the `Query`: the server runs
    /// the `CREATE FUNCTION` as one statement, then the next.
    #[test]
    fn a_begin_atomic_body_is_one_statement_of_its_query() {
        let (mut s, sink) = session();
        let t0 = Instant::now();
        let sql =
            b"CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END; SELECT 2\0";
        s.feed(Side::Client, &msg(b'Q', sql), t0).unwrap();
        let answer = msgs(&[
            (b'C', b"CREATE FUNCTION\0"),
            (b'C', b"SELECT 1\0"),
            (b'Z', b"I"),
        ]);
        s.feed(Side::Server, &answer, t0).unwrap();
        let events = sink.0.lock().unwrap();
        let got: Vec<_> = events.iter().map(|e| e.sql.as_str()).collect();
        assert_eq!(
            got,
            [
                "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END",
                "SELECT 2"
            ]
        );
    }

    /// A `Parse` the server refuses or skips changes no statement the
    /// session knows: preparing a name that exists fails (42P05) and the
    /// name keeps its text; a `Parse` skipped after an earlier error in its
    /// batch creates nothing.
    #[test]
    fn a_refused_or_skipped_parse_leaves_named_statements_as_they_were() {
        let (mut s, sink) = session();
        let t0 = Instant::now();
        let prepare = |sql: &[u8]| {
            let parse = [b"s1\0", sql, b"\0\0\0"].concat();
            msgs(&[(b'P', &parse), (b'S', b"")])
        };
        s.feed(Side::Client, &prepare(b"SELECT 1"), t0).unwrap();
        s.feed(Side::Server, &msgs(&[(b'1', b""), (b'Z', b"I")]), t0)
            .unwrap();
        s.feed(Side::Client, &prepare(b"SELECT 2"), t0).unwrap();
        let exists = b"SERROR\0C42P05\0Mprepared statement \"s1\" already exists\0\0";
        s.feed(Side::Server, &msgs(&[(b'E', exists), (b'Z', b"I")]), t0)
            .unwrap();
        // The batch's first statement fails: the server skips the Parse of s2.
        let batch = msgs(&[
            (b'P', b"\0SELECT 1/0\0\0\0"),
            (b'B', b"\0\0\0\0\0\0\0\0"),
            (b'E', b"\0\0\0\0\0"),
            (b'P', b"s2\0SELECT 3\0\0\0"),
            (b'S', b""),
        ]);
        s.feed(Side::Client, &batch, t0).unwrap();
        let failed = msgs(&[
            (b'1', b""),
            (b'2', b""),
            (b'E', b"SERROR\0C22012\0Mdivision by zero\0\0"),
            (b'Z', b"I"),
        ]);
        s.feed(Side::Server, &failed, t0).unwrap();
        // Run both names: s1 is still SELECT 1, and s2 does not exist.
        let run = msgs(&[
            (b'B', b"\0s1\0\0\0\0\0\0\0"),
            (b'E', b"\0\0\0\0\0"),
            (b'B', b"\0s2\0\0\0\0\0\0\0"),
            (b'E', b"\0\0\0\0\0"),
            (b'S', b""),
        ]);
        s.feed(Side::Client, &run, t0).unwrap();
        let answers = msgs(&[
            (b'2', b""),
            (b'C', b"SELECT 1\0"),
            (
                b'E',
                b"SERROR\0C26000\0Mprepared statement \"s2\" does not exist\0\0",
            ),
            (b'Z', b"I"),
        ]);
        s.feed(Side::Server, &answers, t0).unwrap();
        let events = sink.0.lock().unwrap();
        let got: Vec<_> = events
            .iter()
            .map(|e| (e.sql.as_str(), e.error.as_deref().map(|m| &m[..5])))
            .collect();
        assert_eq!(
            got,
            [
                ("SELECT 2", Some("42P05")),
                ("SELECT 1/0", Some("22012")),
                ("SELECT 1", None)
            ]
        );
        assert!(s.session.pending.is_empty(), "{:?}", s.session.pending);
    }

    /// Two statements parsed into the unnamed one, each described, before
    /// the server answers either: each `ParameterDescription` goes to the
    /// text it describes, so the second's binary parameter is decoded by
    /// its own type (text), not the first's (int4).
    #[test]
    fn parameter_types_go_to_the_statement_described() {
        let (mut s, sink) = session();
        let t0 = Instant::now();
        let pipelined = msgs(&[
            (b'P', b"\0SELECT $1::int4\0\0\0"),
            (b'D', b"S\0"),
            (b'P', b"\0SELECT $1::text\0\0\0"),
            (b'D', b"S\0"),
            (b'S', b""),
        ]);
        s.feed(Side::Client, &pipelined, t0).unwrap();
        let described = msgs(&[
            (b'1', b""),
            (b't', b"\0\x01\0\0\0\x17"),
            (b'T', b"\0\0"),
            (b'1', b""),
            (b't', b"\0\x01\0\0\0\x19"),
            (b'T', b"\0\0"),
            (b'Z', b"I"),
        ]);
        s.feed(Side::Server, &described, t0).unwrap();
        // One binary parameter, the four bytes "abcd".
        let bind = b"\0\0\0\x01\0\x01\0\x01\0\0\0\x04abcd\0\0";
        let run = msgs(&[(b'B', bind), (b'E', b"\0\0\0\0\0"), (b'S', b"")]);
        s.feed(Side::Client, &run, t0).unwrap();
        let done = msgs(&[(b'2', b""), (b'C', b"SELECT 1\0"), (b'Z', b"I")]);
        s.feed(Side::Server, &done, t0).unwrap();
        let events = sink.0.lock().unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].sql, "SELECT $1::text");
        assert_eq!(events[0].params, [Some("abcd".to_owned())]);
    }
}
