//! A workload: the digests of every fingerprint seen, plus what could not be read.
//!
//! [`ingest`] streams each input through three threads (one reads and parses
//! log lines, one normalizes, one aggregates and detects), so both cores work
//! on a single large log and memory stays bounded by the number of distinct
//! fingerprints and open units of work.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::sync_channel;

use xxhash_rust::xxh3::Xxh3DefaultBuilder;

use crate::connections::ConnectionStats;
use crate::detect::{DetectConfig, Detection, Finding};
use crate::dialect::Dialect;
use crate::digest::Digest;
use crate::event::QueryEvent;
use crate::normalize::{FingerprintMap, FingerprintSet, LiteralKind, Normalized, Normalizer};
use crate::read::{self, Format, Malformed, OpenError, Record};
use crate::units::{Marks, Unit, UnitTracker};

/// How many malformed lines are kept with their location (all are counted).
pub const MALFORMED_KEPT: usize = 1000;

/// One input's share of a workload.
#[derive(Debug, Clone)]
pub struct InputSummary {
    pub path: String,
    pub format: Format,
    pub events: u64,
    pub malformed: u64,
}

/// Digests by fingerprint, what the detectors found, the reading totals,
/// and (from a proxy) the connection statistics.
#[derive(Default)]
pub struct Workload {
    pub digests: FingerprintMap<Digest>,
    pub events: u64,
    pub malformed: u64,
    /// Events an interceptor dropped because its queue was full (0 for files).
    pub dropped: u64,
    /// Units of work closed at a memory bound rather than where their work
    /// ended ([`crate::units::Unit::cut`]): a loop across such a cut is
    /// reported in parts.
    pub units_cut: u64,
    /// The first [`MALFORMED_KEPT`] malformed lines, in input order.
    pub malformed_lines: Vec<Malformed>,
    pub inputs: Vec<InputSummary>,
    /// N+1 loops, duplicates and batchable inserts, by fingerprint.
    pub detection: Option<Detection>,
    /// What a proxy saw of connections while capturing this workload (none
    /// for files), for the report's connection advice.
    pub connections: Option<ConnectionStats>,
}

impl Workload {
    /// Adds one event of fingerprint `id`; `shape` is needed only the first
    /// time `id` is seen.
    pub fn add(
        &mut self,
        event: &QueryEvent,
        id: crate::Fingerprint,
        shape: Option<&str>,
        dialect: Dialect,
    ) {
        self.events += 1;
        if let Some(d) = self.digests.get_mut(&id) {
            d.record(event);
        } else {
            let shape = Arc::from(shape.unwrap_or_default());
            self.digests
                .insert(id, Digest::new(id, shape, dialect, event));
        }
    }

    /// Counts a malformed line (keeping its location while there is room).
    pub fn add_malformed(&mut self, m: Malformed) {
        self.malformed += 1;
        if self.malformed_lines.len() < MALFORMED_KEPT {
            self.malformed_lines.push(m);
        }
    }

    /// Folds another workload into this one.
    pub fn merge(&mut self, other: Workload) {
        self.events += other.events;
        self.malformed += other.malformed;
        self.dropped += other.dropped;
        self.units_cut += other.units_cut;
        let room = MALFORMED_KEPT.saturating_sub(self.malformed_lines.len());
        self.malformed_lines
            .extend(other.malformed_lines.into_iter().take(room));
        self.inputs.extend(other.inputs);
        merge_optional(&mut self.detection, other.detection, Detection::merge);
        merge_optional(&mut self.connections, other.connections, |mine, theirs| {
            mine.merge(&theirs);
        });
        for (id, d) in other.digests {
            match self.digests.get_mut(&id) {
                Some(mine) => mine.merge(&d),
                None => {
                    self.digests.insert(id, d);
                }
            }
        }
    }
}

/// How to read inputs.
#[derive(Debug, Clone, Default)]
pub struct IngestOptions {
    /// Force this format instead of detecting it per file.
    pub format: Option<Format>,
    /// Force this dialect instead of the format's own.
    pub dialect: Option<Dialect>,
    /// Detector thresholds and unit boundaries.
    pub detect: DetectConfig,
}

/// Events travel between the threads in batches, to keep channel costs off the per-event path.
const BATCH: usize = 2048;

