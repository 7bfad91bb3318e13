//! The AST cost model: an explainable estimate of what one statement makes
//! the database do, as a sum of terms that each say why they are there.
//!
//! It starts from the points model performance audits use — a full table
//! scan +100, a join +50, GROUP BY +30, ORDER BY +20 unless an index serves
//! it, DISTINCT +25 — and scales the per-table terms with row estimates from
//! the [`Catalog`]:
//!
//! - **Rows read.** A table access costs [`POINTS_PER_ROW`] (0.1) points per
//!   row it reads, so the audit's flat +100 is exactly the scan of the
//!   1,000-row table assumed when nothing is known ([`ASSUMED_ROWS`]); a
//!   1M-row scan costs 100,000 points and a 100-row scan 10 — monotonic and
//!   linear in rows, because a scan's work is.
//! - **Index access** adds [`POINTS_PER_PROBE`] (1) point per index descent to
//!   the rows it reads; rows read are the table's rows × the selectivity of
//!   the equality keys ([`Table::eq_selectivity`], 1% by default), × 1/4 for
//!   a one-sided range (`<`, `>`, `>=`, `<=`) and 1/16 for a two-sided one
//!   (`BETWEEN`, `LIKE 'prefix%'`) — the factor of 4 per bound SQLite's
//!   planner assumes without `sqlite_stat4`.
//! - **Joins** are nested loops (what SQLite and most OLTP plans do): each
//!   table after the first is probed once per row the tables before it
//!   produce, so its access term is its per-probe cost × those rows, and a
//!   join on a column with no index there is a scan of the inner table per
//!   outer row. The join order is the cheapest one (every order up to five
//!   tables, `FROM` order beyond, `LEFT JOIN` tables after what precedes them).
//! - **GROUP BY / ORDER BY / DISTINCT** keep the audit's points up to 1,000
//!   rows and grow with log10 of the rows they sort beyond that.
//! - **Subqueries**: an uncorrelated one runs once (its terms are added,
//!   plus [`SUBQUERY_POINTS`]); a correlated one runs once per outer row, so
//!   its cost is multiplied by the outer rows.
//!
//! Without a catalog every table is assumed to hold 1,000 rows with one
//! index, the primary key on `id` (the ORM convention); `*_id` columns are
//! *not* assumed indexed — PostgreSQL and SQLite do not index foreign keys
//! on their own, and an unindexed foreign key is what the audit must surface.
//! Reasons always say when a figure is assumed.
//!
//! The model runs once per distinct statement shape, never per event.

mod access;
mod block;
mod needs;
pub(crate) mod predicates;
pub(crate) mod rels;
mod subquery;

use serde::Serialize;
use sqlparser::ast::Statement;

use crate::catalog::Catalog;

pub use access::{AccessChoice, IndexUse, choose_access};
pub use needs::{TableNeeds, table_needs};
pub use predicates::{KeyRef, PredKind, Predicate, normalize_sql};

/// Points per row a table access reads (100 points per 1,000 rows).
pub const POINTS_PER_ROW: f64 = 0.1;
/// Points per index descent (one B-tree search).
pub const POINTS_PER_PROBE: f64 = 1.0;
/// Rows assumed for a table the catalog does not describe.
pub const ASSUMED_ROWS: f64 = 1_000.0;
/// Fraction of rows a one-sided range keeps (SQLite's planner: ÷4 per bound).
pub const RANGE_FRACTION: f64 = 0.25;
/// Flat points of a join (the audit's +50), on top of the probes it causes.
pub const JOIN_POINTS: f64 = 50.0;
pub const GROUP_BY_POINTS: f64 = 30.0;
pub const ORDER_BY_POINTS: f64 = 20.0;
pub const DISTINCT_POINTS: f64 = 25.0;
/// Flat points of a query block nested in another.
pub const SUBQUERY_POINTS: f64 = 10.0;
/// Flat points of tables joined with no predicate between them.
pub const CARTESIAN_POINTS: f64 = 100.0;

/// The estimate for one statement.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Cost {
    /// The sum of the terms' points.
    pub total: f64,
    /// Why the statement costs what it does, one term per cause.
    pub terms: Vec<Term>,
    /// How each table reference is read, in the order the model evaluates them.
    pub accesses: Vec<Access>,
}

/// One cause of cost.
#[derive(Debug, Clone, Serialize)]
pub struct Term {
    pub kind: TermKind,
    pub points: f64,
    /// The table the term is about, if it is about one.
    pub table: Option<String>,
    /// Rows the term's work touches, where that is known.
    pub rows: Option<f64>,
    /// One line a person can read: what happens and why.
    pub reason: String,
}

/// The kinds of cost term.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TermKind {
    FullScan,
    IndexLookup,
    IndexRange,
    Join,
    GroupBy,
    OrderBy,
    Distinct,
    Subquery,
    CorrelatedSubquery,
    /// A scan because a function or cast hides an indexed column.
    FunctionOnIndexedColumn,
    /// A scan because `LIKE '%…'` cannot use an index on the column.
    LeadingWildcardLike,
    CartesianProduct,
}

/// How one table reference is read.
#[derive(Debug, Clone, Serialize)]
pub struct Access {
    /// The table's name as the query writes it.
    pub table: String,
    pub alias: Option<String>,
    pub method: AccessMethod,
    /// Estimated rows read per probe.
    pub rows: f64,
    /// Why this access path.
    pub why: String,
}

/// Full scan, or search through an index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AccessMethod {
    Scan,
    Index { name: String, columns: Vec<String> },
}

impl Access {
    /// Whether the access reads the whole table.
    #[must_use]
    pub fn is_scan(&self) -> bool {
        self.method == AccessMethod::Scan
    }
}

impl Cost {
    fn push(&mut self, term: Term) {
        self.total += term.points;
        self.terms.push(term);
    }

    fn absorb(&mut self, other: Cost) {
        self.total += other.total;
        self.terms.extend(other.terms);
        self.accesses.extend(other.accesses);
    }
}

/// The estimated cost of `statement`, with `catalog` for row counts and
/// indexes when one is loaded. SELECT (joins, subqueries, CTEs, set
/// operations), UPDATE and DELETE (their WHERE access) and INSERT … SELECT
/// are costed; every other statement costs 0 with no terms.
#[must_use]
pub fn estimate(statement: &Statement, catalog: Option<&Catalog>) -> Cost {
    block::statement(statement, catalog)
}

/// A count as a float, for row arithmetic.
pub(crate) fn count(n: usize) -> f64 {
    f64::from(u32::try_from(n).unwrap_or(u32::MAX))
}

/// `rows` for a reason, with thousands separators (`20,000`).
#[must_use]
pub fn fmt_rows(rows: f64) -> String {
    let r = rows.round().max(0.0);
    if r >= 1e15 {
        return format!("{r:e}");
    }
    let digits = format!("{r:.0}");
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests;
