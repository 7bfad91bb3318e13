//! Validation by running: where the SQLite database holds data, each
//! statement a proposed index affects is run on a file copy (never on the
//! database itself) with its sample's parameters — several times, after a
//! warm-up, the median kept — without the indexes and then with them. An
//! index used by a statement that got slower by more than the noise margin
//! is rejected: sqlsift never recommends an index that makes a query slower.

use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use rusqlite::Connection;
use rusqlite::types::Value;
use sqlsift_analyzer::plan::explain_sqlite;

use super::{Rejected, WhatIfError};
use crate::index::Recommendation;

/// Timed runs per statement and state (after one warm-up run).
pub const RUNS: usize = 5;
/// Slower by more than this fraction, and by more than [`NOISE_MS`], is slower.
pub const SLOWER_FRACTION: f64 = 0.10;
/// Differences below this many milliseconds are timer and cache noise.
pub const NOISE_MS: f64 = 0.05;

/// Times the statements `recs` serve on a copy of the database at `path`
/// without and with the indexes; fills in `before_ms`/`after_ms` and
/// rejects the indexes that slow a statement down.
///
/// # Errors
/// When the copy cannot be made or opened.
pub fn validate(
    path: &Path,
    recs: Vec<Recommendation>,
) -> Result<(Vec<Recommendation>, Vec<Rejected>), WhatIfError> {
    let copy = TempCopy::new(path)?;
    let conn = Connection::open(&copy.0)?;
    let mut sqls: Vec<(String, Vec<Option<String>>)> = Vec::new();
    for s in recs.iter().flat_map(|r| &r.statements) {
        if !sqls.iter().any(|(q, _)| *q == s.sql) {
            sqls.push((s.sql.clone(), s.params.clone()));
        }
    }
    let before: Vec<Option<f64>> = sqls.iter().map(|(s, p)| time(&conn, s, p)).collect();
    for r in &recs {
        conn.execute_batch(&r.sqlite_ddl)?;
        // Statistics for the new index only where the table has them, as
        // the user's next ANALYZE would leave it.
        if super::sqlite::table_has_stats(&conn, &r.table) {
            conn.execute_batch(&format!("ANALYZE \"{}\"", r.name))?;
        }
    }
    let after: Vec<Option<f64>> = sqls.iter().map(|(s, p)| time(&conn, s, p)).collect();
    let mut slower: Vec<(String, String)> = Vec::new();
    for (i, (sql, _)) in sqls.iter().enumerate() {
        let (Some(b), Some(a)) = (before[i], after[i]) else {
            continue;
        };
        if a > b * (1.0 + SLOWER_FRACTION) && a - b > NOISE_MS {
            let plan = explain_sqlite(&conn, sql).unwrap_or_default();
            for acc in plan.accesses {
                if let Some(ix) = acc.index {
                    slower.push((ix, format!("{sql}: {b:.3} ms → {a:.3} ms")));
                }
            }
        }
    }
    let mut kept = Vec::new();
    let mut rejected = Vec::new();
    for mut r in recs {
        if let Some((_, why)) = slower.iter().find(|(ix, _)| *ix == r.name) {
            rejected.push(Rejected::new(
                &r,
                format!("makes a statement slower when run: {why}"),
            ));
            continue;
        }
        let mut timed = false;
        for s in &mut r.statements {
            if let Some(i) = sqls.iter().position(|(q, _)| *q == s.sql) {
                s.before_ms = before[i];
                s.after_ms = after[i];
                timed |= before[i].is_some();
            }
        }
        if timed {
            r.validation.push(format!(
                "run on a copy of the database: median of {RUNS} runs per statement, none slower"
            ));
        }
        kept.push(r);
    }
    Ok((kept, rejected))
}

/// Median milliseconds of running `sql` to completion; `None` for
/// statements that are not read-only or that fail.
fn time(conn: &Connection, sql: &str, params: &[Option<String>]) -> Option<f64> {
    let mut stmt = conn.prepare(sql).ok()?;
    if !stmt.readonly() {
        return None;
    }
    match stmt.parameter_count() {
        0 => {}
        n if n == params.len() => {
            for (i, p) in params.iter().enumerate() {
                stmt.raw_bind_parameter(i + 1, value(p.as_deref())).ok()?;
            }
        }
        // The sample's values are not all known: it cannot be run as captured.
        _ => return None,
    }
    let mut once = || -> Option<f64> {
        let start = Instant::now();
        let mut rows = stmt.raw_query();
        while rows.next().ok()?.is_some() {}
        Some(start.elapsed().as_secs_f64() * 1000.0)
    };
    once()?;
    let mut samples: Vec<f64> = (0..RUNS).filter_map(|_| once()).collect();
    samples.sort_by(f64::total_cmp);
    samples.get(samples.len() / 2).copied()
}

/// A value for a captured parameter: integer, real, else text; `None` is NULL.
#[must_use]
pub fn value(p: Option<&str>) -> Value {
    match p {
        None => Value::Null,
        Some(s) => s
            .parse::<i64>()
            .map(Value::Integer)
            .or_else(|_| s.parse::<f64>().map(Value::Real))
            .unwrap_or_else(|_| Value::Text(s.to_owned())),
    }
}

/// A copy of the database in the temporary directory, removed on drop.
struct TempCopy(PathBuf);

impl TempCopy {
    fn new(path: &Path) -> std::io::Result<TempCopy> {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let dest =
            std::env::temp_dir().join(format!("sqlsift-whatif-{}-{nanos}.db", std::process::id()));
        std::fs::copy(path, &dest)?;
        Ok(TempCopy(dest))
    }
}

impl Drop for TempCopy {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
