//! The local backend: a SQLite file through rusqlite, in WAL mode with a busy
//! timeout, so readers never block the writer and writers from several
//! processes queue instead of failing.

use std::path::Path;
use std::time::Duration;

use rusqlite::Connection;
use rusqlite::types::{ToSqlOutput, ValueRef};

use super::StoreError;
use super::backend::{Backend, SqlValue};

/// A store file's connection.
pub struct Local {
    conn: Connection,
}

impl Local {
    /// Opens (creating) the SQLite file at `path`.
    ///
    /// # Errors
    /// When the file cannot be opened as SQLite.
    pub fn open(path: &Path, busy_timeout: Duration) -> Result<Local, StoreError> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(busy_timeout)?;
        // WAL: readers and the writer do not block each other, and a commit is
        // one append. NORMAL sync: a process crash loses nothing committed.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        Ok(Local { conn })
    }
}

impl rusqlite::ToSql for SqlValue {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self {
            SqlValue::Null => ValueRef::Null,
            SqlValue::Integer(n) => ValueRef::Integer(*n),
            SqlValue::Real(x) => ValueRef::Real(*x),
            SqlValue::Text(s) => ValueRef::Text(s.as_bytes()),
        }))
    }
}

impl Backend for Local {
    fn execute(&self, sql: &str, params: &[SqlValue]) -> Result<u64, StoreError> {
        let n = self
            .conn
            .prepare_cached(sql)?
            .execute(rusqlite::params_from_iter(params))?;
        Ok(u64::try_from(n).unwrap_or(u64::MAX))
    }

    fn query(&self, sql: &str, params: &[SqlValue]) -> Result<Vec<Vec<SqlValue>>, StoreError> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let width = stmt.column_count();
        let mut rows = stmt.query(rusqlite::params_from_iter(params))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let values = (0..width)
                .map(|i| match row.get_ref(i)? {
                    ValueRef::Null => Ok(SqlValue::Null),
                    ValueRef::Integer(n) => Ok(SqlValue::Integer(n)),
                    ValueRef::Real(x) => Ok(SqlValue::Real(x)),
                    ValueRef::Text(t) => {
                        Ok(SqlValue::Text(String::from_utf8_lossy(t).into_owned()))
                    }
                    ValueRef::Blob(_) => Err(StoreError::Unexpected(format!(
                        "column {i}: a blob, which the store never writes"
                    ))),
                })
                .collect::<Result<_, StoreError>>()?;
            out.push(values);
        }
        Ok(out)
    }

    fn execute_batch(&self, sql: &str) -> Result<(), StoreError> {
        Ok(self.conn.execute_batch(sql)?)
    }
}
