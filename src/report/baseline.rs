//! Baselines: a previous JSON report whose findings are already known. CI
//! fails only on what is new; what the baseline had and this run does not is
//! listed as fixed.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};

use super::{Finding, Report, VERSION};

/// A finding of the baseline that this run no longer has.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Fixed {
    pub kind: String,
    #[serde(default)]
    pub rule: Option<String>,
    pub fingerprint: String,
    #[serde(default)]
    pub shape: String,
    #[serde(default)]
    pub message: String,
}

impl Fixed {
    fn key(&self) -> (String, Option<String>, String) {
        (
            self.kind.clone(),
            self.rule.clone(),
            self.fingerprint.clone(),
        )
    }
}

/// The parts of a previous report a baseline needs.
#[derive(Debug, Deserialize)]
struct Previous {
    version: u32,
    findings: Vec<Fixed>,
}

/// The findings of a previous report.
#[derive(Debug)]
pub struct Baseline {
    findings: Vec<Fixed>,
}

/// What identifies "the same finding" across runs: its kind, its rule and the
/// fingerprint it is about (fingerprint ids are stable across versions). Not
/// its message, whose figures change from run to run: a finding about no
/// statement (`connection_pool`, one per report) is known by its kind alone.
pub fn key(f: &Finding) -> (String, Option<String>, String) {
    (f.kind.to_owned(), f.rule.clone(), f.fingerprint.clone())
}

impl Baseline {
    /// Reads a report written by `sqlsift report --format json`.
    ///
    /// # Errors
    /// The file cannot be read, is not JSON, or is not a version this
    /// sqlsift writes; the message names the file (and line, for bad JSON).
    pub fn read(path: &Path) -> anyhow::Result<Baseline> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("{}: cannot read the baseline", path.display()))?;
        let previous: Previous = serde_json::from_str(&text).map_err(|e| {
            anyhow::anyhow!(
                "{}: not a sqlsift JSON report (line {}, column {}): {e}",
                path.display(),
                e.line(),
                e.column()
            )
        })?;
        if previous.version != VERSION {
            anyhow::bail!(
                "{}: a version {} report; this sqlsift reads version {VERSION} baselines",
                path.display(),
                previous.version
            );
        }
        Ok(Baseline {
            findings: previous.findings,
        })
    }

    /// Marks the report's findings known or new, and lists the fixed ones.
    pub fn apply(&self, report: &mut Report) {
        let known: BTreeSet<_> = self.findings.iter().map(Fixed::key).collect();
        for f in &mut report.findings {
            f.status = if known.contains(&key(f)) {
                "known"
            } else {
                "new"
            };
        }
        let current: BTreeSet<_> = report.findings.iter().map(key).collect();
        let mut seen = BTreeSet::new();
        report.fixed = self
            .findings
            .iter()
            .filter(|f| !current.contains(&f.key()) && seen.insert(f.key()))
            .cloned()
            .collect();
    }
}
