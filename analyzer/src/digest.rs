//! Per-fingerprint statistics that merge across files, threads and processes.

use std::sync::Arc;

use sketches_ddsketch::{Config, DDSketch};

use crate::dialect::Dialect;
use crate::event::{Origin, QueryEvent};
use crate::normalize::Fingerprint;
use crate::time::Timestamp;

/// Up to this many timed calls, quantiles are computed exactly.
pub const EXACT_MAX: usize = 64;

/// One real execution kept as an example: the slowest seen.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Sample {
    pub sql: String,
    pub params: Vec<Option<String>>,
    pub duration_ms: Option<f64>,
    pub origin: Option<Origin>,
}

/// Everything sqlsift keeps about one fingerprint; serializable whole
/// (sketch included), so that a store can merge it exactly later.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub struct Digest {
    pub id: Fingerprint,
    pub shape: Arc<str>,
    pub dialect: Dialect,
    pub calls: u64,
    pub errors: u64,
    /// Sum of rows returned/affected over the calls that reported rows.
    pub rows: u64,
    pub rows_examined: u64,
    /// Calls that reported a duration.
    pub timed: u64,
    pub total_ms: f64,
    pub min_ms: Option<f64>,
    pub max_ms: Option<f64>,
    /// Latency distribution (DDSketch, 1% relative accuracy): mergeable quantiles.
    #[serde(with = "sketch_bytes")]
    sketch: DDSketch,
    /// The first durations, exactly, while there are at most [`EXACT_MAX`]:
    /// a sketch's quantiles of a handful of values can fall below the mean.
    exact: Vec<f64>,
    pub first_seen: Option<Timestamp>,
    pub last_seen: Option<Timestamp>,
    pub sample: Sample,
}

impl std::fmt::Debug for Digest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Digest")
            .field("id", &self.id)
            .field("shape", &self.shape)
            .field("calls", &self.calls)
            .field("total_ms", &self.total_ms)
            .finish_non_exhaustive()
    }
}

impl Digest {
    /// A digest holding just `event`.
    #[must_use]
    pub fn new(id: Fingerprint, shape: Arc<str>, dialect: Dialect, event: &QueryEvent) -> Self {
        let mut d = Digest {
            id,
            shape,
            dialect,
            calls: 0,
            errors: 0,
            rows: 0,
            rows_examined: 0,
            timed: 0,
            total_ms: 0.0,
            min_ms: None,
            max_ms: None,
            sketch: DDSketch::new(Config::defaults()),
            exact: Vec::new(),
            first_seen: None,
            last_seen: None,
            sample: Sample {
                sql: event.sql.clone(),
                params: event.params.clone(),
                duration_ms: event.duration_ms,
                origin: event.origin.clone(),
            },
        };
        d.record(event);
        d
    }

    /// Adds one execution.
    pub fn record(&mut self, e: &QueryEvent) {
        self.calls += 1;
        self.errors += u64::from(e.error.is_some());
        // Counts come from the input: a bogus huge one saturates, never overflows.
        self.rows = self.rows.saturating_add(e.rows.unwrap_or(0));
        self.rows_examined = self
            .rows_examined
            .saturating_add(e.rows_examined.unwrap_or(0));
        if let Some(ms) = e.duration_ms.filter(|ms| ms.is_finite() && *ms >= 0.0) {
            self.timed += 1;
            self.total_ms += ms;
            self.min_ms = Some(self.min_ms.map_or(ms, |m| m.min(ms)));
            self.max_ms = Some(self.max_ms.map_or(ms, |m| m.max(ms)));
            self.sketch.add(ms);
            self.keep_exact(std::slice::from_ref(&ms));
            if self.sample.duration_ms.is_none_or(|s| ms > s) {
                self.sample = Sample {
                    sql: e.sql.clone(),
                    params: e.params.clone(),
                    duration_ms: Some(ms),
                    origin: e.origin.clone(),
                };
            }
        }
        if let Some(ts) = e.ts {
            self.first_seen = Some(self.first_seen.map_or(ts, |f| f.min(ts)));
            self.last_seen = Some(self.last_seen.map_or(ts, |l| l.max(ts)));
        }
    }

