//! The store: mergeable digests, the detectors' accumulated findings,
//! reading totals and, optionally, capped raw events — so that several
//! ingests, processes, interceptors or machines add up to one workload.
//!
//! It lives in a local SQLite file (the embedded default) or a
//! remote libSQL database shared by a team or a fleet (with the `libsql`
//! feature, see `remote`). Both run the same schema, migrations and merge
//! logic, written here once against the small `backend::Backend` trait.
//! Each [`Store::save`] is one transaction that merges a workload into what
//! the store holds (digests by fingerprint: counts and totals add exactly,
//! sketches merge; a proxy's connection statistics add up); a writer killed
//! mid-save loses that save only.

mod backend;
mod local;
mod location;
mod migrations;
#[cfg(feature = "libsql")]
mod remote;
/// The Hrana-over-HTTP endpoint the remote backend's tests run against.
#[cfg(all(test, feature = "libsql"))]
#[path = "../../tests/support/hrana.rs"]
mod test_hrana;

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::connections::ConnectionStats;
use crate::detect::{BatchInserts, DetectConfig, Detection, Duplicates, NPlusOne};
use crate::dialect::Dialect;
use crate::digest::Digest;
use crate::event::QueryEvent;
use crate::normalize::Fingerprint;
use crate::workload::{InputSummary, Workload};
use backend::{Backend, RowExt, SqlValue, transaction};

pub use location::{AUTH_TOKEN_VARS, StoreLocation};
pub use migrations::CURRENT as SCHEMA_VERSION;

/// What went wrong with a store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[cfg(feature = "libsql")]
    #[error("store: {0}")]
    Libsql(#[from] libsql::Error),
    #[cfg(feature = "libsql")]
    #[error("store: cannot start the remote client: {0}")]
    Runtime(std::io::Error),
    #[cfg(not(feature = "libsql"))]
    #[error(
        "store: {0} is a remote libSQL database; this sqlsift was built without the `libsql` feature"
    )]
    NoRemote(String),
    #[error("store: unexpected value: {0}")]
    Unexpected(String),
    #[error("store: a {what} cannot be written: {source}")]
    Encode {
        what: &'static str,
        source: serde_json::Error,
    },
    #[error("store: a stored {what} cannot be read: {source}")]
    Corrupt {
        what: &'static str,
        source: serde_json::Error,
    },
    #[error(
        "store: schema version {found} is newer than this sqlsift knows ({known}); upgrade sqlsift"
    )]
    TooNew { found: u32, known: u32 },
}

/// How a store is opened.
#[derive(Debug, Clone, Copy)]
pub struct StoreOptions {
    /// How long a writer waits for another process's transaction to end
    /// (a local file; a remote server applies its own).
    pub busy_timeout: Duration,
    /// Raw events kept (the newest); 0 keeps none.
    pub max_events: u64,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            busy_timeout: Duration::from_secs(10),
            max_events: 0,
        }
    }
}

/// An open store.
pub struct Store {
    db: Box<dyn Backend>,
    options: StoreOptions,
}

/// The detectors' state is kept per detector, under these names.
const N_PLUS_ONE: &str = "n_plus_one";
const DUPLICATE: &str = "duplicate";
const BATCHABLE_INSERT: &str = "batchable_insert";

/// Rows written (or keys looked up) per statement: one round trip each to a
/// remote store, within SQLite's smallest variable limit (999) at 5 columns.
const CHUNK: usize = 100;

impl Store {
    /// Opens (creating and migrating as needed) the store file at `path`.
    ///
    /// # Errors
    /// When the file cannot be opened as SQLite, or is from a newer sqlsift.
    pub fn open(path: &Path, options: StoreOptions) -> Result<Store, StoreError> {
        let db = local::Local::open(path, options.busy_timeout)?;
        Store::with_backend(Box::new(db), options)
    }

