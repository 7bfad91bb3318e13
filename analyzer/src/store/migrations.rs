//! The store's schema, as an ordered list of migrations. The version a file
//! is at lives in `schema_version`; opening a file applies the migrations it
//! lacks in one transaction, and refuses a file a newer sqlsift wrote.

use rusqlite::{Connection, OptionalExtension};

use super::StoreError;

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
];

/// The schema version this build writes.
#[allow(clippy::cast_possible_truncation)] // a handful of migrations
pub const CURRENT: u32 = MIGRATIONS.len() as u32;

/// Brings the store in `conn` up to [`CURRENT`], in one transaction.
///
/// # Errors
/// When the file is at a version newer than this build knows, or SQLite fails.
pub fn migrate(conn: &mut Connection) -> Result<u32, StoreError> {
    // IMMEDIATE: two processes opening a new file at once do not both migrate it.
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    tx.execute_batch("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")?;
    let found: Option<u32> = tx
        .query_row("SELECT version FROM schema_version", [], |r| r.get(0))
        .optional()?;
    let found = found.unwrap_or(0);
    if found > CURRENT {
        return Err(StoreError::TooNew {
            found,
            known: CURRENT,
        });
    }
    for sql in &MIGRATIONS[found as usize..] {
        tx.execute_batch(sql)?;
    }
    tx.execute("DELETE FROM schema_version", [])?;
    tx.execute("INSERT INTO schema_version VALUES (?1)", [CURRENT])?;
    tx.commit()?;
    Ok(CURRENT)
}