    /// Folds `other` (same fingerprint) into this digest.
    pub fn merge(&mut self, other: &Digest) {
        debug_assert_eq!(self.id, other.id);
        self.calls += other.calls;
        self.errors += other.errors;
        self.rows = self.rows.saturating_add(other.rows);
        self.rows_examined = self.rows_examined.saturating_add(other.rows_examined);
        self.timed += other.timed;
        self.total_ms += other.total_ms;
        self.min_ms = combine(self.min_ms, other.min_ms, f64::min);
        self.max_ms = combine(self.max_ms, other.max_ms, f64::max);
        // Both sketches use the default config, so merging cannot fail.
        let _ = self.sketch.merge(&other.sketch);
        if other.exact.len() == usize::try_from(other.timed).unwrap_or(usize::MAX) {
            self.keep_exact(&other.exact);
        } else {
            self.exact = Vec::new();
        }
        self.first_seen = combine(self.first_seen, other.first_seen, Ord::min);
        self.last_seen = combine(self.last_seen, other.last_seen, Ord::max);
        let theirs_slower = match (self.sample.duration_ms, other.sample.duration_ms) {
            (None, Some(_)) => true,
            (Some(a), Some(b)) => b > a,
            _ => false,
        };
        if theirs_slower {
            self.sample = other.sample.clone();
        }
    }

    /// Mean duration of the timed calls.
    #[must_use]
    #[allow(clippy::cast_precision_loss)]
    pub fn mean_ms(&self) -> Option<f64> {
        (self.timed > 0).then(|| self.total_ms / self.timed as f64)
    }

    /// Keeps `more` exact durations while the digest's timed calls stay few.
    fn keep_exact(&mut self, more: &[f64]) {
        if usize::try_from(self.timed).is_ok_and(|t| t <= EXACT_MAX) {
            self.exact.extend_from_slice(more);
        } else if !self.exact.is_empty() {
            self.exact = Vec::new();
        }
    }

    /// The `q` quantile (0.0–1.0) of durations: exact (nearest rank) for up
    /// to [`EXACT_MAX`] calls, else within 1% relative error.
    #[must_use]
    pub fn quantile_ms(&self, q: f64) -> Option<f64> {
        if !self.exact.is_empty() && self.exact.len() as u64 == self.timed {
            let mut v = self.exact.clone();
            v.sort_by(f64::total_cmp);
            #[allow(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                clippy::cast_precision_loss
            )]
            let rank = ((q.clamp(0.0, 1.0) * v.len() as f64).ceil() as usize).clamp(1, v.len());
            return Some(v[rank - 1]);
        }
        let v = self.sketch.quantile(q).ok().flatten()?;
        Some(v.clamp(self.min_ms.unwrap_or(v), self.max_ms.unwrap_or(v)))
    }
}

/// A sketch travels in DDSketch's portable binary encoding: its own serde
/// form holds an empty sketch's infinite min and max, which JSON cannot carry,
/// and a float read back one bit off would make sketches refuse to merge.
mod sketch_bytes {
    use serde::de::Error;
    use serde::{Deserialize, Deserializer, Serializer};
    use sketches_ddsketch::DDSketch;

    pub fn serialize<S: Serializer>(sketch: &DDSketch, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&sketch.to_java_bytes())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DDSketch, D::Error> {
        let bytes = Vec::<u8>::deserialize(d)?;
        DDSketch::from_java_bytes(&bytes).map_err(D::Error::custom)
    }
}