    /// Opens (creating and migrating as needed) the store at `location`: a
    /// file, or a remote libSQL database (with the `libsql` feature).
    ///
    /// # Errors
    /// When the store cannot be reached or opened, or is from a newer sqlsift.
    pub fn open_at(location: &StoreLocation, options: StoreOptions) -> Result<Store, StoreError> {
        match location {
            StoreLocation::File(path) => Store::open(path, options),
            #[cfg(feature = "libsql")]
            StoreLocation::Remote { url, auth_token } => {
                Store::with_backend(Box::new(remote::Remote::open(url, auth_token)?), options)
            }
            #[cfg(not(feature = "libsql"))]
            StoreLocation::Remote { url, .. } => Err(StoreError::NoRemote(url.clone())),
        }
    }

    fn with_backend(db: Box<dyn Backend>, options: StoreOptions) -> Result<Store, StoreError> {
        migrations::migrate(db.as_ref())?;
        Ok(Store { db, options })
    }

    /// The schema version of the open store.
    ///
    /// # Errors
    /// When the database fails.
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        let rows = self.db.query("SELECT version FROM schema_version", &[])?;
        let version = rows.first().map_or(Ok(0), |r| r.int(0))?;
        Ok(u32::try_from(version).unwrap_or(0))
    }

    /// Merges `workload` into the store, in one transaction: its digests into
    /// those of the same fingerprint, its detections into the stored ones,
    /// its totals, inputs and connection statistics into the stored ones.
    ///
    /// # Errors
    /// When the database fails or stored data cannot be read; nothing is saved then.
    pub fn save(&mut self, workload: &Workload) -> Result<(), StoreError> {
        // IMMEDIATE: take the write lock before reading what will be merged,
        // so two processes cannot merge into the same old row.
        transaction(self.db.as_ref(), "BEGIN IMMEDIATE", |db| {
            save_digests(db, workload)?;
            if let Some(det) = &workload.detection {
                merge_state(db, N_PLUS_ONE, det.n_plus_one.clone(), NPlusOne::merge)?;
                merge_state(db, DUPLICATE, det.duplicates.clone(), Duplicates::merge)?;
                merge_state(
                    db,
                    BATCHABLE_INSERT,
                    det.batch_inserts.clone(),
                    BatchInserts::merge,
                )?;
            }
            if let Some(theirs) = &workload.connections {
                save_connections(db, theirs)?;
            }
            db.execute(
                "UPDATE totals SET events = events + ?1, malformed = malformed + ?2, dropped = dropped + ?3",
                &[
                    count(workload.events),
                    count(workload.malformed),
                    count(workload.dropped),
                ],
            )?;
            for i in &workload.inputs {
                db.execute(
                    "INSERT INTO inputs (path, format, events, malformed) VALUES (?1, ?2, ?3, ?4)",
                    &[
                        SqlValue::Text(i.path.clone()),
                        SqlValue::Text(i.format.to_string()),
                        count(i.events),
                        count(i.malformed),
                    ],
                )?;
            }
            Ok(())
        })
    }

    /// Everything the store holds, as one workload (no malformed-line
    /// locations: only their count is kept).
    ///
    /// # Errors
    /// When the database fails or stored data cannot be read.
    pub fn load(&self) -> Result<Workload, StoreError> {
        // One read transaction: every table as of one commit, whatever other
        // processes save meanwhile (WAL readers see a fixed snapshot).
        transaction(self.db.as_ref(), "BEGIN", read_all)
    }

    /// Keeps `events` as raw events, in one transaction, then trims the
    /// oldest beyond [`StoreOptions::max_events`]. Does nothing when that is 0.
    ///
    /// # Errors
    /// When the database fails; nothing is kept then.
    pub fn append_events(&mut self, events: &[QueryEvent]) -> Result<(), StoreError> {
        if self.options.max_events == 0 {
            return Ok(());
        }
        let max_events = self.options.max_events;
        transaction(self.db.as_ref(), "BEGIN IMMEDIATE", |db| {
            for chunk in events.chunks(CHUNK) {
                let bodies = chunk
                    .iter()
                    .map(|e| encode("event", e).map(SqlValue::Text))
                    .collect::<Result<Vec<_>, _>>()?;
                db.execute(
                    &format!(
                        "INSERT INTO events (body) VALUES {}",
                        tuples(chunk.len(), 1)
                    ),
                    &bodies,
                )?;
            }
            db.execute(
                "DELETE FROM events WHERE id <= (SELECT max(id) FROM events) - ?1",
                &[count(max_events)],
            )?;
            Ok(())
        })
    }

    /// The raw events kept, oldest first.
    ///
    /// # Errors
    /// When the database fails or a stored event cannot be read.
    pub fn events(&self) -> Result<Vec<QueryEvent>, StoreError> {
        self.db
            .query("SELECT body FROM events ORDER BY id", &[])?
            .iter()
            .map(|row| decode("event", row.text(0)?))
            .collect()
    }
}

