//! What the proxy sees of connections as a whole — sessions at once,
//! connects per second, session lifetimes, time idle in transaction — the
//! evidence behind the connection advice
//! ([`sqlsift_analyzer::connections::ConnectionAdvice`]).
//!
//! The counts are kept twice: since the proxy started (for the exit summary
//! and the console), and since the last [`Traffic::rotate`] (for the store,
//! which merges what it is given: each save must be only the new interval's
//! share, or merging would count it again).

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use sqlsift_analyzer::connections::ConnectionStats;

use crate::session::SessionStats;

/// The connection counters, shared by every connection task.
#[derive(Debug)]
pub struct Traffic {
    inner: Mutex<Inner>,
}

#[derive(Debug)]
struct Inner {
    /// Everything since the proxy started.
    total: ConnectionStats,
    /// When the proxy started: `total`'s elapsed time runs from here.
    started: Instant,
    /// Since the last rotation (or the start).
    interval: ConnectionStats,
    /// When the interval began: its elapsed time runs from here.
    interval_started: Instant,
}

impl Inner {
    /// Applies one change to both the running and the interval counts.
    fn both(&mut self, change: impl Fn(&mut ConnectionStats)) {
        change(&mut self.total);
        change(&mut self.interval);
    }
}

impl Default for Traffic {
    fn default() -> Self {
        let now = Instant::now();
        Traffic {
            inner: Mutex::new(Inner {
                total: ConnectionStats::default(),
                started: now,
                interval: ConnectionStats::default(),
                interval_started: now,
            }),
        }
    }
}

impl Traffic {
    /// The counters, even if a thread panicked holding them: they are plain
    /// numbers, never left half-updated in a way that matters.
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A session opened.
    pub fn opened(&self) {
        let mut c = self.lock();
        c.both(|s| s.sessions += 1);
        // Open now: every session the proxy opened and has not seen end.
        let open = c.total.open();
        c.both(|s| s.peak_open = s.peak_open.max(open));
    }

    /// A cancel request was relayed.
    pub fn cancelled(&self) {
        self.lock().both(|s| s.cancels += 1);
    }

    /// A session opened by [`Traffic::opened`] ended after `lifetime`.
    pub fn closed(&self, lifetime: Duration, stats: SessionStats) {
        // One ended session, merged like any other period's stats.
        let ended = ConnectionStats {
            ended: 1,
            lifetime_total: lifetime,
            lifetime_min: Some(lifetime),
            lifetime_max: lifetime,
            short_lived: u64::from(lifetime < Duration::from_secs(1)),
            statements: stats.statements,
            transactions: stats.transactions,
            busy: stats.busy,
            idle_in_transaction: stats.idle_in_transaction,
            idle_in_transaction_max: stats.idle_in_transaction,
            ..ConnectionStats::default()
        };
        self.lock().both(|c| c.merge(&ended));
    }

    /// The counters since the proxy started.
    pub fn counts(&self) -> ConnectionStats {
        let c = self.lock();
        ConnectionStats {
            elapsed: c.started.elapsed(),
            ..c.total.clone()
        }
    }

    /// The counters since the last rotation (or the start), and a new
    /// interval begun: merging every interval gives [`Traffic::counts`].
    /// Sessions open now carry over, so the new interval's peak starts at
    /// them.
    pub fn rotate(&self) -> ConnectionStats {
        let mut c = self.lock();
        let now = Instant::now();
        let fresh = ConnectionStats {
            peak_open: c.total.open(),
            ..ConnectionStats::default()
        };
        let mut interval = std::mem::replace(&mut c.interval, fresh);
        interval.elapsed = now.duration_since(c.interval_started);
        c.interval_started = now;
        interval
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(idle_ms: u64) -> SessionStats {
        SessionStats {
            statements: 4,
            transactions: 1,
            idle_in_transaction: Duration::from_millis(idle_ms),
            busy: Duration::from_millis(20),
        }
    }

    #[test]
    fn counts_sessions_peaks_and_lifetimes() {
        let t = Traffic::default();
        t.opened();
        t.opened();
        t.closed(Duration::from_millis(10), SessionStats::default());
        t.opened();
        t.closed(Duration::from_secs(3), stats(500));
        let c = t.counts();
        assert_eq!((c.sessions, c.open(), c.peak_open, c.ended), (3, 1, 2, 2));
        assert_eq!(c.short_lived, 1);
        assert_eq!(c.lifetime_min, Some(Duration::from_millis(10)));
        assert_eq!(c.mean_lifetime(), Some(Duration::from_millis(1505)));
        assert_eq!(c.idle_in_transaction, Duration::from_millis(500));
        assert_eq!((c.statements, c.transactions), (4, 1));
    }

    /// Each rotation hands over only its interval; the intervals merge into
    /// the running counts (so the store, merging each save, counts each
    /// session once), and a session open across a rotation keeps counting
    /// toward the next interval's peak.
    #[test]
    fn rotations_hand_over_intervals_that_merge_into_the_running_counts() {
        let t = Traffic::default();
        t.opened();
        t.opened();
        t.closed(Duration::from_millis(10), stats(0));
        let first = t.rotate();
        assert_eq!(
            (first.sessions, first.ended, first.peak_open),
            (2, 1, 2),
            "{first:?}"
        );
        // One session is still open: the next interval starts with it.
        t.opened();
        t.closed(Duration::from_millis(30), stats(5));
        t.closed(Duration::from_secs(2), stats(7));
        t.cancelled();
        let second = t.rotate();
        assert_eq!(
            (
                second.sessions,
                second.ended,
                second.peak_open,
                second.cancels
            ),
            (1, 2, 2, 1),
            "{second:?}"
        );
        assert_eq!(second.lifetime_min, Some(Duration::from_millis(30)));
        assert_eq!(second.idle_in_transaction, Duration::from_millis(12));
        // Nothing happened since: an empty interval, peak at the none open.
        let third = t.rotate();
        assert_eq!((third.sessions, third.ended, third.peak_open), (0, 0, 0));

        let mut merged = first;
        merged.merge(&second);
        merged.merge(&third);
        let running = t.counts();
        assert!(merged.elapsed <= running.elapsed);
        assert_eq!(
            ConnectionStats {
                elapsed: Duration::ZERO,
                ..merged
            },
            ConnectionStats {
                elapsed: Duration::ZERO,
                ..running
            }
        );
        assert_eq!((running.sessions, running.open()), (3, 0));
    }
}
