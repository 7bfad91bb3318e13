//! What the proxy sees of connections as a whole — sessions at once,
//! connects per second, session lifetimes, time idle in transaction — the
//! evidence behind the connection advice ([`crate::advice`]).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::session::SessionStats;

/// The connection counters, shared by every connection task.
#[derive(Debug)]
pub struct Traffic {
    inner: Mutex<Counts>,
    started: Instant,
}

/// A copy of the counters at one moment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Counts {
    /// Sessions opened (cancel requests not counted).
    pub sessions: u64,
    /// Sessions open now.
    pub open: u64,
    /// The most sessions open at once.
    pub peak_open: u64,
    /// Cancel requests relayed.
    pub cancels: u64,
    /// Sessions ended, and the sum, shortest and longest of their lifetimes.
    pub ended: u64,
    pub lifetime_total: Duration,
    pub lifetime_min: Option<Duration>,
    pub lifetime_max: Duration,
    /// Sessions that lived under a second (a connection per request).
    pub short_lived: u64,
    /// Statements and transactions completed by ended sessions.
    pub statements: u64,
    pub transactions: u64,
    /// Time servers spent executing statements, over ended sessions.
    pub busy: Duration,
    /// Time servers sat idle inside a transaction, waiting on the client.
    pub idle_in_transaction: Duration,
    /// The longest single session's total idle-in-transaction time.
    pub idle_in_transaction_max: Duration,
    /// Seconds the proxy has been listening.
    pub elapsed: Duration,
}

impl Counts {
    /// Sessions opened per second of listening.
    pub fn connects_per_second(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        #[allow(clippy::cast_precision_loss)]
        if secs > 0.0 {
            self.sessions as f64 / secs
        } else {
            0.0
        }
    }

    /// Mean lifetime of the ended sessions.
    pub fn mean_lifetime(&self) -> Option<Duration> {
        let n = u32::try_from(self.ended).ok().filter(|&n| n > 0)?;
        Some(self.lifetime_total / n)
    }
}

impl Default for Traffic {
    fn default() -> Self {
        Traffic {
            inner: Mutex::new(Counts::default()),
            started: Instant::now(),
        }
    }
}

impl Traffic {
    /// A session opened.
    pub fn opened(&self) {
        if let Ok(mut c) = self.inner.lock() {
            c.sessions += 1;
            c.open += 1;
            c.peak_open = c.peak_open.max(c.open);
        }
    }

    /// A cancel request was relayed.
    pub fn cancelled(&self) {
        if let Ok(mut c) = self.inner.lock() {
            c.cancels += 1;
        }
    }

    /// A session opened by [`Traffic::opened`] ended after `lifetime`.
    pub fn closed(&self, lifetime: Duration, stats: SessionStats) {
        if let Ok(mut c) = self.inner.lock() {
            c.open = c.open.saturating_sub(1);
            c.ended += 1;
            c.lifetime_total += lifetime;
            c.lifetime_min = Some(c.lifetime_min.map_or(lifetime, |m| m.min(lifetime)));
            c.lifetime_max = c.lifetime_max.max(lifetime);
            if lifetime < Duration::from_secs(1) {
                c.short_lived += 1;
            }
            c.statements += stats.statements;
            c.transactions += stats.transactions;
            c.idle_in_transaction += stats.idle_in_transaction;
            c.busy += stats.busy;
            c.idle_in_transaction_max = c.idle_in_transaction_max.max(stats.idle_in_transaction);
        }
    }

    /// The counters now.
    pub fn counts(&self) -> Counts {
        let mut c = self.inner.lock().map(|c| c.clone()).unwrap_or_default();
        c.elapsed = self.started.elapsed();
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_sessions_peaks_and_lifetimes() {
        let t = Traffic::default();
        t.opened();
        t.opened();
        t.closed(Duration::from_millis(10), SessionStats::default());
        t.opened();
        t.closed(
            Duration::from_secs(3),
            SessionStats {
                statements: 4,
                transactions: 1,
                idle_in_transaction: Duration::from_millis(500),
                busy: Duration::from_millis(20),
            },
        );
        let c = t.counts();
        assert_eq!((c.sessions, c.open, c.peak_open, c.ended), (3, 1, 2, 2));
        assert_eq!(c.short_lived, 1);
        assert_eq!(c.lifetime_min, Some(Duration::from_millis(10)));
        assert_eq!(c.mean_lifetime(), Some(Duration::from_millis(1505)));
        assert_eq!(c.idle_in_transaction, Duration::from_millis(500));
        assert_eq!((c.statements, c.transactions), (4, 1));
    }
}