/// Merges the workload's digests into the stored ones of the same
/// fingerprint: one read and one write per [`CHUNK`] digests.
fn save_digests(db: &dyn Backend, workload: &Workload) -> Result<(), StoreError> {
    let digests: Vec<&Digest> = workload.digests.values().collect();
    for chunk in digests.chunks(CHUNK) {
        let keys: Vec<SqlValue> = chunk
            .iter()
            .map(|d| SqlValue::Integer(key_of(d.id)))
            .collect();
        let sql = format!(
            "SELECT fingerprint, body FROM digests WHERE fingerprint IN {}",
            tuples(1, keys.len())
        );
        let mut stored: HashMap<i64, Digest> = HashMap::new();
        for row in db.query(&sql, &keys)? {
            stored.insert(row.int(0)?, decode("digest", row.text(1)?)?);
        }
        let mut values = Vec::with_capacity(chunk.len() * 5);
        for d in chunk {
            let key = key_of(d.id);
            let merged = match stored.remove(&key) {
                Some(mut mine) => {
                    mine.merge(d);
                    mine
                }
                None => (*d).clone(),
            };
            values.extend([
                SqlValue::Integer(key),
                SqlValue::Text(merged.shape.to_string()),
                count(merged.calls),
                SqlValue::Real(merged.total_ms),
                SqlValue::Text(encode("digest", &merged)?),
            ]);
        }
        db.execute(
            &format!(
                "INSERT OR REPLACE INTO digests (fingerprint, shape, calls, total_ms, body) VALUES {}",
                tuples(chunk.len(), 5)
            ),
            &values,
        )?;
    }
    Ok(())
}

/// Merges a proxy's connection statistics into the stored ones.
fn save_connections(db: &dyn Backend, theirs: &ConnectionStats) -> Result<(), StoreError> {
    let merged = match load_connections(db)? {
        Some(mut mine) => {
            mine.merge(theirs);
            mine
        }
        None => theirs.clone(),
    };
    db.execute(
        "INSERT OR REPLACE INTO connections (id, stats) VALUES (1, ?1)",
        &[SqlValue::Text(encode("connection stats", &merged)?)],
    )?;
    Ok(())
}

/// The stored connection statistics, if a proxy saved any.
fn load_connections(db: &dyn Backend) -> Result<Option<ConnectionStats>, StoreError> {
    db.query("SELECT stats FROM connections WHERE id = 1", &[])?
        .first()
        .map(|row| decode("connection stats", row.text(0)?))
        .transpose()
}

fn read_all(db: &dyn Backend) -> Result<Workload, StoreError> {
    let mut workload = Workload::default();
    for row in db.query("SELECT body FROM digests", &[])? {
        let d: Digest = decode("digest", row.text(0)?)?;
        workload.digests.insert(d.id, d);
    }
    let totals = db.query("SELECT events, malformed, dropped FROM totals", &[])?;
    if let Some(t) = totals.first() {
        (workload.events, workload.malformed, workload.dropped) = (
            unsigned(t.int(0)?),
            unsigned(t.int(1)?),
            unsigned(t.int(2)?),
        );
    }
    for row in db.query(
        "SELECT path, format, events, malformed FROM inputs ORDER BY id",
        &[],
    )? {
        // A format this build no longer names is skipped, not fatal: inputs are informational.
        if let Ok(format) = row.text(1)?.parse() {
            workload.inputs.push(InputSummary {
                path: row.text(0)?.to_owned(),
                format,
                events: unsigned(row.int(2)?),
                malformed: unsigned(row.int(3)?),
            });
        }
    }
    // The loaded detections only render findings: their thresholds and
    // dialect would matter only to units fed to them later.
    let mut det = Detection::new(DetectConfig::default(), Dialect::Generic);
    det.n_plus_one = state(db, N_PLUS_ONE)?.unwrap_or_default();
    det.duplicates = state(db, DUPLICATE)?.unwrap_or_default();
    det.batch_inserts = state(db, BATCHABLE_INSERT)?.unwrap_or_default();
    workload.detection = Some(det);
    workload.connections = load_connections(db)?;
    Ok(workload)
}

