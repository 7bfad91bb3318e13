//! What-if validation: proposed indexes are tried on a copy of the database
//! before anyone is told to create them. On SQLite, the planner decides
//! ([`sqlite`]: an in-memory schema clone with the real statistics, an index
//! is kept only if `EXPLAIN QUERY PLAN` uses it) and, where the database
//! holds data, the clock decides too ([`run`]: each affected statement is
//! timed before and after on a file copy, an index that makes any of them
//! slower is rejected). On PostgreSQL, HypoPG's hypothetical indexes put the
//! same question to the PostgreSQL planner ([`hypopg`]).

pub mod hypopg;
pub mod run;
pub mod sqlite;

use serde::Serialize;

use crate::index::Recommendation;

/// A proposed index that validation turned down, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rejected {
    pub name: String,
    pub table: String,
    pub sqlite_ddl: String,
    pub reason: String,
}

impl Rejected {
    #[must_use]
    pub fn new(r: &Recommendation, reason: impl Into<String>) -> Self {
        Rejected {
            name: r.name.clone(),
            table: r.table.clone(),
            sqlite_ddl: r.sqlite_ddl.clone(),
            reason: reason.into(),
        }
    }
}

/// Why validation could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum WhatIfError {
    #[error("SQLite what-if: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("what-if copy of the database: {0}")]
    Io(#[from] std::io::Error),
    #[error("PostgreSQL what-if: {0}")]
    Postgres(#[from] postgres::Error),
    #[error(
        "the database does not have HypoPG (Debian: apt-get install postgresql-15-hypopg, then CREATE EXTENSION hypopg)"
    )]
    NoHypoPg,
}
