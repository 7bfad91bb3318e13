//! Units of work: the groups of statements inside which loops and repeats
//! are looked for. An event belongs to the request it served (its `request`
//! field, or sqlcommenter tags such as `route`, `controller`/`action`,
//! `traceparent` — an untagged statement that follows a request's statements
//! without a pause belongs to it too); else to its transaction (the `txn`
//! field, or BEGIN … COMMIT/ROLLBACK on its session); else to its session,
//! split where the session was idle longer than a gap.

use std::collections::HashMap;
use std::sync::Arc;

use xxhash_rust::xxh3::Xxh3DefaultBuilder;

use crate::event::QueryEvent;
use crate::normalize::{Fingerprint, Normalized};

/// A unit splits here at the latest, so memory stays bounded.
pub const MAX_UNIT_EVENTS: usize = 100_000;

/// What the open units of all sessions may hold together, by default.
/// [`MAX_UNIT_EVENTS`] bounds one unit, not how many are open: a proxy in
/// front of a busy pool has a unit open on every connection, each of which
/// may run statements back to back for minutes, and 50 such connections
/// of 500-byte statements would hold nearly 3 GB.
pub const MAX_HELD_BYTES: usize = 256 << 20;

/// What grouped a unit's statements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnitKind {
    Request,
    Transaction,
    Session,
}

/// One statement of a unit, kept until the unit closes.
#[derive(Debug)]
pub struct Entry {
    pub fingerprint: Fingerprint,
    /// Tells executions with the same values apart from the others ([`crate::values::values_hash`]).
    pub values_hash: u64,
    pub duration_ms: f64,
    pub sql: String,
    pub params: Vec<Option<String>>,
}

/// A closed unit: its statements in order.
#[derive(Debug)]
pub struct Unit {
    pub kind: UnitKind,
    /// What grouped it: the request, transaction or session id.
    pub key: Arc<str>,
    /// The session it ran on (empty when events carry none).
    pub session: Arc<str>,
    /// Its number among its session's units, from 1.
    pub seq: u64,
    pub entries: Vec<Entry>,
    /// It closed at a memory bound ([`MAX_UNIT_EVENTS`] statements, or
    /// [`UnitConfig::max_held_bytes`] over all open units), not where its
    /// work ended: the session's next statement goes on in a new unit, and
    /// a loop running across the cut is seen in two parts. Counted so that
    /// a report can say its loops may be split.
    pub cut: bool,
    /// What its entries hold, as [`UnitConfig::max_held_bytes`] counts it.
    held: usize,
}

impl Entry {
    /// The memory the entry holds: itself, its text and its parameters.
    fn footprint(&self) -> usize {
        let params: usize = self
            .params
            .iter()
            .map(|p| size_of::<Option<String>>() + p.as_ref().map_or(0, String::len))
            .sum();
        size_of::<Entry>() + self.sql.len() + params
    }
}

impl Unit {
    /// A readable, unique name: `request GET /posts on pid:7 #3`,
    /// `transaction pid:7 #2`. Made on demand: most units are never named
    /// (only those with findings are), and formatting a name for each unit
    /// as it opened cost 3 % of the proxy pipeline's work in a pgbench
    /// TPC-B-like run (bench/README.md).
    #[must_use]
    pub fn name(&self) -> Arc<str> {
        let kind = match self.kind {
            UnitKind::Request => "request",
            UnitKind::Transaction => "transaction",
            UnitKind::Session => "session",
        };
        let (key, seq) = (&self.key, self.seq);
        Arc::from(
            if self.kind == UnitKind::Request && !self.session.is_empty() {
                format!("{kind} {key} on {} #{seq}", self.session)
            } else {
                format!("{kind} {key} #{seq}")
            },
        )
    }
}