/// A detector's stored state, if any was saved.
fn state<T: DeserializeOwned>(db: &dyn Backend, name: &str) -> Result<Option<T>, StoreError> {
    let rows = db.query(
        "SELECT state FROM detectors WHERE name = ?1",
        &[SqlValue::Text(name.to_owned())],
    )?;
    rows.first()
        .map(|row| decode("detector state", row.text(0)?))
        .transpose()
}

/// Folds `theirs` into the detector state stored under `name`.
fn merge_state<T: Serialize + DeserializeOwned>(
    db: &dyn Backend,
    name: &str,
    theirs: T,
    merge: fn(&mut T, T),
) -> Result<(), StoreError> {
    let merged = match state::<T>(db, name)? {
        Some(mut mine) => {
            merge(&mut mine, theirs);
            mine
        }
        None => theirs,
    };
    db.execute(
        "INSERT OR REPLACE INTO detectors (name, state) VALUES (?1, ?2)",
        &[
            SqlValue::Text(name.to_owned()),
            SqlValue::Text(encode("detector state", &merged)?),
        ],
    )?;
    Ok(())
}

/// `rows` parenthesized tuples of `width` placeholders: `(?, ?), (?, ?)`.
fn tuples(rows: usize, width: usize) -> String {
    let tuple = format!("({})", vec!["?"; width].join(", "));
    vec![tuple; rows].join(", ")
}

/// A fingerprint as SQLite's signed 64-bit integer key (bits unchanged).
fn key_of(id: Fingerprint) -> i64 {
    i64::from_ne_bytes(id.0.to_ne_bytes())
}

fn count(n: u64) -> SqlValue {
    SqlValue::Integer(i64::try_from(n).unwrap_or(i64::MAX))
}

