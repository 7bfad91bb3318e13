//! Detectors that look inside units of work: N+1 loops, duplicate reads,
//! batchable inserts. Each runs on every closed unit and folds what it sees
//! into plain-data [`Finding`]s that every reporter can render.

mod batch_insert;
mod duplicate;
mod n_plus_one;
pub mod slow;

use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::sync::Arc;

pub use batch_insert::BatchInserts;
pub use duplicate::Duplicates;
pub use n_plus_one::NPlusOne;

use crate::dialect::Dialect;
use crate::digest::Digest;
use crate::facts::ShapeFacts;
use crate::normalize::{Fingerprint, FingerprintHasher, FingerprintMap, Normalizer};
use crate::shapes::ShapeCache;
use crate::units::{Unit, UnitConfig};
use crate::values::{SlotValues, slot_values};

/// Thresholds of the detectors.
#[derive(Debug, Clone, Copy)]
pub struct DetectConfig {
    /// Executions of one shape with differing values in one unit that make a loop.
    pub loop_min: usize,
    /// Single-row inserts of one shape in one unit that make a bulk load.
    pub insert_min: usize,
    pub units: UnitConfig,
}

impl Default for DetectConfig {
    fn default() -> Self {
        DetectConfig {
            loop_min: 5,
            insert_min: 5,
            units: UnitConfig::default(),
        }
    }
}

/// How serious a finding is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub const ALL: [Severity; 3] = [Severity::Info, Severity::Warning, Severity::Error];

    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Severity {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::ALL
            .into_iter()
            .find(|v| v.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("unknown severity `{s}` (expected info, warning or error)"))
    }
}

/// What a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FindingKind {
    NPlusOne,
    Duplicate,
    BatchableInsert,
    Slow,
    ScanRatio,
}

impl FindingKind {
    /// The name used in reports (`n_plus_one`, `duplicate`, `batchable_insert`).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            FindingKind::NPlusOne => "n_plus_one",
            FindingKind::Duplicate => "duplicate",
            FindingKind::BatchableInsert => "batchable_insert",
            FindingKind::Slow => "slow",
            FindingKind::ScanRatio => "scan_ratio",
        }
    }
}

/// The executions of one loop, kept so that it can be rewritten and tested.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LoopExample {
    pub unit: Arc<str>,
    pub dialect: Dialect,
    /// One real statement of the loop and its parameters.
    pub sample_sql: String,
    pub sample_params: Vec<Option<String>>,
    /// The slots whose values differ between iterations.
    pub varying_slots: Vec<u32>,
    /// The distinct iterations' values, all slots, in execution order: the
    /// first [`LoopExample::MAX_ITERATIONS`] of them.
    pub iterations: Vec<Vec<SlotValues>>,
    /// Distinct iterations the loop had (more than `iterations` holds when
    /// it was cut; 0 in stores written before it was counted).
    #[serde(default)]
    pub distinct: u64,
    /// The statement that ran just before the loop in this unit, with its
    /// parameters: the query whose rows the loop most likely iterated over.
    pub parent: Option<(String, Vec<Option<String>>)>,
}

impl LoopExample {
    /// Iterations an example keeps. A loop of 50,000 lookups (pgbench
    /// through the proxy) would otherwise be normalized again and held whole,
    /// and rewritten as one `IN` list of 50,000 keys no one would run.
    pub const MAX_ITERATIONS: usize = 1_000;

    /// The distinct iterations of the loop, including those not kept.
    #[must_use]
    pub fn distinct_iterations(&self) -> u64 {
        self.distinct.max(self.iterations.len() as u64)
    }
}

