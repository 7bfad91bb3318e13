//! The few operations the store needs from a database — run a statement,
//! read rows, run a script — so that its schema, migrations and merge logic
//! are written once and run on a local SQLite file or a remote libSQL
//! database alike.
//!
//! Transactions are plain SQL (`BEGIN IMMEDIATE` … `COMMIT`) on purpose: both
//! backends understand them, and libSQL's remote client keeps its stream open
//! between them, so a read-merge-write runs in one server-side transaction.

use super::StoreError;

/// A value bound to, or read from, a statement.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
}

/// A database the store can live in.
pub trait Backend: Send {
    /// Runs one statement; the rows it changed.
    ///
    /// # Errors
    /// When the database fails.
    fn execute(&self, sql: &str, params: &[SqlValue]) -> Result<u64, StoreError>;

    /// Runs one query; every row it returns.
    ///
    /// # Errors
    /// When the database fails or returns a value the store never writes (a blob).
    fn query(&self, sql: &str, params: &[SqlValue]) -> Result<Vec<Vec<SqlValue>>, StoreError>;

    /// Runs a script of statements without parameters.
    ///
    /// # Errors
    /// When the database fails.
    fn execute_batch(&self, sql: &str) -> Result<(), StoreError>;
}

/// Runs `work` between `begin` and `COMMIT`; rolls back when it (or the
/// commit) fails, so that a failed save leaves nothing behind.
///
/// # Errors
/// What `work`, `begin` or the commit returned.
pub fn transaction<T>(
    db: &dyn Backend,
    begin: &str,
    work: impl FnOnce(&dyn Backend) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    db.execute(begin, &[])?;
    let done = work(db).and_then(|value| db.execute("COMMIT", &[]).map(|_| value));
    if done.is_err() {
        // The first error is the one worth reporting; a failed rollback means
        // the transaction is already gone.
        let _ = db.execute("ROLLBACK", &[]);
    }
    done
}

/// Reading a row's columns as the types the store wrote.
pub trait RowExt {
    /// Column `i` as an integer.
    ///
    /// # Errors
    /// When the column is missing or not an integer.
    fn int(&self, i: usize) -> Result<i64, StoreError>;

    /// Column `i` as text.
    ///
    /// # Errors
    /// When the column is missing or not text.
    fn text(&self, i: usize) -> Result<&str, StoreError>;
}

impl RowExt for [SqlValue] {
    fn int(&self, i: usize) -> Result<i64, StoreError> {
        match self.get(i) {
            Some(SqlValue::Integer(n)) => Ok(*n),
            other => Err(StoreError::Unexpected(format!(
                "column {i}: expected an integer, found {other:?}"
            ))),
        }
    }

    fn text(&self, i: usize) -> Result<&str, StoreError> {
        match self.get(i) {
            Some(SqlValue::Text(s)) => Ok(s),
            other => Err(StoreError::Unexpected(format!(
                "column {i}: expected text, found {other:?}"
            ))),
        }
    }
}
