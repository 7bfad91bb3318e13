//! Connection statistics — sessions at once, connects per second, session
//! lifetimes, time idle in transaction — and the pooling advice judged from
//! them.
//!
//! The proxy counts them (`sqlsift_proxy::Traffic`), but they live here so
//! that a [`crate::workload::Workload`] can carry them into the store and
//! the report like its digests: they are plain data that merge (across a
//! proxy's store rotations, across proxies), and the advice is a judgement
//! on them that every reader of a workload — `sqlsift report --store`, the
//! proxy's exit summary, the console — makes the same way.
//!
//! The advice: an application that opens a connection per request pays a
//! backend fork and an authentication round trip each time, and one that
//! holds transactions open while it thinks keeps a backend (and its locks)
//! busy doing nothing. Both are fixed by a pool; its size follows from how
//! much server time the sessions actually used (Little's law: busy time over
//! wall time is the number of connections in use on average).

use std::fmt::{self, Write as _};
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// What a proxy saw of connections over a period: counts and times that add
/// up across periods and proxies (see [`ConnectionStats::merge`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ConnectionStats {
    /// Sessions opened (cancel requests not counted).
    pub sessions: u64,
    /// The most sessions open at once.
    pub peak_open: u64,
    /// Cancel requests relayed.
    pub cancels: u64,
    /// Sessions ended (in this period: some may have opened before it).
    pub ended: u64,
    /// The sum of the ended sessions' lifetimes.
    pub lifetime_total: Duration,
    /// The shortest ended session's lifetime (none ended: `None`).
    pub lifetime_min: Option<Duration>,
    /// The longest ended session's lifetime.
    pub lifetime_max: Duration,
    /// Sessions that lived under a second (a connection per request).
    pub short_lived: u64,
    /// Statements completed by ended sessions.
    pub statements: u64,
    /// Transactions completed by ended sessions.
    pub transactions: u64,
    /// Time servers spent executing statements, over ended sessions.
    pub busy: Duration,
    /// Time servers sat idle inside a transaction, waiting on the client.
    pub idle_in_transaction: Duration,
    /// The longest single session's total idle-in-transaction time.
    pub idle_in_transaction_max: Duration,
    /// How long the proxy listened over the period (summed over proxies:
    /// rates are then per proxy, which is what a per-application pool needs).
    pub elapsed: Duration,
}

impl ConnectionStats {
    /// Folds the stats of another period (a later interval of the same
    /// proxy, or another proxy) into these: counts, times and elapsed add
    /// up; peaks and longest times take the larger; the shortest lifetime
    /// the smaller.
    pub fn merge(&mut self, other: &ConnectionStats) {
        self.sessions += other.sessions;
        self.peak_open = self.peak_open.max(other.peak_open);
        self.cancels += other.cancels;
        self.ended += other.ended;
        self.lifetime_total += other.lifetime_total;
        self.lifetime_min = match (self.lifetime_min, other.lifetime_min) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.lifetime_max = self.lifetime_max.max(other.lifetime_max);
        self.short_lived += other.short_lived;
        self.statements += other.statements;
        self.transactions += other.transactions;
        self.busy += other.busy;
        self.idle_in_transaction += other.idle_in_transaction;
        self.idle_in_transaction_max = self
            .idle_in_transaction_max
            .max(other.idle_in_transaction_max);
        self.elapsed += other.elapsed;
    }

    /// Sessions opened and not ended. Exact for stats that start when the
    /// proxy did (its running counts, or the merge of all its intervals),
    /// since sessions and ends both add up; a single interval whose
    /// sessions opened before it may show fewer than are open.
    #[must_use]
    pub fn open(&self) -> u64 {
        self.sessions.saturating_sub(self.ended)
    }

    /// Sessions opened per second of listening.
    #[must_use]
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
    #[must_use]
    pub fn mean_lifetime(&self) -> Option<Duration> {
        let n = u32::try_from(self.ended).ok().filter(|&n| n > 0)?;
        Some(self.lifetime_total / n)
    }
}

/// Sessions needed before the advice judges connection churn.
const MIN_SESSIONS: u64 = 20;
/// Share of sessions living under a second that means "a connection per request".
const SHORT_LIVED_SHARE: f64 = 0.5;
/// Share of session time spent idle in transaction that is worth a warning.
const IDLE_IN_TXN_SHARE: f64 = 0.1;
/// One session idle in transaction this long is worth a warning on its own.
const IDLE_IN_TXN_LONG: Duration = Duration::from_secs(1);