/// How units are cut.
#[derive(Debug, Clone, Copy)]
pub struct UnitConfig {
    /// A session's statement starting longer than this after the previous
    /// one ended starts a new unit.
    pub idle_gap_ms: f64,
    /// What the open units may hold together (their statements' texts and
    /// parameters); past it the largest closes early, splitting a loop it
    /// may be in rather than growing without bound.
    pub max_held_bytes: usize,
}

impl Default for UnitConfig {
    fn default() -> Self {
        UnitConfig {
            idle_gap_ms: 100.0,
            max_held_bytes: MAX_HELD_BYTES,
        }
    }
}

#[derive(Default)]
struct SessionState {
    open: Option<Unit>,
    /// The open unit's grouping key (kind and name without sequence number).
    key: Option<(UnitKind, Arc<str>)>,
    in_txn: bool,
    /// When the last statement ended (µs), if it had a time and a duration.
    last_end: Option<f64>,
    seq: u64,
}

/// Assigns events to units, per session, and hands back units as they close.
#[derive(Default)]
pub struct UnitTracker {
    config: UnitConfig,
    /// By session id; xxh3, not SipHash: it is looked up for every event.
    sessions: HashMap<Arc<str>, SessionState, Xxh3DefaultBuilder>,
    /// What the open units hold together ([`Unit::held`]).
    held: usize,
}

/// What the unit tracker needs to know of a statement, taken where it is
/// normalized (possibly on another thread).
#[derive(Debug, Clone)]
pub struct Marks {
    pub fingerprint: Fingerprint,
    /// Tells executions with the same values apart ([`crate::values::values_hash`]).
    pub values_hash: u64,
    /// The request it served: its `request` field, else its sqlcommenter
    /// tags (`route`, `controller`/`action`, `traceparent`).
    pub request: Option<Arc<str>>,
    /// That request is named by its route or controller tags, which every
    /// request of the route shares (not by a request id or a trace).
    pub by_route: bool,
    /// It opens (`BEGIN`, `START TRANSACTION`) or ends (`COMMIT`, `ROLLBACK`) a transaction.
    pub begins: bool,
    pub ends: bool,
}

impl Marks {
    #[must_use]
    pub fn of(event: &QueryEvent, norm: &Normalized) -> Marks {
        let verb = first_word(&norm.shape);
        let (request, by_route) = request_of(event, norm).unzip();
        Marks {
            fingerprint: norm.id,
            values_hash: crate::values::values_hash(&event.sql, norm, &event.params),
            request,
            by_route: by_route.unwrap_or(false),
            begins: matches!(verb, "begin" | "start"),
            ends: matches!(verb, "commit" | "rollback" | "end"),
        }
    }
}

