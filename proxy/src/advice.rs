//! Connection advice from what the proxy saw of connections: an application
//! that opens a connection per request pays a backend fork and an
//! authentication round trip each time, and one that holds transactions
//! open while it thinks keeps a backend (and its locks) busy doing nothing.
//! Both are fixed by a pool; its size follows from how much server time the
//! sessions actually used (Little's law: busy time over wall time is the
//! number of connections in use on average).

use std::fmt;
use std::time::Duration;

use serde::Serialize;

use crate::traffic::Counts;

/// Sessions needed before the advice judges connection churn.
const MIN_SESSIONS: u64 = 20;
/// Share of sessions living under a second that means "a connection per request".
const SHORT_LIVED_SHARE: f64 = 0.5;
/// Share of session time spent idle in transaction that is worth a warning.
const IDLE_IN_TXN_SHARE: f64 = 0.1;
/// One session idle in transaction this long is worth a warning on its own.
const IDLE_IN_TXN_LONG: Duration = Duration::from_secs(1);

/// What the proxy recommends about connections.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConnectionAdvice {
    /// Sessions opened, the most open at once, and the rate of connects.
    pub sessions: u64,
    pub peak_open: u64,
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
    /// Judges the connection counts.
    pub fn from_counts(c: &Counts) -> Self {
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
}

impl fmt::Display for ConnectionAdvice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "connections: {} sessions, {} at most at once, {:.1} connects/s",
            self.sessions, self.peak_open, self.connects_per_second
        )?;
        if let Some(ms) = self.mean_lifetime_ms {
            write!(f, ", {ms:.0} ms mean lifetime")?;
        }
        writeln!(f, ", {:.2} busy on average", self.busy_connections)?;
        match self.pool_size {
            Some(size) => {
                writeln!(
                    f,
                    "advice: put a connection pool in front of the database (start with {size} server connections)"
                )?;
                for r in &self.reasons {
                    writeln!(f, "  - {r}")?;
                }
                Ok(())
            }
            None => writeln!(f, "advice: connection use looks healthy, no pool needed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts() -> Counts {
        Counts {
            elapsed: Duration::from_secs(10),
            ..Counts::default()
        }
    }

    #[test]
    fn a_connection_per_request_is_told_to_pool() {
        let c = Counts {
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
    }

    #[test]
    fn long_idle_transactions_are_told_to_shorten_and_pool() {
        let c = Counts {
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
        let c = Counts {
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
}