fn combine<T: Copy>(a: Option<T>, b: Option<T>, pick: fn(T, T) -> T) -> Option<T> {
    match (a, b) {
        (Some(x), Some(y)) => Some(pick(x, y)),
        (x, None) => x,
        (None, y) => y,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(ms: f64) -> QueryEvent {
        QueryEvent {
            duration_ms: Some(ms),
            rows: Some(1),
            ..QueryEvent::new(format!("SELECT {ms}"))
        }
    }

    /// Row counts come from the input (JSONL `rows`, a slow log's
    /// `Rows_sent`): sums of huge ones saturate instead of overflowing.
    #[test]
    fn huge_row_counts_saturate() {
        let e = QueryEvent {
            rows: Some(u64::MAX),
            rows_examined: Some(u64::MAX),
            ..QueryEvent::new("SELECT 1")
        };
        let mut d = Digest::new(Fingerprint(1), "s".into(), Dialect::Generic, &e);
        d.record(&e);
        let other = d.clone();
        d.merge(&other);
        assert_eq!((d.rows, d.rows_examined), (u64::MAX, u64::MAX));
    }

    #[test]
    fn quantiles_and_merge_agree_with_one_pass() {
        let id = Fingerprint(1);
        let mut all = Digest::new(id, "s".into(), Dialect::Generic, &ev(1.0));
        let mut a = Digest::new(id, "s".into(), Dialect::Generic, &ev(1.0));
        let mut b = Digest::new(id, "s".into(), Dialect::Generic, &ev(2.0));
        all.record(&ev(2.0));
        for i in 3..=100 {
            let e = ev(f64::from(i));
            all.record(&e);
            if i % 2 == 0 {
                b.record(&e);
            } else {
                a.record(&e);
            }
        }
        a.merge(&b);
        assert_eq!(a.calls, 100);
        assert_eq!(a.rows, 100);
        assert!((a.total_ms - 5050.0).abs() < 1e-9);
        assert_eq!(a.max_ms, Some(100.0));
        assert_eq!(a.min_ms, Some(1.0));
        assert_eq!(a.sample.sql, "SELECT 100");
        for q in [0.5, 0.95, 0.99] {
            let (x, y) = (a.quantile_ms(q).unwrap(), all.quantile_ms(q).unwrap());
            assert!((x - y).abs() < 1e-9, "q{q}: {x} vs {y}");
        }
        // 100 calls: past the exact range, the sketch answers within 2%.
        let p95 = a.quantile_ms(0.95).unwrap();
        assert!((p95 - 95.0).abs() <= 95.0 * 0.02, "p95 {p95}");
    }

    #[test]
    fn survives_json_and_still_merges() {
        let id = Fingerprint(7);
        let untimed = Digest::new(
            id,
            "s".into(),
            Dialect::Generic,
            &QueryEvent::new("SELECT 1"),
        );
        let back: Digest = serde_json::from_str(&serde_json::to_string(&untimed).unwrap()).unwrap();
        assert_eq!((back.calls, back.quantile_ms(0.5)), (1, None));
        let mut timed = Digest::new(id, "s".into(), Dialect::Generic, &ev(1.0));
        for i in 2..=200 {
            timed.record(&ev(f64::from(i)));
        }
        let mut back: Digest =
            serde_json::from_str(&serde_json::to_string(&timed).unwrap()).unwrap();
        for q in [0.5, 0.95, 0.99] {
            assert_eq!(back.quantile_ms(q), timed.quantile_ms(q));
        }
        back.merge(&timed);
        back.merge(&untimed);
        assert_eq!((back.calls, back.timed), (401, 400));
        let p50 = back.quantile_ms(0.5).unwrap();
        assert!((p50 - 100.0).abs() <= 2.0, "the sketches merged: p50 {p50}");
    }

    #[test]
    fn few_calls_have_exact_quantiles() {
        let id = Fingerprint(1);
        let mut d = Digest::new(id, "s".into(), Dialect::Generic, &ev(0.748));
        d.record(&ev(2.306));
        assert_eq!(d.quantile_ms(0.5), Some(0.748));
        assert_eq!(d.quantile_ms(0.95), Some(2.306));
        let mut other = Digest::new(id, "s".into(), Dialect::Generic, &ev(5.0));
        other.merge(&d);
        assert_eq!(other.quantile_ms(0.99), Some(5.0));
        assert_eq!(other.quantile_ms(0.5), Some(2.306));
    }
}