/// Reads every input into one workload. `progress` hears of each chunk of
/// bytes read (compressed size for `.gz`).
///
/// # Errors
/// When an input cannot be opened or its format cannot be detected; nothing
/// is read past the first such input.
pub fn ingest(
    paths: &[PathBuf],
    opts: &IngestOptions,
    progress: Option<&read::Progress>,
) -> Result<Workload, OpenError> {
    let mut workload = Workload::default();
    for path in paths {
        let (format, records) = read::open(path, opts.format, progress.cloned())?;
        let dialect = opts.dialect.unwrap_or(format.dialect());
        let mut part = ingest_records(records, dialect, opts.detect);
        part.inputs.push(InputSummary {
            path: path.display().to_string(),
            format,
            events: part.events,
            malformed: part.malformed,
        });
        workload.merge(part);
    }
    Ok(workload)
}

/// Merges `theirs` into `mine` when both are there; otherwise keeps whichever is.
fn merge_optional<T>(mine: &mut Option<T>, theirs: Option<T>, merge: impl FnOnce(&mut T, T)) {
    match (mine.as_mut(), theirs) {
        (Some(m), Some(t)) => merge(m, t),
        (None, theirs) => *mine = theirs,
        (Some(_), None) => {}
    }
}

/// The normalizing stage every pipeline runs (file ingestion and the
/// [`crate::interceptor::Interceptor`]): an event's unit marks (its
/// fingerprint among them), and its shape the first time its fingerprint is seen.
pub struct Stager {
    normalizer: Normalizer,
    norm: Normalized,
    seen: FingerprintSet,
    /// Normalized texts whose every value is a bind placeholder: drivers
    /// send such a text unchanged for every execution, so it is lexed once.
    /// (A text with literals rarely repeats: those are not kept.)
    parameterized: HashMap<Box<str>, Normalized, Xxh3DefaultBuilder>,
}

/// Parameterized texts the stager keeps before it starts afresh.
const PARAMETERIZED_KEPT: usize = 4096;
/// Longer texts are not kept: they would hold memory for little gain.
const PARAMETERIZED_MAX_LEN: usize = 4096;

impl Stager {
    #[must_use]
    pub fn new(dialect: Dialect) -> Self {
        Stager {
            normalizer: Normalizer::new(dialect),
            norm: Normalized::default(),
            seen: FingerprintSet::default(),
            parameterized: HashMap::default(),
        }
    }

    /// Normalizes `event`: its marks, and its shape if its fingerprint is new to this stager.
    pub fn stage(&mut self, event: &QueryEvent) -> (Marks, Option<Box<str>>) {
        let norm = if let Some(norm) = self.parameterized.get(event.sql.as_str()) {
            norm
        } else {
            self.normalizer.normalize_into(&event.sql, &mut self.norm);
            self.keep_if_parameterized(&event.sql);
            &self.norm
        };
        let marks = Marks::of(event, norm);
        let shape = self
            .seen
            .insert(norm.id)
            .then(|| Box::from(norm.shape.as_str()));
        (marks, shape)
    }

    fn keep_if_parameterized(&mut self, sql: &str) {
        let parameterized = self
            .norm
            .literals
            .iter()
            .all(|l| l.kind == LiteralKind::Placeholder);
        if !parameterized || sql.len() > PARAMETERIZED_MAX_LEN {
            return;
        }
        if self.parameterized.len() >= PARAMETERIZED_KEPT {
            self.parameterized.clear();
        }
        self.parameterized.insert(sql.into(), self.norm.clone());
    }
}

/// The aggregating stage every pipeline runs: digests by fingerprint, units
/// of work, and the detectors over each unit as it closes.
pub struct Aggregator {
    workload: Workload,
    units: UnitTracker,
    detection: Detection,
    closed: Vec<Unit>,
    dialect: Dialect,
}

impl Aggregator {
    #[must_use]
    pub fn new(dialect: Dialect, detect: DetectConfig) -> Self {
        Aggregator {
            workload: Workload::default(),
            units: UnitTracker::new(detect.units),
            detection: Detection::new(detect, dialect),
            closed: Vec::new(),
            dialect,
        }
    }

    /// Adds one staged event (see [`Stager::stage`]).
    pub fn add(&mut self, event: QueryEvent, marks: &Marks, shape: Option<&str>) {
        self.workload
            .add(&event, marks.fingerprint, shape, self.dialect);
        self.units.push(event, marks, &mut self.closed);
        self.detect_closed();
    }

    /// Runs the detectors over the units that just closed.
    fn detect_closed(&mut self) {
        for unit in self.closed.drain(..) {
            self.workload.units_cut += u64::from(unit.cut);
            self.detection.unit(&unit, &self.workload.digests);
        }
    }