/// What the connection statistics recommend. Its JSON form is the report's
/// `connections` object.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConnectionAdvice {
    /// Sessions opened.
    pub sessions: u64,
    /// The most sessions open at once.
    pub peak_open: u64,
    /// Sessions opened per second of listening.
    pub connects_per_second: f64,
    /// Mean session lifetime in milliseconds (ended sessions).
    pub mean_lifetime_ms: Option<f64>,
    /// Share of session time the server sat idle inside a transaction.
    pub idle_in_transaction_share: f64,
    /// Average connections executing a statement at once (busy time / wall time).
    pub busy_connections: f64,
    /// Why pooling is advised: empty when it is not.
    pub reasons: Vec<String>,
    /// The pool size to start from, when pooling is advised.
    pub pool_size: Option<u64>,
}

impl ConnectionAdvice {
    /// Judges the connection statistics.
    #[must_use]
    pub fn from_counts(c: &ConnectionStats) -> Self {
        let mut reasons = Vec::new();
        #[allow(clippy::cast_precision_loss)]
        let short_share = if c.ended > 0 {
            c.short_lived as f64 / c.ended as f64
        } else {
            0.0
        };
        if c.sessions >= MIN_SESSIONS && short_share >= SHORT_LIVED_SHARE {
            reasons.push(format!(
                "{:.0}% of {} sessions lived under a second ({:.1} connects/s): the application \
                 opens a connection per request; a pool reuses them",
                short_share * 100.0,
                c.sessions,
                c.connects_per_second()
            ));
        }
        let lived = c.lifetime_total.as_secs_f64();
        let idle = c.idle_in_transaction.as_secs_f64();
        let idle_share = if lived > 0.0 { idle / lived } else { 0.0 };
        if idle_share >= IDLE_IN_TXN_SHARE || c.idle_in_transaction_max >= IDLE_IN_TXN_LONG {
            reasons.push(format!(
                "sessions sat idle inside transactions for {idle:.2} s ({:.0}% of their time, \
                 up to {:.2} s in one session): keep transactions short, and pool so idle \
                 clients do not each hold a backend",
                idle_share * 100.0,
                c.idle_in_transaction_max.as_secs_f64()
            ));
        }
        let wall = c.elapsed.as_secs_f64();
        let busy_connections = if wall > 0.0 {
            c.busy.as_secs_f64() / wall
        } else {
            0.0
        };
        let pool_size = (!reasons.is_empty()).then(|| {
            // Connections in use on average, plus those held idle in transactions,
            // with headroom for bursts; never more than were ever open at once.
            let needed = ((c.busy.as_secs_f64() + idle) / wall.max(f64::EPSILON) * 2.0).ceil();
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let needed = needed as u64 + 1;
            needed.clamp(2, c.peak_open.max(2))
        });
        ConnectionAdvice {
            sessions: c.sessions,
            peak_open: c.peak_open,
            connects_per_second: c.connects_per_second(),
            mean_lifetime_ms: c.mean_lifetime().map(|d| d.as_secs_f64() * 1000.0),
            idle_in_transaction_share: idle_share,
            busy_connections,
            reasons,
            pool_size,
        }
    }

    /// The figures in one line: sessions, the most at once, connects per
    /// second, mean lifetime, connections busy on average.
    #[must_use]
    pub fn figures(&self) -> String {
        let mut s = format!(
            "{} sessions, {} at most at once, {:.1} connects/s",
            self.sessions, self.peak_open, self.connects_per_second
        );
        if let Some(ms) = self.mean_lifetime_ms {
            let _ = write!(s, ", {ms:.0} ms mean lifetime");
        }
        let _ = write!(s, ", {:.2} busy on average", self.busy_connections);
        s
    }

    /// The advice in one line a person can act on.
    #[must_use]
    pub fn verdict(&self) -> String {
        match self.pool_size {
            Some(size) => format!(
                "put a connection pool in front of the database (start with {size} server connections)"
            ),
            None => "connection use looks healthy, no pool needed".to_owned(),
        }
    }
}

