//! Adaptors that attach the [`crate::interceptor::Interceptor`] to a database
//! driver, so that an application's statements are recorded without changing
//! the code that runs them.

#[cfg(feature = "libsql")]
pub mod libsql;
pub mod rusqlite;
