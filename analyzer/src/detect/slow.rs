//! Slow and expensive statements: judged on whole-workload digests, not on
//! units — a query is slow over all its calls, and reads too many rows per
//! row it returns over all its calls. Thresholds come from `sqlsift.toml`.

use serde::Deserialize;

use super::{Finding, FindingKind, Severity, short};
use crate::digest::Digest;
use crate::normalize::FingerprintMap;

/// When a fingerprint counts as slow or as reading too much.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SlowConfig {
    /// Mean execution time, in milliseconds, at or above which a query is slow.
    pub slow_ms: f64,
    /// 95th-percentile time at or above which a query is slow even when its
    /// mean is not (a fast query with a slow tail).
    pub p95_ms: f64,
    /// Rows examined per row returned at or above which a query reads too much.
    pub scan_ratio: f64,
    /// Rows examined per call below which the ratio is not judged: reading
    /// 200 rows to return one is no problem worth a finding.
    pub scan_min_rows: f64,
}

impl Default for SlowConfig {
    fn default() -> Self {
        SlowConfig {
            slow_ms: 100.0,
            p95_ms: 500.0,
            scan_ratio: 100.0,
            scan_min_rows: 1000.0,
        }
    }
}

/// A slow finding an order of magnitude past its threshold is an error.
const ERROR_FACTOR: f64 = 10.0;

/// The slow and scan-ratio findings of a workload, most costly first.
#[must_use]
pub fn findings(digests: &FingerprintMap<Digest>, config: &SlowConfig) -> Vec<Finding> {
    let mut out: Vec<Finding> = digests
        .values()
        .flat_map(|d| [slow(d, config), scan_ratio(d, config)])
        .flatten()
        .collect();
    out.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(b.total_ms.total_cmp(&a.total_ms))
            .then(a.fingerprint.cmp(&b.fingerprint))
    });
    out
}

fn slow(d: &Digest, config: &SlowConfig) -> Option<Finding> {
    let mean = d.mean_ms()?;
    let p95 = d.quantile_ms(0.95).unwrap_or(mean);
    let (figure, value, limit) = if mean >= config.slow_ms {
        ("mean", mean, config.slow_ms)
    } else if p95 >= config.p95_ms {
        ("p95", p95, config.p95_ms)
    } else {
        return None;
    };
    let severity = if value >= limit * ERROR_FACTOR {
        Severity::Error
    } else {
        Severity::Warning
    };
    Some(Finding {
        message: format!(
            "{figure} {value:.1} ms over {} call{} (threshold {limit} ms), {:.1} ms in all: {}",
            d.calls,
            if d.calls == 1 { "" } else { "s" },
            d.total_ms,
            short(&d.shape)
        ),
        ..base(d, FindingKind::Slow, severity)
    })
}

fn scan_ratio(d: &Digest, config: &SlowConfig) -> Option<Finding> {
    if d.rows_examined == 0 || d.calls == 0 {
        return None;
    }
    #[allow(clippy::cast_precision_loss)]
    let (examined, returned, calls) = (d.rows_examined as f64, d.rows as f64, d.calls as f64);
    let ratio = examined / returned.max(1.0);
    if ratio < config.scan_ratio || examined / calls < config.scan_min_rows {
        return None;
    }
    let severity = if ratio >= config.scan_ratio * ERROR_FACTOR {
        Severity::Error
    } else {
        Severity::Warning
    };
    Some(Finding {
        message: format!(
            "reads {ratio:.0} rows for every row it returns ({:.0} examined per call): \
             a filter no index serves — {}",
            examined / calls,
            short(&d.shape)
        ),
        ..base(d, FindingKind::ScanRatio, severity)
    })
}

fn base(d: &Digest, kind: FindingKind, severity: Severity) -> Finding {
    Finding {
        kind,
        severity,
        fingerprint: d.id,
        table: None,
        columns: Vec::new(),
        units: Vec::new(),
        unit_count: 0,
        executions: d.calls,
        loop_size: 0,
        total_ms: d.total_ms,
        round_trips_saved: 0,
        parent: None,
        hit_rate: None,
        message: String::new(),
        example: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::QueryEvent;
    use crate::normalize::normalize;

    fn digest(sql: &str, runs: &[(f64, u64, u64)]) -> Digest {
        let n = normalize(sql, crate::Dialect::Generic);
        let mut d: Option<Digest> = None;
        for &(ms, rows, examined) in runs {
            let e = QueryEvent {
                duration_ms: Some(ms),
                rows: Some(rows),
                rows_examined: Some(examined),
                ..QueryEvent::new(sql)
            };
            match d.as_mut() {
                Some(d) => d.record(&e),
                None => {
                    d = Some(Digest::new(
                        n.id,
                        n.shape.clone().into(),
                        crate::Dialect::Generic,
                        &e,
                    ));
                }
            }
        }
        d.unwrap()
    }

    fn run(digests: Vec<Digest>) -> Vec<Finding> {
        let map: FingerprintMap<Digest> = digests.into_iter().map(|d| (d.id, d)).collect();
        findings(&map, &SlowConfig::default())
    }

    #[test]
    fn mean_over_threshold_is_slow_and_ten_times_is_an_error() {
        let f = run(vec![
            digest("select * from a where x = 1", &[(150.0, 1, 1); 3]),
            digest("select * from b where x = 1", &[(2000.0, 1, 1); 2]),
            digest("select * from c where x = 1", &[(1.0, 1, 1); 50]),
        ]);
        let kinds: Vec<_> = f.iter().map(|f| (f.kind, f.severity)).collect();
        assert_eq!(
            kinds,
            [
                (FindingKind::Slow, Severity::Error),
                (FindingKind::Slow, Severity::Warning)
            ]
        );
        assert!(
            f[1].message.starts_with("mean 150.0 ms over 3 calls"),
            "{}",
            f[1].message
        );
    }

    #[test]
    fn a_slow_tail_is_caught_by_p95() {
        let mut runs = vec![(1.0, 1, 1); 90];
        runs.extend([(900.0, 1, 1); 10]);
        let f = run(vec![digest("select 1 from t where k = 1", &runs)]);
        assert_eq!(f.len(), 1);
        assert!(f[0].message.starts_with("p95"), "{}", f[0].message);
    }

    #[test]
    fn scan_ratio_needs_both_the_ratio_and_enough_rows() {
        let f = run(vec![
            digest(
                "select * from big where note like 'x%'",
                &[(1.0, 2, 50_000); 4],
            ),
            digest(
                "select * from small where note like 'x%'",
                &[(1.0, 1, 500); 4],
            ),
            digest("select * from fine where id = 1", &[(1.0, 1000, 2000); 4]),
        ]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].kind, FindingKind::ScanRatio);
        assert_eq!(f[0].severity, Severity::Error);
        assert!(
            f[0].message.contains("25000 rows for every row"),
            "{}",
            f[0].message
        );
    }
}
