//! The embedded store: a SQLite file holding mergeable digests, the
//! detectors' accumulated findings, reading totals and, optionally, capped
//! raw events — so that several ingests, processes or interceptors add up to
//! one workload.
//!
//! The file runs in WAL mode with a busy timeout, so readers never block the
//! writer and writers from several processes queue instead of failing. Each
//! [`Store::save`] is one transaction that merges a workload into what the
//! file holds (digests by fingerprint: counts and totals add exactly,
//! sketches merge); a writer killed mid-save loses that save only.

mod migrations;

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::detect::{BatchInserts, DetectConfig, Detection, Duplicates, NPlusOne};
use crate::dialect::Dialect;
use crate::digest::Digest;
use crate::event::QueryEvent;
use crate::normalize::Fingerprint;
use crate::workload::{InputSummary, Workload};

pub use migrations::CURRENT as SCHEMA_VERSION;

/// What went wrong with a store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store: {0}")]
    Sqlite(#[from] rusqlite::Error),
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
    /// How long a writer waits for another process's transaction to end.
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

/// An open store file.
pub struct Store {
    conn: Connection,
    options: StoreOptions,
}

/// The detectors' state is kept per detector, under these names.
const N_PLUS_ONE: &str = "n_plus_one";
const DUPLICATE: &str = "duplicate";
const BATCHABLE_INSERT: &str = "batchable_insert";

impl Store {
    /// Opens (creating and migrating as needed) the store at `path`.
    ///
    /// # Errors
    /// When the file cannot be opened as SQLite, or is from a newer sqlsift.
    pub fn open(path: &Path, options: StoreOptions) -> Result<Store, StoreError> {
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(options.busy_timeout)?;
        // WAL: readers and the writer do not block each other, and a commit is
        // one append. NORMAL sync: a process crash loses nothing committed.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        migrations::migrate(&mut conn)?;
        Ok(Store { conn, options })
    }

    /// The schema version of the open file.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT version FROM schema_version", [], |r| r.get(0))?)
    }

    /// Merges `workload` into the store, in one transaction: its digests into
    /// those of the same fingerprint, its detections into the stored ones,
    /// its totals and inputs into the stored totals and inputs.
    ///
    /// # Errors
    /// When SQLite fails or stored data cannot be read; nothing is saved then.
    pub fn save(&mut self, workload: &Workload) -> Result<(), StoreError> {
        // IMMEDIATE: take the write lock before reading what will be merged,
        // so two processes cannot merge into the same old row.
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        {
            let mut read = tx.prepare_cached("SELECT body FROM digests WHERE fingerprint = ?1")?;
            let mut write = tx.prepare_cached(
                "INSERT OR REPLACE INTO digests (fingerprint, shape, calls, total_ms, body)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for d in workload.digests.values() {
                let key = key_of(d.id);
                let stored: Option<String> = read.query_row([key], |r| r.get(0)).optional()?;
                let merged = match stored {
                    Some(body) => {
                        let mut mine: Digest = decode("digest", &body)?;
                        mine.merge(d);
                        mine
                    }
                    None => d.clone(),
                };
                write.execute(params![
                    key,
                    &*merged.shape,
                    i64::try_from(merged.calls).unwrap_or(i64::MAX),
                    merged.total_ms,
                    encode("digest", &merged)?,
                ])?;
            }
        }
        if let Some(det) = &workload.detection {
            merge_state(&tx, N_PLUS_ONE, det.n_plus_one.clone(), NPlusOne::merge)?;
            merge_state(&tx, DUPLICATE, det.duplicates.clone(), Duplicates::merge)?;
            merge_state(
                &tx,
                BATCHABLE_INSERT,
                det.batch_inserts.clone(),
                BatchInserts::merge,
            )?;
        }
        tx.execute(
            "UPDATE totals SET events = events + ?1, malformed = malformed + ?2, dropped = dropped + ?3",
            params![
                count(workload.events),
                count(workload.malformed),
                count(workload.dropped)
            ],
        )?;
        for i in &workload.inputs {
            tx.execute(
                "INSERT INTO inputs (path, format, events, malformed) VALUES (?1, ?2, ?3, ?4)",
                params![
                    i.path,
                    i.format.to_string(),
                    count(i.events),
                    count(i.malformed)
                ],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Everything the store holds, as one workload (no malformed-line
    /// locations: only their count is kept).
    ///
    /// # Errors
    /// When SQLite fails or stored data cannot be read.
    pub fn load(&self) -> Result<Workload, StoreError> {
        // One read transaction: every table as of one commit, whatever other
        // processes save meanwhile (WAL readers see a fixed snapshot).
        let tx = self.conn.unchecked_transaction()?;
        let workload = self.read_all()?;
        tx.finish()?;
        Ok(workload)
    }

    fn read_all(&self) -> Result<Workload, StoreError> {
        let mut workload = Workload::default();
        let mut stmt = self.conn.prepare("SELECT body FROM digests")?;
        let bodies = stmt.query_map([], |r| r.get::<_, String>(0))?;
        for body in bodies {
            let d: Digest = decode("digest", &body?)?;
            workload.digests.insert(d.id, d);
        }
        let (events, malformed, dropped): (i64, i64, i64) =
            self.conn
                .query_row("SELECT events, malformed, dropped FROM totals", [], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })?;
        (workload.events, workload.malformed, workload.dropped) =
            (unsigned(events), unsigned(malformed), unsigned(dropped));
        let mut stmt = self
            .conn
            .prepare("SELECT path, format, events, malformed FROM inputs ORDER BY id")?;
        let inputs = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?,
            ))
        })?;
        for row in inputs {
            let (path, format, events, malformed) = row?;
            // A format this build no longer names is skipped, not fatal: inputs are informational.
            if let Ok(format) = format.parse() {
                workload.inputs.push(InputSummary {
                    path,
                    format,
                    events: unsigned(events),
                    malformed: unsigned(malformed),
                });
            }
        }
        // The loaded detections only render findings: their thresholds and
        // dialect would matter only to units fed to them later.
        let mut det = Detection::new(DetectConfig::default(), Dialect::Generic);
        det.n_plus_one = self.state(N_PLUS_ONE)?.unwrap_or_default();
        det.duplicates = self.state(DUPLICATE)?.unwrap_or_default();
        det.batch_inserts = self.state(BATCHABLE_INSERT)?.unwrap_or_default();
        workload.detection = Some(det);
        Ok(workload)
    }

    /// Keeps `events` as raw events, in one transaction, then trims the
    /// oldest beyond [`StoreOptions::max_events`]. Does nothing when that is 0.
    ///
    /// # Errors
    /// When SQLite fails; nothing is kept then.
    pub fn append_events(&mut self, events: &[QueryEvent]) -> Result<(), StoreError> {
        if self.options.max_events == 0 {
            return Ok(());
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        {
            let mut insert = tx.prepare_cached("INSERT INTO events (body) VALUES (?1)")?;
            for e in events {
                insert.execute([encode("event", e)?])?;
            }
        }
        tx.execute(
            "DELETE FROM events WHERE id <= (SELECT max(id) FROM events) - ?1",
            [count(self.options.max_events)],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The raw events kept, oldest first.
    ///
    /// # Errors
    /// When SQLite fails or a stored event cannot be read.
    pub fn events(&self) -> Result<Vec<QueryEvent>, StoreError> {
        let mut stmt = self.conn.prepare("SELECT body FROM events ORDER BY id")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        rows.map(|body| decode("event", &body?)).collect()
    }

    /// A detector's stored state, if any was saved.
    fn state<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, StoreError> {
        let body: Option<String> = self
            .conn
            .query_row("SELECT state FROM detectors WHERE name = ?1", [name], |r| {
                r.get(0)
            })
            .optional()?;
        body.map(|b| decode("detector state", &b)).transpose()
    }
}

/// Folds `theirs` into the detector state stored under `name`.
fn merge_state<T: Serialize + DeserializeOwned>(
    tx: &rusqlite::Transaction<'_>,
    name: &str,
    theirs: T,
    merge: fn(&mut T, T),
) -> Result<(), StoreError> {
    let stored: Option<String> = tx
        .query_row("SELECT state FROM detectors WHERE name = ?1", [name], |r| {
            r.get(0)
        })
        .optional()?;
    let merged = match stored {
        Some(body) => {
            let mut mine: T = decode("detector state", &body)?;
            merge(&mut mine, theirs);
            mine
        }
        None => theirs,
    };
    tx.execute(
        "INSERT OR REPLACE INTO detectors (name, state) VALUES (?1, ?2)",
        params![name, encode("detector state", &merged)?],
    )?;
    Ok(())
}

/// A fingerprint as SQLite's signed 64-bit integer key (bits unchanged).
fn key_of(id: Fingerprint) -> i64 {
    i64::from_ne_bytes(id.0.to_ne_bytes())
}

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
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
        ingest_records(records, Dialect::Generic, DetectConfig::default())
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
        assert_eq!(back.inputs.len(), 0);
        let loops = back.detection.unwrap().findings(&back.digests);
        let example = loops[0].example.as_ref().unwrap();
        assert_eq!(
            example.iterations.len(),
            6,
            "the loop's values are kept for its rewrite"
        );
    }

    #[test]
    fn two_saves_merge_into_what_one_save_of_both_gives() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = open(&dir);
        store.save(&workload(0, 3)).unwrap();
        // Another process saves the other half.
        Store::open(&dir.path().join("s.db"), StoreOptions::default())
            .unwrap()
            .save(&workload(3, 5))
            .unwrap();
        let merged = store.load().unwrap();
        let whole = workload(0, 8);
        assert_eq!(figures(&merged), figures(&whole));
        let (_, events, findings) = figures(&merged);
        assert_eq!(events, 64);
        // The loop was found in both runs: its units add up.
        assert!(
            findings.contains(&(FindingKind::NPlusOne, 8, 48, 6)),
            "{findings:?}"
        );
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
        drop(store);
        // Opening again applies nothing twice.
        let store = Store::open(&path, StoreOptions::default()).unwrap();
        let mode: String = store
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        store
            .conn
            .execute("UPDATE schema_version SET version = 99", [])
            .unwrap();
        drop(store);
        let err = Store::open(&path, StoreOptions::default()).err().unwrap();
        assert!(matches!(err, StoreError::TooNew { found: 99, .. }), "{err}");
    }

    #[test]
    fn raw_events_are_kept_up_to_the_cap() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("e.db");
        let events: Vec<QueryEvent> = (0..10)
            .map(|i| QueryEvent::new(format!("SELECT {i}")))
            .collect();
        let mut none = Store::open(&path, StoreOptions::default()).unwrap();
        none.append_events(&events).unwrap();
        assert!(none.events().unwrap().is_empty(), "no cap, no raw events");
        let mut capped = Store::open(
            &path,
            StoreOptions {
                max_events: 4,
                ..StoreOptions::default()
            },
        )
        .unwrap();
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