fn unsigned(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

fn encode<T: Serialize>(what: &'static str, value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|source| StoreError::Encode { what, source })
}

fn decode<T: DeserializeOwned>(what: &'static str, body: &str) -> Result<T, StoreError> {
    serde_json::from_str(body).map_err(|source| StoreError::Corrupt { what, source })
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use super::*;
    use crate::detect::FindingKind;
    use crate::read::{Format, from_reader};
    use crate::workload::ingest_records;

    /// A workload of `sessions` sessions, each a parent query, a loop of 6
    /// lookups and a write, from JSONL like a capture would give.
    fn workload(first_session: u32, sessions: u32) -> Workload {
        let mut jsonl = String::new();
        for s in first_session..first_session + sessions {
            writeln!(
                jsonl,
                "{{\"sql\":\"SELECT id FROM posts WHERE user_id = {s}\",\"session\":\"s{s}\",\"duration_ms\":1.5,\"rows\":6}}"
            )

            .unwrap();
            for k in 0..6 {
                writeln!(
                    jsonl,
                    "{{\"sql\":\"SELECT * FROM comments WHERE post_id = {}\",\"session\":\"s{s}\",\"duration_ms\":0.{k}5,\"rows\":2}}",
                    s * 10 + k
                )
                .unwrap();
            }
            writeln!(
                jsonl,
                "{{\"sql\":\"UPDATE users SET seen = 1 WHERE id = {s}\",\"session\":\"s{s}\",\"duration_ms\":2}}"
            )

            .unwrap();
        }
        let records = from_reader(
            Format::Jsonl,
            "t.jsonl".into(),
            Box::new(std::io::Cursor::new(jsonl.into_bytes())),
        );
        let mut w = ingest_records(records, Dialect::Generic, DetectConfig::default());
        // A proxy's view of the same sessions: one connection each, 10 ms
        // times the session's number apart, over a second of listening each.
        let ms = |n: u32| Duration::from_millis(u64::from(n) * 10);
        w.connections = Some(ConnectionStats {
            sessions: u64::from(sessions),
            ended: u64::from(sessions),
            peak_open: 2,
            short_lived: u64::from(sessions),
            lifetime_total: (first_session..first_session + sessions)
                .map(|s| ms(s + 1))
                .sum(),
            lifetime_min: Some(ms(first_session + 1)),
            lifetime_max: ms(first_session + sessions),
            statements: u64::from(sessions) * 8,
            elapsed: Duration::from_secs(u64::from(sessions)),
            ..ConnectionStats::default()
        });
        w
    }

    fn open(dir: &tempfile::TempDir) -> Store {
        Store::open(&dir.path().join("s.db"), StoreOptions::default()).unwrap()
    }

    /// A digest's shape, calls, rows, total and p50 (in µs).
    type DigestFigures = (String, u64, u64, i64, Option<i64>);
    /// A finding's kind, units, executions and largest loop.
    type FindingFigures = (FindingKind, u64, u64, u64);

    /// What a report counts: per shape calls, rows, total and p50; totals; loops.
    fn figures(w: &Workload) -> (Vec<DigestFigures>, u64, Vec<FindingFigures>) {
        let mut digests: Vec<_> = w
            .digests
            .values()
            .map(|d| {
                #[allow(clippy::cast_possible_truncation)]
                let micros = |ms: f64| (ms * 1000.0).round() as i64;
                (
                    d.shape.to_string(),
                    d.calls,
                    d.rows,
                    micros(d.total_ms),
                    d.quantile_ms(0.5).map(micros),
                )
            })
            .collect();
        digests.sort();
        let findings = w
            .detection
            .as_ref()
            .unwrap()
            .findings(&w.digests)
            .iter()
            .map(|f| (f.kind, f.unit_count, f.executions, f.loop_size))
            .collect();
        (digests, w.events, findings)
    }

    #[test]
    fn a_saved_workload_loads_back_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let w = workload(0, 4);
        let mut store = open(&dir);
        store.save(&w).unwrap();
        let back = store.load().unwrap();
        assert_eq!(figures(&back), figures(&w));
        assert_eq!(back.connections, w.connections);
        assert_eq!(back.inputs.len(), 0);
        let loops = back.detection.unwrap().findings(&back.digests);
        let example = loops[0].example.as_ref().unwrap();
        assert_eq!(
            example.iterations.len(),
            6,
            "the loop's values are kept for its rewrite"
        );
    }

    /// Two saves, through two connections, merge into what one save of both gives.
    fn check_two_saves_merge(open: &dyn Fn(StoreOptions) -> Store) {
        let mut store = open(StoreOptions::default());
        store.save(&workload(0, 3)).unwrap();
        // Another process saves the other half.
        open(StoreOptions::default()).save(&workload(3, 5)).unwrap();
        let merged = store.load().unwrap();
        let whole = workload(0, 8);
        assert_eq!(figures(&merged), figures(&whole));
        // The connection stats add up as one proxy's over both periods would.
        assert_eq!(merged.connections, whole.connections);
        assert_eq!(merged.connections.as_ref().unwrap().sessions, 8);
        let (_, events, findings) = figures(&merged);
        assert_eq!(events, 64);
        // The loop was found in both runs: its units add up.
        assert!(
            findings.contains(&(FindingKind::NPlusOne, 8, 48, 6)),
            "{findings:?}"
        );
    }

    /// No raw events without a cap; the newest up to it with one.
    fn check_raw_events_capped(open: &dyn Fn(StoreOptions) -> Store) {
        let events: Vec<QueryEvent> = (0..10)
            .map(|i| QueryEvent::new(format!("SELECT {i}")))
            .collect();
        let mut none = open(StoreOptions::default());
        none.append_events(&events).unwrap();
        assert!(none.events().unwrap().is_empty(), "no cap, no raw events");
        let mut capped = open(StoreOptions {
            max_events: 4,
            ..StoreOptions::default()
        });
        capped.append_events(&events[..3]).unwrap();
        capped.append_events(&events[3..]).unwrap();
        let kept: Vec<String> = capped
            .events()
            .unwrap()
            .into_iter()
            .map(|e| e.sql)
            .collect();
        assert_eq!(kept, ["SELECT 6", "SELECT 7", "SELECT 8", "SELECT 9"]);
    }

    #[test]
    fn two_saves_merge_into_what_one_save_of_both_gives() {
        let dir = tempfile::tempdir().unwrap();
        check_two_saves_merge(&|o| Store::open(&dir.path().join("s.db"), o).unwrap());
    }

    #[test]
    fn raw_events_are_kept_up_to_the_cap() {
        let dir = tempfile::tempdir().unwrap();
        check_raw_events_capped(&|o| Store::open(&dir.path().join("e.db"), o).unwrap());
    }

    /// The remote backend, through libsql's real client and an in-process
    /// Hrana endpoint on a real SQLite file, behaves as the local one.
    #[cfg(feature = "libsql")]
    #[test]
    fn a_remote_store_migrates_merges_and_keeps_events_as_a_file_does() {
        let dir = tempfile::tempdir().unwrap();
        let (merged, events) = (dir.path().join("merged.db"), dir.path().join("events.db"));
        let open_remote = |db: &Path| {
            let at =
                StoreLocation::with_token(&super::test_hrana::Hrana::start(db).url, String::new());
            move |o| Store::open_at(&at, o).unwrap()
        };
        let open = open_remote(&merged);
        assert_eq!(
            open(StoreOptions::default()).schema_version().unwrap(),
            SCHEMA_VERSION
        );
        check_two_saves_merge(&open);
        check_raw_events_capped(&open_remote(&events));
        // What the server holds is an ordinary store file.
        let local = Store::open(&merged, StoreOptions::default()).unwrap();
        assert_eq!(figures(&local.load().unwrap()), figures(&workload(0, 8)));
    }

    #[test]
    fn migrates_an_empty_file_and_refuses_a_newer_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("empty.db");
        std::fs::write(&path, b"").unwrap();
        let store = Store::open(&path, StoreOptions::default()).unwrap();
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        let empty = store.load().unwrap();
        assert_eq!((empty.events, empty.digests.len()), (0, 0));
        assert_eq!(empty.connections, None, "no proxy saved any");
        drop(store);
        // Opening again applies nothing twice.
        let store = Store::open(&path, StoreOptions::default()).unwrap();
        let mode = store.db.query("PRAGMA journal_mode", &[]).unwrap();
        assert_eq!(mode, [[SqlValue::Text("wal".into())]]);
        store
            .db
            .execute("UPDATE schema_version SET version = 99", &[])
            .unwrap();
        drop(store);
        let err = Store::open(&path, StoreOptions::default()).err().unwrap();
        assert!(matches!(err, StoreError::TooNew { found: 99, .. }), "{err}");
    }

    /// A store written before connection stats were kept (version 1) is
    /// brought up to date on opening, keeps what it held, and takes them.
    #[test]
    fn a_version_1_store_is_migrated_and_takes_connection_stats() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v1.db");
        let mut store = Store::open(&path, StoreOptions::default()).unwrap();
        let without = Workload {
            connections: None,
            ..workload(0, 2)
        };
        store.save(&without).unwrap();
        // What version 1 had: no connections table.
        store
            .db
            .execute_batch("DROP TABLE connections; UPDATE schema_version SET version = 1")
            .unwrap();
        drop(store);
        let mut store = Store::open(&path, StoreOptions::default()).unwrap();
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        store.save(&workload(2, 1)).unwrap();
        let back = store.load().unwrap();
        assert_eq!(back.events, 24);
        assert_eq!(back.connections, workload(2, 1).connections);
    }

    #[cfg(not(feature = "libsql"))]
    #[test]
    fn a_remote_url_without_the_feature_says_so() {
        let at = StoreLocation::with_token("libsql://db.example", String::new());
        let err = Store::open_at(&at, StoreOptions::default()).err().unwrap();
        assert!(matches!(err, StoreError::NoRemote(_)), "{err}");
        assert!(err.to_string().contains("`libsql` feature"), "{err}");
    }

    #[test]
    fn a_file_that_is_not_sqlite_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("junk.db");
        std::fs::write(&path, vec![b'x'; 4096]).unwrap();
        assert!(matches!(
            Store::open(&path, StoreOptions::default()),
            Err(StoreError::Sqlite(_))
        ));
    }
}