    /// Counts a malformed line.
    pub fn add_malformed(&mut self, m: Malformed) {
        self.workload.add_malformed(m);
    }

    /// `session` ended: its open unit is detected now and nothing of it is kept.
    pub fn end_session(&mut self, session: &str) {
        self.units.end_session(session, &mut self.closed);
        self.detect_closed();
    }

    /// Units of work still open: what the pipeline holds until they close.
    #[must_use]
    pub fn open_units(&self) -> usize {
        self.units.open().count()
    }

    /// The workload so far (its detection is filled in by [`Aggregator::finish`]).
    #[must_use]
    pub fn workload(&self) -> &Workload {
        &self.workload
    }

    /// The findings as they would stand if every open unit closed now; the
    /// units stay open.
    pub fn findings_so_far(&mut self) -> Vec<Finding> {
        self.detection
            .findings_with(self.units.open(), &self.workload.digests)
    }

    /// Closes every open unit and hands back the workload with its detections.
    #[must_use]
    pub fn finish(mut self) -> Workload {
        for unit in self.units.finish() {
            self.detection.unit(&unit, &self.workload.digests);
        }
        self.workload.detection = Some(self.detection);
        self.workload
    }
}

/// An event on its way from the normalizing thread to the aggregating one.
// Events vastly outnumber malformed lines: boxing them would allocate per event.
#[allow(clippy::large_enum_variant)]
enum Staged {
    /// The event, its marks, and its shape the first time its fingerprint is seen.
    Event(QueryEvent, Marks, Option<Box<str>>),
    Malformed(Malformed),
}

