//! The store's schema, as an ordered list of migrations. The version a file
//! is at lives in `schema_version`; opening a file applies the migrations it
//! lacks in one transaction, and refuses a file a newer sqlsift wrote. The
//! same migrations run on a local file and on a remote libSQL database.

use super::StoreError;
use super::backend::{Backend, RowExt, SqlValue, transaction};

/// Migration `i` brings a store from version `i` to `i + 1`. Append only:
/// a released migration never changes.
const MIGRATIONS: &[&str] = &[
    // 1: digests, detector state, totals, inputs, and capped raw events.
    "CREATE TABLE digests (
         fingerprint INTEGER PRIMARY KEY,  -- the 64-bit id, as a signed integer
         shape TEXT NOT NULL,
         calls INTEGER NOT NULL,
         total_ms REAL NOT NULL,
         body TEXT NOT NULL                -- the whole digest (sketch included), JSON
     );
     CREATE TABLE detectors (
         name TEXT PRIMARY KEY,            -- n_plus_one, duplicate, batchable_insert
         state TEXT NOT NULL               -- what the detector accumulated, JSON
     );
     CREATE TABLE totals (
         id INTEGER PRIMARY KEY CHECK (id = 1),
         events INTEGER NOT NULL,
         malformed INTEGER NOT NULL,
         dropped INTEGER NOT NULL
     );
     INSERT INTO totals VALUES (1, 0, 0, 0);
     CREATE TABLE inputs (
         id INTEGER PRIMARY KEY,
         path TEXT NOT NULL,
         format TEXT NOT NULL,
         events INTEGER NOT NULL,
         malformed INTEGER NOT NULL
     );
     CREATE TABLE events (
         id INTEGER PRIMARY KEY AUTOINCREMENT,
         body TEXT NOT NULL                -- one QueryEvent, canonical JSONL form
     );",
    // 2: a proxy's connection statistics (one row, merged on each save).
    "CREATE TABLE connections (
         id INTEGER PRIMARY KEY CHECK (id = 1),
         stats TEXT NOT NULL               -- ConnectionStats, JSON
     );",
];

/// The schema version this build writes.
#[allow(clippy::cast_possible_truncation)] // a handful of migrations
pub const CURRENT: u32 = MIGRATIONS.len() as u32;

/// Brings the store in `db` up to [`CURRENT`], in one transaction.
///
/// # Errors
/// When the store is at a version newer than this build knows, or the database fails.
pub fn migrate(db: &dyn Backend) -> Result<u32, StoreError> {
    // IMMEDIATE: two processes opening a new store at once do not both migrate it.
    transaction(db, "BEGIN IMMEDIATE", |db| {
        db.execute_batch("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")?;
        let found = match db.query("SELECT version FROM schema_version", &[])?.first() {
            Some(row) => u32::try_from(row.int(0)?).unwrap_or(u32::MAX),
            None => 0,
        };
        if found > CURRENT {
            return Err(StoreError::TooNew {
                found,
                known: CURRENT,
            });
        }
        for sql in &MIGRATIONS[found as usize..] {
            db.execute_batch(sql)?;
        }
        db.execute("DELETE FROM schema_version", &[])?;
        db.execute(
            "INSERT INTO schema_version VALUES (?1)",
            &[SqlValue::Integer(i64::from(CURRENT))],
        )?;
        Ok(CURRENT)
    })
}