/// One finding, ready to report.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub kind: FindingKind,
    pub severity: Severity,
    pub fingerprint: Fingerprint,
    pub table: Option<String>,
    /// The varying key column(s) of a loop; the columns a duplicate filters on.
    pub columns: Vec<String>,
    /// Names of (the first 20) units it occurs in.
    pub units: Vec<Arc<str>>,
    pub unit_count: u64,
    /// Executions it covers, over all units.
    pub executions: u64,
    /// The largest loop (or repeat count) in one unit.
    pub loop_size: u64,
    /// Time the executions took, over all units.
    pub total_ms: f64,
    /// Round trips one batched statement per unit would save.
    pub round_trips_saved: u64,
    /// The statement that ran just before the loop, most often.
    pub parent: Option<Fingerprint>,
    /// For duplicates: the share of executions a cache would answer.
    pub hit_rate: Option<f64>,
    pub message: String,
    pub example: Option<LoopExample>,
}

/// One fingerprint's executions inside one unit.
pub struct Executions {
    pub fingerprint: Fingerprint,
    /// Positions in the unit's entries.
    pub positions: Vec<usize>,
    /// Distinct value sets in order of first use: (values hash, position of
    /// the first execution with them, how many executions had them).
    pub distinct: Vec<(u64, usize, u32)>,
    pub total_ms: f64,
    pub facts: Option<Arc<ShapeFacts>>,
}

/// What each detector sees of a closed unit.
pub struct UnitView<'a> {
    pub unit: &'a Unit,
    pub dialect: Dialect,
    /// Fingerprints executed more than once in the unit.
    pub repeated: Vec<Executions>,
}

impl UnitView<'_> {
    /// The values, by slot, of the execution at `position` (normalized again:
    /// only loops need them, so the per-event path keeps just a hash).
    #[must_use]
    pub fn slot_values(&self, position: usize, normalizer: &mut Normalizer) -> Vec<SlotValues> {
        let e = &self.unit.entries[position];
        let norm = normalizer.normalize(&e.sql);
        slot_values(&e.sql, &norm, &e.params)
    }
}

/// Caches facts per fingerprint (parsed once).
#[derive(Default)]
struct FactsCache {
    shapes: ShapeCache,
    facts: FingerprintMap<Option<Arc<ShapeFacts>>>,
}

impl FactsCache {
    fn get(&mut self, d: &Digest) -> Option<Arc<ShapeFacts>> {
        self.facts
            .entry(d.id)
            .or_insert_with(|| {
                let parsed = self.shapes.get(d.id, &d.shape, &d.sample.sql, d.dialect);
                ShapeFacts::of(&parsed).map(Arc::new)
            })
            .clone()
    }
}

/// Runs every detector over units as they close.
pub struct Detection {
    config: DetectConfig,
    facts: FactsCache,
    normalizer: Normalizer,
    pub n_plus_one: NPlusOne,
    pub duplicates: Duplicates,
    pub batch_inserts: BatchInserts,
}

impl Detection {
    #[must_use]
    pub fn new(config: DetectConfig, dialect: Dialect) -> Self {
        Detection {
            config,
            facts: FactsCache::default(),
            normalizer: Normalizer::new(dialect),
            n_plus_one: NPlusOne::default(),
            duplicates: Duplicates::default(),
            batch_inserts: BatchInserts::default(),
        }
    }

    /// Looks into a closed unit. `digests` must hold every fingerprint in it.
    pub fn unit(&mut self, unit: &Unit, digests: &FingerprintMap<Digest>) {
        if unit.entries.len() < 2 {
            return;
        }
        let mut by_fp: FingerprintMap<Vec<usize>> = HashMap::default();
        for (i, e) in unit.entries.iter().enumerate() {
            by_fp.entry(e.fingerprint).or_default().push(i);
        }
        let mut repeated = Vec::new();
        // Keyed by values hashes (XXH3): hashing them again only costs time.
        let mut seen: HashMap<u64, usize, BuildHasherDefault<FingerprintHasher>> =
            HashMap::default();
        for (fp, positions) in by_fp {
            if positions.len() < 2 {
                continue;
            }
            let facts = digests.get(&fp).and_then(|d| self.facts.get(d));
            let mut distinct: Vec<(u64, usize, u32)> = Vec::new();
            seen.clear();
            let mut total_ms = 0.0;
            for &i in &positions {
                let e = &unit.entries[i];
                total_ms += e.duration_ms;
                if let Some(&k) = seen.get(&e.values_hash) {
                    distinct[k].2 += 1;
                } else {
                    seen.insert(e.values_hash, distinct.len());
                    distinct.push((e.values_hash, i, 1));
                }
            }
            repeated.push(Executions {
                fingerprint: fp,
                positions,
                distinct,
                total_ms,
                facts,
            });
        }
        repeated.sort_by_key(|x| x.positions[0]);
        let view = UnitView {
            unit,
            dialect: self.normalizer.dialect(),
            repeated,
        };
        self.n_plus_one
            .unit(&view, self.config.loop_min, &mut self.normalizer);
        self.duplicates.unit(&view);
        self.batch_inserts.unit(&view, self.config.insert_min);
    }

