//! The remote backend: a libSQL database (Turso, sqld) over the libsql
//! crate's Hrana-over-HTTP client, so that many machines flush mergeable
//! digests into one shared store.
//!
//! libsql is async; the store is not (its callers are a CLI and background
//! threads), so the backend owns a current-thread tokio runtime and drives
//! each call to completion on it. Nothing async leaks out of this module.

use libsql::{Connection, Value};
use tokio::runtime::Runtime;

use super::StoreError;
use super::backend::{Backend, SqlValue};

/// A connection to a remote libSQL database.
pub struct Remote {
    /// Drives the client's futures; one thread, the caller's.
    runtime: Runtime,
    conn: Connection,
}

impl Remote {
    /// Connects to the database at `url` (`libsql://`, `https://` or `http://`).
    ///
    /// # Errors
    /// When the runtime cannot start or the client rejects the URL. An
    /// unreachable server shows at the first statement, not here.
    pub fn open(url: &str, auth_token: &str) -> Result<Remote, StoreError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(StoreError::Runtime)?;
        let conn = runtime.block_on(async {
            libsql::Builder::new_remote(url.to_owned(), auth_token.to_owned())
                .build()
                .await?
                .connect()
        })?;
        Ok(Remote { runtime, conn })
    }
}

fn to_libsql(params: &[SqlValue]) -> Vec<Value> {
    params
        .iter()
        .map(|p| match p {
            SqlValue::Null => Value::Null,
            SqlValue::Integer(n) => Value::Integer(*n),
            SqlValue::Real(x) => Value::Real(*x),
            SqlValue::Text(s) => Value::Text(s.clone()),
        })
        .collect()
}

impl Backend for Remote {
    fn execute(&self, sql: &str, params: &[SqlValue]) -> Result<u64, StoreError> {
        Ok(self
            .runtime
            .block_on(self.conn.execute(sql, to_libsql(params)))?)
    }

    fn query(&self, sql: &str, params: &[SqlValue]) -> Result<Vec<Vec<SqlValue>>, StoreError> {
        self.runtime.block_on(async {
            let mut rows = self.conn.query(sql, to_libsql(params)).await?;
            let width = rows.column_count();
            let mut out = Vec::new();
            while let Some(row) = rows.next().await? {
                let values = (0..width)
                    .map(|i| match row.get_value(i)? {
                        Value::Null => Ok(SqlValue::Null),
                        Value::Integer(n) => Ok(SqlValue::Integer(n)),
                        Value::Real(x) => Ok(SqlValue::Real(x)),
                        Value::Text(s) => Ok(SqlValue::Text(s)),
                        Value::Blob(_) => Err(StoreError::Unexpected(format!(
                            "column {i}: a blob, which the store never writes"
                        ))),
                    })
                    .collect::<Result<_, StoreError>>()?;
                out.push(values);
            }
            Ok(out)
        })
    }

    fn execute_batch(&self, sql: &str) -> Result<(), StoreError> {
        self.runtime.block_on(self.conn.execute_batch(sql))?;
        Ok(())
    }
}