impl fmt::Display for ConnectionAdvice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "connections: {}", self.figures())?;
        writeln!(f, "advice: {}", self.verdict())?;
        for r in &self.reasons {
            writeln!(f, "  - {r}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts() -> ConnectionStats {
        ConnectionStats {
            elapsed: Duration::from_secs(10),
            ..ConnectionStats::default()
        }
    }

    #[test]
    fn a_connection_per_request_is_told_to_pool() {
        let c = ConnectionStats {
            sessions: 200,
            ended: 200,
            short_lived: 190,
            peak_open: 12,
            lifetime_total: Duration::from_secs(20),
            busy: Duration::from_secs(5),
            ..counts()
        };
        let a = ConnectionAdvice::from_counts(&c);
        assert_eq!(a.reasons.len(), 1, "{a}");
        assert!(a.reasons[0].contains("connection per request"));
        // 0.5 busy on average, doubled, rounded up, plus one.
        assert_eq!(a.pool_size, Some(2));
        assert!((a.connects_per_second - 20.0).abs() < 1e-9);
        assert!(a.to_string().contains("start with 2 server connections"));
    }

    #[test]
    fn long_idle_transactions_are_told_to_shorten_and_pool() {
        let c = ConnectionStats {
            sessions: 4,
            ended: 4,
            peak_open: 4,
            lifetime_total: Duration::from_secs(40),
            idle_in_transaction: Duration::from_secs(12),
            idle_in_transaction_max: Duration::from_secs(6),
            busy: Duration::from_secs(2),
            ..counts()
        };
        let a = ConnectionAdvice::from_counts(&c);
        assert!(a.reasons[0].contains("idle inside transactions"), "{a}");
        // (2 + 12) / 10 × 2 = 2.8 → 3, + 1 = 4, within the 4 ever open.
        assert_eq!(a.pool_size, Some(4));
    }

    #[test]
    fn few_long_sessions_need_no_pool() {
        let c = ConnectionStats {
            sessions: 3,
            ended: 3,
            peak_open: 3,
            lifetime_total: Duration::from_secs(30),
            busy: Duration::from_secs(1),
            ..counts()
        };
        let a = ConnectionAdvice::from_counts(&c);
        assert_eq!((a.reasons.len(), a.pool_size), (0, None));
        assert!(a.to_string().contains("no pool needed"));
    }

    /// Two periods merge as one period covering both would count them:
    /// counts, times and elapsed add up, peaks and longest take the larger,
    /// the shortest lifetime the smaller (and a period with none ended
    /// leaves it alone).
    #[test]
    fn merge_adds_counts_and_keeps_the_extremes() {
        let ms = Duration::from_millis;
        let first = ConnectionStats {
            sessions: 5,
            peak_open: 3,
            cancels: 1,
            ended: 4,
            lifetime_total: ms(400),
            lifetime_min: Some(ms(50)),
            lifetime_max: ms(200),
            short_lived: 4,
            statements: 8,
            transactions: 2,
            busy: ms(30),
            idle_in_transaction: ms(10),
            idle_in_transaction_max: ms(10),
            elapsed: ms(1000),
        };
        let second = ConnectionStats {
            sessions: 2,
            peak_open: 4,
            cancels: 0,
            ended: 3,
            lifetime_total: ms(2300),
            lifetime_min: Some(ms(20)),
            lifetime_max: ms(2000),
            short_lived: 2,
            statements: 5,
            transactions: 1,
            busy: ms(70),
            idle_in_transaction: ms(500),
            idle_in_transaction_max: ms(400),
            elapsed: ms(3000),
        };
        let mut merged = first.clone();
        merged.merge(&second);
        assert_eq!(
            merged,
            ConnectionStats {
                sessions: 7,
                peak_open: 4,
                cancels: 1,
                ended: 7,
                lifetime_total: ms(2700),
                lifetime_min: Some(ms(20)),
                lifetime_max: ms(2000),
                short_lived: 6,
                statements: 13,
                transactions: 3,
                busy: ms(100),
                idle_in_transaction: ms(510),
                idle_in_transaction_max: ms(400),
                elapsed: ms(4000),
            }
        );
        assert_eq!(merged.open(), 0);
        let mut none_ended = ConnectionStats {
            sessions: 1,
            ..ConnectionStats::default()
        };
        none_ended.merge(&first);
        assert_eq!(none_ended.lifetime_min, Some(ms(50)));
        let mut kept = first.clone();
        kept.merge(&ConnectionStats::default());
        assert_eq!(kept, first);
    }

    #[test]
    fn stats_round_trip_through_json() {
        let c = ConnectionStats {
            sessions: 3,
            lifetime_min: Some(Duration::from_micros(1500)),
            elapsed: Duration::from_millis(2500),
            ..ConnectionStats::default()
        };
        let back: ConnectionStats =
            serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
        assert_eq!(back, c);
    }
}
