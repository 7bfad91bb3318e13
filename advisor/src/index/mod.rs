//! The index advisor: per statement, the indexes that would serve it
//! ([`candidates`]); across the workload, the few that serve the most
//! ([`merge`]), named and written as DDL for each dialect ([`ddl`]). The
//! candidates come from the same predicate classification and access-path
//! choice the cost model uses (`sqlsift_analyzer::cost`), and every benefit
//! is the cost model's own estimate with and without the index, so the
//! advice and the cost report can never contradict each other.

pub mod candidates;
pub mod ddl;
pub mod merge;

use serde::Serialize;
use sqlparser::ast::Statement;
use sqlsift_analyzer::catalog::{Catalog, Index, IndexKey};
use sqlsift_analyzer::cost;

pub use candidates::{StatementCandidates, candidates};
pub use merge::{ExistingIndex, Merged, Recommendation, Served, merge};

/// One index that would serve one statement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    /// The table's name as the catalog spells it.
    pub table: String,
    /// Key parts in index order.
    pub keys: Vec<IndexKey>,
    /// `WHERE` of a partial index, as SQL.
    pub predicate: Option<String>,
    /// Why each key part is there, in order.
    pub reasons: Vec<String>,
    /// Cost-model points one execution of the statement saves with it.
    pub saved: f64,
}

/// One statement of the workload, as the advisor needs it.
#[derive(Debug, Clone)]
pub struct WorkStatement {
    /// The fingerprint id (16 hex digits).
    pub fingerprint: String,
    /// One real statement of the fingerprint (the digest's sample).
    pub sql: String,
    /// The sample's bound parameters, for running it.
    pub params: Vec<Option<String>>,
    pub calls: u64,
    pub total_ms: f64,
    pub statement: Statement,
}

/// The catalog with `index` added to `table` (a what-if for the cost model).
#[must_use]
pub fn with_index(catalog: &Catalog, table: &str, index: Index) -> Catalog {
    let mut c = catalog.clone();
    if let Some(t) = c.table_mut(table) {
        t.indexes.push(index);
    }
    c
}

/// The hypothetical index a candidate describes.
#[must_use]
pub fn hypothetical(name: &str, keys: &[IndexKey], predicate: Option<&str>) -> Index {
    Index {
        name: name.to_owned(),
        keys: keys.to_vec(),
        unique: false,
        primary: false,
        predicate: predicate.map(str::to_owned),
    }
}

/// Cost-model points `statement` saves per execution once `index` exists.
#[must_use]
pub fn points_saved(statement: &Statement, catalog: &Catalog, table: &str, index: Index) -> f64 {
    let before = cost::estimate(statement, Some(catalog)).total;
    let after = cost::estimate(statement, Some(&with_index(catalog, table, index))).total;
    before - after
}

/// The column name or expression text of a key part.
#[must_use]
pub fn key_label(k: &IndexKey) -> String {
    match k {
        IndexKey::Column { name, descending }
        | IndexKey::Expression {
            sql: name,
            descending,
        } => {
            if *descending {
                format!("{name} DESC")
            } else {
                name.clone()
            }
        }
    }
}