    /// Every finding, most costly first.
    #[must_use]
    pub fn findings(&self, digests: &FingerprintMap<Digest>) -> Vec<Finding> {
        let mut out = self.n_plus_one.findings(digests);
        out.extend(self.duplicates.findings(digests));
        out.extend(self.batch_inserts.findings(digests));
        out.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then(b.total_ms.total_cmp(&a.total_ms))
                .then(a.fingerprint.cmp(&b.fingerprint))
        });
        out
    }

    /// The findings as they would stand had the `open` units closed too,
    /// leaving these detections as they were (the units may still grow).
    pub fn findings_with<'u>(
        &mut self,
        open: impl Iterator<Item = &'u Unit>,
        digests: &FingerprintMap<Digest>,
    ) -> Vec<Finding> {
        let kept = (
            self.n_plus_one.clone(),
            self.duplicates.clone(),
            self.batch_inserts.clone(),
        );
        for unit in open {
            self.unit(unit, digests);
        }
        let out = self.findings(digests);
        (self.n_plus_one, self.duplicates, self.batch_inserts) = kept;
        out
    }

    /// Folds another input's detections into these.
    pub fn merge(&mut self, other: Detection) {
        self.n_plus_one.merge(other.n_plus_one);
        self.duplicates.merge(other.duplicates);
        self.batch_inserts.merge(other.batch_inserts);
    }
}

/// What the detectors keep per fingerprint across units.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct Tally {
    pub units: Vec<Arc<str>>,
    pub unit_count: u64,
    pub executions: u64,
    pub largest: u64,
    pub total_ms: f64,
    pub saved: u64,
}

/// Units named in a finding.
const UNITS_KEPT: usize = 20;

impl Tally {
    pub fn add(&mut self, unit: &Unit, executions: u64, total_ms: f64, saved: u64) {
        self.unit_count += 1;
        if self.units.len() < UNITS_KEPT {
            self.units.push(unit.name());
        }
        self.executions += executions;
        self.largest = self.largest.max(executions);
        self.total_ms += total_ms;
        self.saved += saved;
    }

    /// A finding of `kind` on `fingerprint` with this tally's figures; the
    /// caller fills in what only it knows.
    pub fn finding(
        &self,
        kind: FindingKind,
        fingerprint: Fingerprint,
        severity: Severity,
    ) -> Finding {
        Finding {
            kind,
            severity,
            fingerprint,
            table: None,
            columns: Vec::new(),
            units: self.units.clone(),
            unit_count: self.unit_count,
            executions: self.executions,
            loop_size: self.largest,
            total_ms: self.total_ms,
            round_trips_saved: self.saved,
            parent: None,
            hit_rate: None,
            message: String::new(),
            example: None,
        }
    }

    pub fn merge(&mut self, o: Tally) {
        self.unit_count += o.unit_count;
        let room = UNITS_KEPT.saturating_sub(self.units.len());
        self.units.extend(o.units.into_iter().take(room));
        self.executions += o.executions;
        self.largest = self.largest.max(o.largest);
        self.total_ms += o.total_ms;
        self.saved += o.saved;
    }
}

/// A shape's text, shortened for a one-line message.
pub(crate) fn short(shape: &str) -> String {
    match shape.char_indices().nth(90) {
        Some((i, _)) => format!("{}…", &shape[..i]),
        None => shape.to_owned(),
    }
}
