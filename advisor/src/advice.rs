//! The advice for a whole workload, in one call: candidates per statement,
//! the workload merge, validation on the real planner (and by running, where
//! the SQLite database holds data; by HypoPG, where a PostgreSQL server is
//! given), and partition advice. `sqlsift advise` prints it; `sqlsift
//! report` can include it the same way.

use std::path::PathBuf;

use rusqlite::{Connection, OpenFlags};
use serde::Serialize;
use sqlsift_analyzer::catalog::Catalog;
use sqlsift_analyzer::shapes::parse_shape;
use sqlsift_analyzer::workload::Workload;

use crate::index::{ExistingIndex, Recommendation, WorkStatement, candidates, merge};
use crate::partition::{self, PartitionAdvice};
use crate::whatif::{self, Rejected, WhatIfError};

/// What to validate against and how.
#[derive(Debug, Clone)]
pub struct Options {
    /// The workload holds every statement the application runs, so an
    /// index none of them uses is unused.
    pub workload_complete: bool,
    /// A SQLite database to validate with: its planner, and its data when it has some.
    pub sqlite: Option<PathBuf>,
    /// Time the affected statements before and after on a copy of `sqlite`.
    pub run: bool,
    /// A PostgreSQL server to validate with through HypoPG, when installed.
    pub postgres: Option<String>,
    /// Tables at or above this many rows are considered for partitioning.
    pub partition_rows: f64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            workload_complete: false,
            sqlite: None,
            run: true,
            postgres: None,
            partition_rows: partition::DEFAULT_MIN_ROWS,
        }
    }
}

/// A note about one statement (a condition no index serves).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatementNote {
    pub fingerprint: String,
    pub note: String,
}

/// Everything the advisor says about a workload.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Advice {
    /// Indexes to create, most beneficial first.
    pub recommendations: Vec<Recommendation>,
    /// Indexes proposed and then turned down by validation.
    pub rejected: Vec<Rejected>,
    /// Existing indexes another index makes redundant.
    pub redundant: Vec<ExistingIndex>,
    /// Existing indexes nothing uses (only with `workload_complete`).
    pub unused: Vec<ExistingIndex>,
    /// Existing indexes that already serve what a statement needs.
    pub already_served: Vec<ExistingIndex>,
    /// Conditions no index can serve, per statement.
    pub skipped: Vec<StatementNote>,
    pub partitions: Vec<PartitionAdvice>,
    /// How the recommendations were validated, or why they were not.
    pub validation: Vec<String>,
}

/// The statements of `workload` the advisor can read: each digest's
/// parsed shape with its sample. Unparsed shapes are left out.
#[must_use]
pub fn work_statements(workload: &Workload) -> Vec<WorkStatement> {
    let mut out: Vec<WorkStatement> = workload
        .digests
        .values()
        .filter_map(|d| {
            let parsed = parse_shape(&d.shape, &d.sample.sql, d.dialect);
            let statement = parsed.statements.ok()?.into_iter().next()?;
            Some(WorkStatement {
                fingerprint: d.id.to_string(),
                sql: d.sample.sql.clone(),
                params: d.sample.params.clone(),
                calls: d.calls,
                total_ms: d.total_ms,
                statement,
            })
        })
        .collect();
    out.sort_by(|a, b| a.fingerprint.cmp(&b.fingerprint));
    out
}

/// The advice for `statements` against `catalog`.
///
/// # Errors
/// When a database named in `opts` cannot be opened or copied for
/// validation.
pub fn advise(
    statements: &[WorkStatement],
    catalog: &Catalog,
    opts: &Options,
) -> Result<Advice, WhatIfError> {
    let per: Vec<_> = statements
        .iter()
        .map(|s| candidates(&s.statement, catalog))
        .collect();
    let mut advice = Advice::default();
    for (s, c) in statements.iter().zip(&per) {
        advice
            .skipped
            .extend(c.skipped.iter().map(|n| StatementNote {
                fingerprint: s.fingerprint.clone(),
                note: n.clone(),
            }));
    }
    let merged = merge(statements, &per, catalog, opts.workload_complete);
    advice.redundant = merged.redundant;
    advice.unused = merged.unused;
    advice.already_served = merged.already_served;
    let mut recs = merged.recommendations;
    if let Some(path) = &opts.sqlite {
        let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        let (kept, rejected) = whatif::sqlite::validate(&conn, recs)?;
        recs = kept;
        advice.rejected.extend(rejected);
        advice.validation.push(format!(
            "SQLite planner: EXPLAIN QUERY PLAN on a clone of {} with its sqlite_stat1",
            path.display()
        ));
        if opts.run && has_data(&conn) {
            let (kept, rejected) = whatif::run::validate(path, recs)?;
            recs = kept;
            advice.rejected.extend(rejected);
            advice.validation.push(format!(
                "run: each affected statement timed before and after on a copy of {}",
                path.display()
            ));
        }
    } else {
        advice.validation.push(
            "not validated on a planner: give a SQLite database (--schema app.db) to check every index is used"
                .into(),
        );
    }
    if let Some(url) = &opts.postgres {
        match whatif::hypopg::validate(url, recs.clone()) {
            Ok((kept, rejected, note)) => {
                recs = kept;
                advice.rejected.extend(rejected);
                advice.validation.push(note);
            }
            Err(e) => advice.validation.push(format!("HypoPG not used: {e}")),
        }
    }
    advice.recommendations = recs;
    advice.partitions = partition::advise(statements, catalog, opts.partition_rows);
    Ok(advice)
}

/// Whether any user table of the database holds a row.
fn has_data(conn: &Connection) -> bool {
    let Ok(mut stmt) = conn.prepare(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
    ) else {
        return false;
    };
    let Ok(names) = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .and_then(Iterator::collect::<rusqlite::Result<Vec<String>>>)
    else {
        return false;
    };
    names.iter().any(|n| {
        conn.query_row(
            &format!("SELECT 1 FROM \"{}\" LIMIT 1", n.replace('"', "\"\"")),
            [],
            |_| Ok(()),
        )
        .is_ok()
    })
}