/// Aggregates a stream of records and runs the detectors over its units of
/// work, in three stages on their own threads: reading and parsing lines,
/// normalizing, and aggregating (here). Batches keep channel costs off the
/// per-event path; bounded channels keep memory bounded.
#[must_use]
pub fn ingest_records(records: read::Records, dialect: Dialect, detect: DetectConfig) -> Workload {
    let (tx, rx) = sync_channel::<Vec<Record>>(8);
    let reader = std::thread::spawn(move || {
        let mut batch = Vec::with_capacity(BATCH);
        for r in records {
            batch.push(r);
            if batch.len() == BATCH {
                let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                if tx.send(full).is_err() {
                    return;
                }
            }
        }
        let _ = tx.send(batch);
    });
    let (stx, srx) = sync_channel::<Vec<Staged>>(8);
    let normalizing = std::thread::spawn(move || {
        let mut normalize = Stager::new(dialect);
        for batch in rx {
            let staged = batch
                .into_iter()
                .map(|r| match r {
                    Record::Event(e) => {
                        let (marks, shape) = normalize.stage(&e);
                        Staged::Event(e, marks, shape)
                    }
                    Record::Malformed(m) => Staged::Malformed(m),
                })
                .collect();
            if stx.send(staged).is_err() {
                return;
            }
        }
    });
    let mut aggregator = Aggregator::new(dialect, detect);
    for batch in srx {
        for s in batch {
            match s {
                Staged::Event(e, marks, shape) => aggregator.add(e, &marks, shape.as_deref()),
                Staged::Malformed(m) => aggregator.add_malformed(m),
            }
        }
    }
    let mut workload = aggregator.finish();
    // The reader thread only ends by sending or failing to send; a panic there would be a bug.
    if reader.join().is_err() || normalizing.join().is_err() {
        workload.add_malformed(Malformed {
            file: "<reader>".into(),
            line: 0,
            reason: "the reader thread stopped unexpectedly; the input may be incomplete".into(),
            excerpt: None,
        });
    }
    workload
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::from_reader;

    #[test]
    fn a_repeated_parameterized_text_stages_as_a_fresh_one_does() {
        let event = |sql: &str, param: &str| QueryEvent {
            params: vec![Some(param.to_owned())],
            ..QueryEvent::new(sql)
        };
        let texts = [
            "SELECT * FROM t WHERE id = $1 /*route='/a'*/",
            "SELECT * FROM t WHERE id = 7 AND k = $1",
            "BEGIN",
        ];
        let mut kept = Stager::new(Dialect::PostgreSql);
        for round in 0..3 {
            for (i, sql) in texts.iter().enumerate() {
                let e = event(sql, &format!("{}", round * 10 + i));
                let (marks, shape) = kept.stage(&e);
                let (fresh, fresh_shape) = Stager::new(Dialect::PostgreSql).stage(&e);
                assert_eq!(marks.fingerprint, fresh.fingerprint, "{sql}");
                assert_eq!(marks.values_hash, fresh.values_hash, "{sql}");
                assert_eq!(marks.request, fresh.request, "{sql}");
                assert_eq!((marks.begins, marks.ends), (fresh.begins, fresh.ends));
                // The shape comes with a fingerprint's first sighting only.
                assert_eq!(shape.is_some(), round == 0, "{sql}");
                assert!(fresh_shape.is_some());
            }
        }
        // Only the text whose every value is a placeholder is kept.
        assert!(kept.parameterized.contains_key(texts[0]));
        assert!(!kept.parameterized.contains_key(texts[1]));
    }

    #[test]
    fn aggregates_by_fingerprint_and_keeps_malformed_lines() {
        let jsonl = r#"{"sql":"SELECT * FROM t WHERE id = 1","duration_ms":1}
{"sql":"select * from t where id=2","duration_ms":3}
oops
{"sql":"SELECT * FROM u WHERE id = 1","duration_ms":2}
"#;
        let records = from_reader(
            Format::Jsonl,
            "w.jsonl".into(),
            Box::new(std::io::Cursor::new(jsonl.as_bytes().to_vec())),
        );
        let w = ingest_records(records, Dialect::Generic, DetectConfig::default());
        assert_eq!(w.events, 3);
        assert_eq!(w.digests.len(), 2);
        assert_eq!(w.malformed, 1);
        assert_eq!(
            w.malformed_lines[0].to_string(),
            "w.jsonl:3: invalid event: expected value at line 1 column 1"
        );
        let t = w
            .digests
            .values()
            .find(|d| d.shape.contains("from t"))
            .unwrap();
        assert_eq!(t.calls, 2);
        assert!((t.total_ms - 4.0).abs() < 1e-9);
        assert_eq!(t.sample.sql, "select * from t where id=2");
    }

    #[test]
    fn units_cut_at_the_memory_budget_are_counted_and_their_loops_still_found() {
        // Two sessions each loop over one shape; a budget of a few
        // statements cuts their units short again and again.
        let jsonl: Vec<String> = (0..40)
            .map(|i| {
                let session = i % 2;
                format!("{{\"sql\":\"SELECT * FROM posts WHERE user_id = {i}\",\"session\":\"s{session}\"}}")
            })
            .collect();
        let jsonl = jsonl.join("\n");
        let ingest = |max_held_bytes| {
            let records = from_reader(
                Format::Jsonl,
                "w.jsonl".into(),
                Box::new(std::io::Cursor::new(jsonl.clone().into_bytes())),
            );
            let detect = DetectConfig {
                units: crate::units::UnitConfig {
                    max_held_bytes,
                    ..crate::units::UnitConfig::default()
                },
                ..DetectConfig::default()
            };
            ingest_records(records, Dialect::Generic, detect)
        };
        let whole = ingest(crate::units::MAX_HELD_BYTES);
        assert_eq!(whole.units_cut, 0);
        let cut = ingest(1_500);
        assert!(cut.units_cut >= 2, "{} units cut", cut.units_cut);
        assert_eq!(cut.events, 40, "nothing lost");
        // The loop is still reported, in parts: each part long enough is a loop.
        let loops = |w: &Workload| {
            w.detection
                .as_ref()
                .unwrap()
                .findings(&w.digests)
                .iter()
                .filter(|f| f.kind == crate::detect::FindingKind::NPlusOne)
                .count()
        };
        assert_eq!(loops(&whole), 1);
        assert_eq!(loops(&cut), 1);
        // Merged workloads add their counts.
        let mut merged = Workload::default();
        let n = cut.units_cut;
        merged.merge(cut);
        merged.merge(ingest(1_500));
        assert_eq!(merged.units_cut, 2 * n);
    }

    #[test]
    fn merging_workloads_merges_their_connection_stats() {
        let stats = |sessions| ConnectionStats {
            sessions,
            peak_open: sessions,
            ..ConnectionStats::default()
        };
        let mut w = Workload::default();
        // A file's workload has none: merging it in keeps none.
        w.merge(Workload::default());
        assert_eq!(w.connections, None);
        w.merge(Workload {
            connections: Some(stats(3)),
            ..Workload::default()
        });
        w.merge(Workload::default());
        w.merge(Workload {
            connections: Some(stats(2)),
            ..Workload::default()
        });
        let c = w.connections.unwrap();
        assert_eq!((c.sessions, c.peak_open), (5, 3));
    }
}