/// The request an event served: its `request`, else its sqlcommenter tags;
/// and whether it is named by its route (or controller), which every
/// request of that route shares.
fn request_of(e: &QueryEvent, norm: &Normalized) -> Option<(Arc<str>, bool)> {
    if let Some(r) = &e.request {
        return Some((r.clone(), false));
    }
    let tag = |k: &str| {
        norm.tags
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    if let Some(route) = tag("route") {
        return Some((Arc::from(route), true));
    }
    match (tag("controller"), tag("action")) {
        (Some(c), Some(a)) => return Some((Arc::from(format!("{c}#{a}")), true)),
        (Some(c), None) => return Some((Arc::from(c), true)),
        _ => {}
    }
    // W3C traceparent `00-<trace id>-<span id>-<flags>`: the trace is the request.
    tag("traceparent")
        .and_then(|t| t.split('-').nth(1))
        .map(|id| (Arc::from(format!("trace {id}")), false))
}

fn first_word(shape: &str) -> &str {
    shape.split([' ', '(', ';']).next().unwrap_or("")
}

impl UnitTracker {
    #[must_use]
    pub fn new(config: UnitConfig) -> Self {
        UnitTracker {
            config,
            sessions: HashMap::default(),
            held: 0,
        }
    }

    /// Files `event` into its unit; units it closes are appended to `closed`.
    /// The event's text moves into the unit.
    pub fn push(&mut self, event: QueryEvent, marks: &Marks, closed: &mut Vec<Unit>) {
        let session = event.session.clone().unwrap_or_else(|| Arc::from(""));
        let request = marks.request.clone();
        let (begins, ends) = (marks.begins, marks.ends);
        let values_hash = marks.values_hash;
        let state = self.sessions.entry(session.clone()).or_default();
        // Idle from the previous statement's end: a long statement, or a
        // loop of them, is not a pause between units of work.
        #[allow(clippy::cast_precision_loss)]
        let start = event.ts.map(|t| t.micros() as f64);
        let idle = match (state.last_end, start) {
            (Some(end), Some(start)) => (start - end) / 1000.0 > self.config.idle_gap_ms,
            _ => false,
        };
        if let Some(start) = start {
            // The latest end so far: statements of one key may overlap
            // (events without a session share one).
            let end = start + event.duration_ms.unwrap_or(0.0) * 1000.0;
            state.last_end = Some(state.last_end.map_or(end, |last| last.max(end)));
        }
        let key = if let Some(r) = request {
            (UnitKind::Request, r)
        } else if let Some(t) = &event.txn {
            (UnitKind::Transaction, t.clone())
        } else if state.in_txn || begins {
            (UnitKind::Transaction, session.clone())
        } else if let Some(current) = state
            .key
            .clone()
            .filter(|k| k.0 == UnitKind::Request && !idle)
        {
            // An untagged statement right after a request's tagged ones
            // (an ORM that tags only some queries) still serves that request.
            current
        } else {
            (UnitKind::Session, session.clone())
        };
        // A new unit: another key, a new transaction, an idle session, or a
        // full unit. A request named by its route and idle that long is over
        // too: a pooled connection serves the next request of the same route
        // under the same tags, and merging the two would count one loop
        // twice over (a request id or a trace tells requests apart).
        let over = state.key.as_ref() != Some(&key)
            || (begins && key.0 == UnitKind::Transaction)
            || (idle
                && (key.0 == UnitKind::Session || (key.0 == UnitKind::Request && marks.by_route)));
        // No unit open (the session's first statement, or its unit was
        // closed), or the open one is full.
        let full = state
            .open
            .as_ref()
            .is_none_or(|u| u.entries.len() >= MAX_UNIT_EVENTS);
        if over || full {
            // Closed while its work goes on (full): cut short.
            close(&mut self.held, state.open.take(), !over, closed);
            state.seq += 1;
            state.open = Some(Unit {
                kind: key.0,
                key: key.1.clone(),
                session: session.clone(),
                seq: state.seq,
                entries: Vec::new(),
                cut: false,
                held: 0,
            });
            state.key = Some(key);
        }
        if begins {
            state.in_txn = true;
        } else if ends {
            state.in_txn = false;
        }
        if let Some(unit) = state.open.as_mut() {
            let entry = Entry {
                fingerprint: marks.fingerprint,
                values_hash,
                duration_ms: event.duration_ms.unwrap_or(0.0),
                sql: event.sql,
                params: event.params,
            };
            let footprint = entry.footprint();
            unit.held += footprint;
            self.held += footprint;
            unit.entries.push(entry);
        }
        // A finished transaction is complete now: close it at once.
        if ends
            && state
                .key
                .as_ref()
                .is_some_and(|k| k.0 == UnitKind::Transaction)
        {
            state.key = None;
            close(&mut self.held, state.open.take(), false, closed);
        }
        if self.held > self.config.max_held_bytes {
            self.shed(closed);
        }
    }

    /// Closes the open units holding the most (those whose loops, if any,
    /// are the longest seen already) until they hold three quarters of the
    /// budget: one pass over the sessions each time the budget is exceeded,
    /// not one per unit closed. A session whose unit closed this way opens
    /// a new one under the same key with its next statement.
    fn shed(&mut self, closed: &mut Vec<Unit>) {
        let mut largest: Vec<(usize, Arc<str>)> = self
            .sessions
            .iter()
            .filter_map(|(id, s)| s.open.as_ref().map(|u| (u.held, id.clone())))
            .collect();
        largest.sort_unstable_by_key(|(held, _)| std::cmp::Reverse(*held));
        let target = self.config.max_held_bytes / 4 * 3;
        for (_, id) in largest {
            if self.held <= target {
                break;
            }
            if let Some(state) = self.sessions.get_mut(&id) {
                close(&mut self.held, state.open.take(), true, closed);
            }
        }
    }

    /// The units still open, in no particular order.
    pub fn open(&self) -> impl Iterator<Item = &Unit> {
        self.sessions
            .values()
            .filter_map(|s| s.open.as_ref())
            .filter(|u| !u.entries.is_empty())
    }

    /// `session` ended: its open unit is appended to `closed` and its state
    /// forgotten. A proxy sees thousands of connections come and go; without
    /// this each would hold its last unit until the input ends. (A session id
    /// used again afterwards numbers its units from `#1` anew.)
    pub fn end_session(&mut self, session: &str, closed: &mut Vec<Unit>) {
        if let Some(state) = self.sessions.remove(session) {
            close(&mut self.held, state.open, false, closed);
        }
    }

    /// Closes every open unit (the input ended).
    pub fn finish(&mut self) -> Vec<Unit> {
        self.held = 0;
        let mut out: Vec<Unit> = self
            .sessions
            .drain()
            .filter_map(|(_, s)| s.open)
            .filter(|u| !u.entries.is_empty())
            .collect();
        out.sort_by_cached_key(Unit::name);
        out
    }
}

/// Moves `unit`, if any and not empty, to `closed`, marked `cut` if a
/// memory bound closed it ([`Unit::cut`]), and takes what it held off the
/// tracker's count.
fn close(held: &mut usize, unit: Option<Unit>, cut: bool, closed: &mut Vec<Unit>) {
    if let Some(mut unit) = unit {
        *held -= unit.held;
        unit.cut = cut;
        if !unit.entries.is_empty() {
            closed.push(unit);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Dialect;
    use crate::normalize::normalize;
    use crate::time::Timestamp;

    fn ev(sql: &str, session: &str, ms_since_start: i64) -> QueryEvent {
        QueryEvent {
            session: Some(Arc::from(session)),
            ts: Some(Timestamp(ms_since_start * 1000)),
            ..QueryEvent::new(sql)
        }
    }

    fn run(events: Vec<QueryEvent>) -> Vec<(String, usize)> {
        let mut t = UnitTracker::new(UnitConfig::default());
        let mut units = Vec::new();
        for e in events {
            let n = normalize(&e.sql, Dialect::Generic);
            let marks = Marks::of(&e, &n);
            t.push(e, &marks, &mut units);
        }
        units.extend(t.finish());
        units
            .into_iter()
            .map(|u| (u.name().to_string(), u.entries.len()))
            .collect()
    }

    #[test]
    fn a_pause_after_a_slow_statement_in_a_log_written_at_statement_ends_splits() {
        // log_min_duration_statement writes each line as its statement ends:
        // 300 ms pass between the 500 ms statement's end and the next start.
        let log = "\
2026-11-27 10:00:00.001 UTC [42] LOG:  duration: 1.000 ms  statement: SELECT * FROM users WHERE id = 1
2026-11-27 10:00:00.003 UTC [42] LOG:  duration: 1.000 ms  statement: SELECT * FROM users WHERE id = 2
2026-11-27 10:00:00.505 UTC [42] LOG:  duration: 500.000 ms  statement: SELECT pg_sleep(0.5)
2026-11-27 10:00:00.806 UTC [42] LOG:  duration: 1.000 ms  statement: SELECT * FROM users WHERE id = 3
2026-11-27 10:00:00.808 UTC [42] LOG:  duration: 1.000 ms  statement: SELECT * FROM users WHERE id = 4
";
        let (events, bad) = crate::read::test_util::read(crate::read::Format::PgStderr, log);
        assert!(bad.is_empty(), "{bad:?}");
        assert_eq!(
            run(events),
            [
                ("session pid:42 #1".to_owned(), 3),
                ("session pid:42 #2".to_owned(), 2)
            ]
        );
    }

    #[test]
    fn an_ended_session_closes_its_unit_and_is_forgotten() {
        let mut t = UnitTracker::new(UnitConfig::default());
        let mut closed = Vec::new();
        for (i, sql) in ["SELECT 1", "SELECT 2"].into_iter().enumerate() {
            let e = ev(sql, "s1", i64::try_from(i).unwrap());
            let marks = Marks::of(&e, &normalize(sql, Dialect::Generic));
            t.push(e, &marks, &mut closed);
        }
        let e = ev("SELECT 3", "s2", 0);
        let marks = Marks::of(&e, &normalize("SELECT 3", Dialect::Generic));
        t.push(e, &marks, &mut closed);
        assert!(closed.is_empty());
        t.end_session("s1", &mut closed);
        let names: Vec<(Arc<str>, usize)> =
            closed.iter().map(|u| (u.name(), u.entries.len())).collect();
        assert_eq!(names, [(Arc::from("session s1 #1"), 2)]);
        // Only the other session's unit is still held.
        assert_eq!(t.open().count(), 1);
        // An unknown or already ended session closes nothing.
        t.end_session("s1", &mut closed);
        t.end_session("nobody", &mut closed);
        assert_eq!(closed.len(), 1);
    }

    #[test]
    fn open_units_past_the_memory_budget_close_largest_first() {
        // Three sessions run statements back to back (no idle gap, no
        // transaction): each unit stays open until the budget closes it.
        let budget = 4_000;
        let mut t = UnitTracker::new(UnitConfig {
            max_held_bytes: budget,
            ..UnitConfig::default()
        });
        let mut closed = Vec::new();
        let mut pushed = 0;
        for i in 0..60_i64 {
            // s1 sends long statements, s2 and s3 short ones.
            for (session, pad) in [("s1", 200), ("s2", 10), ("s3", 10)] {
                let sql = format!("SELECT {i} /*{}*/", "x".repeat(pad));
                let e = ev(&sql, session, i);
                let marks = Marks::of(&e, &normalize(&sql, Dialect::Generic));
                t.push(e, &marks, &mut closed);
                pushed += 1;
                assert!(
                    t.held <= budget,
                    "{} held after {pushed} statements",
                    t.held
                );
                let open: usize = t.open().map(|u| u.held).sum();
                assert_eq!(t.held, open, "the count follows the open units");
            }
        }
        // The long statements' session filled the budget first and was
        // closed first; each closed unit is a run of one session, cut short.
        assert!(!closed.is_empty());
        assert_eq!(closed[0].session.as_ref(), "s1");
        assert!(closed.iter().all(|u| u.kind == UnitKind::Session && u.cut));
        // Nothing is lost: every statement is in a closed or a final unit,
        // and each session's units are numbered in order.
        let last = t.finish();
        assert!(last.iter().all(|u| !u.cut), "closed at the end, not cut");
        closed.extend(last);
        assert_eq!(
            closed.iter().map(|u| u.entries.len()).sum::<usize>(),
            pushed
        );
        assert_eq!(t.held, 0);
        let s1: Vec<u64> = closed
            .iter()
            .filter(|u| u.session.as_ref() == "s1")
            .map(|u| u.seq)
            .collect();
        assert!(s1.len() > 1 && s1.windows(2).all(|w| w[0] < w[1]), "{s1:?}");
    }

    #[test]
    fn a_full_unit_is_cut_short_unless_it_ended_there() {
        let mut t = UnitTracker::new(UnitConfig::default());
        let mut closed = Vec::new();
        let push = |t: &mut UnitTracker, sql: &str, n: usize, closed: &mut Vec<Unit>| {
            let e = QueryEvent {
                session: Some(Arc::from("s1")),
                ..QueryEvent::new(sql)
            };
            let marks = Marks::of(&e, &normalize(sql, Dialect::Generic));
            for _ in 0..n {
                t.push(e.clone(), &marks, closed);
            }
        };
        // A loop longer than a unit holds: cut at the bound, going on in
        // the next unit.
        push(&mut t, "SELECT 1", MAX_UNIT_EVENTS + 5, &mut closed);
        assert_eq!(closed.len(), 1);
        assert_eq!(closed[0].entries.len(), MAX_UNIT_EVENTS);
        assert!(closed[0].cut);
        // A unit that is full just as its work ends (a transaction begins)
        // is not cut short.
        push(&mut t, "SELECT 1", MAX_UNIT_EVENTS - 5, &mut closed);
        push(&mut t, "BEGIN", 1, &mut closed);
        assert_eq!(closed.len(), 2);
        assert_eq!(closed[1].entries.len(), MAX_UNIT_EVENTS);
        assert!(!closed[1].cut);
    }

    #[test]
    fn requests_transactions_and_idle_gaps() {
        let units = run(vec![
            ev("SELECT 1 /*route='/a'*/", "s1", 0),
            ev("SELECT 2 /*route='/a'*/", "s1", 1),
            ev("BEGIN", "s1", 2),
            ev("UPDATE t SET a = 1", "s1", 3),
            ev("COMMIT", "s1", 4),
            ev("SELECT 3", "s1", 5),
            ev("SELECT 4", "s1", 500),
            ev("SELECT 6 /*route='/b'*/", "s1", 501),
            ev("SELECT 7", "s1", 502),
            ev("SELECT 8", "s1", 900),
            ev("SELECT 5 /*controller='posts',action='index'*/", "s2", 0),
            // A pooled connection, idle between two requests of one route.
            ev("SELECT 9 /*route='/c'*/", "s3", 0),
            ev("SELECT 9 /*route='/c'*/", "s3", 400),
            // Busy, not idle: a statement of 300 ms, then the next right after.
            QueryEvent {
                duration_ms: Some(300.0),
                ..ev("SELECT 10 /*route='/d'*/", "s4", 0)
            },
            ev("SELECT 10 /*route='/d'*/", "s4", 301),
            // A loop of slow statements in an untagged session is one unit.
            QueryEvent {
                duration_ms: Some(150.0),
                ..ev("SELECT 12", "s6", 0)
            },
            QueryEvent {
                duration_ms: Some(150.0),
                ..ev("SELECT 12", "s6", 151)
            },
            // A trace names one request, however long it pauses.
            ev("SELECT 11 /*traceparent='00-abc-01-01'*/", "s5", 0),
            ev("SELECT 11 /*traceparent='00-abc-01-01'*/", "s5", 400),
        ]);
        assert_eq!(
            units,
            [
                ("request /a on s1 #1".to_owned(), 2),
                ("transaction s1 #2".to_owned(), 3),
                ("session s1 #3".to_owned(), 1),
                ("session s1 #4".to_owned(), 1),
                // The untagged statement right after the request belongs to it.
                ("request /b on s1 #5".to_owned(), 2),
                // Two requests, not one: the connection was idle between them.
                ("request /c on s3 #1".to_owned(), 1),
                // Still open at the end: closed by `finish`, in name order.
                ("request /c on s3 #2".to_owned(), 1),
                ("request /d on s4 #1".to_owned(), 2),
                ("request posts#index on s2 #1".to_owned(), 1),
                ("request trace abc on s5 #1".to_owned(), 2),
                ("session s1 #6".to_owned(), 1),
                ("session s6 #1".to_owned(), 2),
            ]
        );
    }
}
