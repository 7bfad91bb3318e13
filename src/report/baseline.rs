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
    /// The table and columns: what identifies index and partition advice.
    #[serde(default)]
    pub table: Option<String>,
    #[serde(default)]
    pub columns: Vec<String>,
}

impl Fixed {
    fn key(&self) -> Key {
        // Index advice written before its findings carried the index's
        // columns is known by the statement it was reported on.
        if self.kind == "index" && self.columns.is_empty() {
            return legacy_key(&self.kind, &self.fingerprint);
        }
        identity(
            &self.kind,
            self.rule.as_deref(),
            &self.fingerprint,
            self.table.as_deref(),
            &self.columns,
        )
    }
}

/// A finding's identity across runs: its kind, its rule and what it is about.
pub type Key = (String, Option<String>, String);

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
/// Index and partition advice is about a table and its columns, not about
/// the first of the statements it serves (which another statement joining
/// them displaces, and which two indexes can share).
pub fn key(f: &Finding) -> Key {
    identity(
        f.kind,
        f.rule.as_deref(),
        &f.fingerprint,
        f.table.as_deref(),
        &f.columns,
    )
}

/// What a finding is about, in [`key`]: its fingerprint, or for index and
/// partition advice `table(columns)`.
#[must_use]
pub fn subject(kind: &str, fingerprint: &str, table: Option<&str>, columns: &[String]) -> String {
    match kind {
        "index" | "partition" => format!("{}({})", table.unwrap_or(""), columns.join(", ")),
        _ => fingerprint.to_owned(),
    }
}

fn identity(
    kind: &str,
    rule: Option<&str>,
    fingerprint: &str,
    table: Option<&str>,
    columns: &[String],
) -> Key {
    (
        kind.to_owned(),
        rule.map(str::to_owned),
        subject(kind, fingerprint, table, columns),
    )
}

fn legacy_key(kind: &str, fingerprint: &str) -> Key {
    (kind.to_owned(), None, format!("legacy:{fingerprint}"))
}

/// The keys a current finding matches a baseline entry by.
fn keys(f: &Finding) -> [Key; 2] {
    [key(f), legacy_key(f.kind, &f.fingerprint)]
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
            f.status = if keys(f).iter().any(|k| known.contains(k)) {
                "known"
            } else {
                "new"
            };
        }
        let current: BTreeSet<_> = report.findings.iter().flat_map(keys).collect();
        let mut seen = BTreeSet::new();
        report.fixed = self
            .findings
            .iter()
            .filter(|f| !current.contains(&f.key()) && seen.insert(f.key()))
            .cloned()
            .collect();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlsift_analyzer::detect::Severity;

    fn index(table: &str, columns: &[&str], fingerprint: &str) -> Finding {
        let mut f = super::super::plain_finding("index", Severity::Warning, String::new(), None);
        f.table = Some(table.to_owned());
        f.columns = columns.iter().map(|c| (*c).to_owned()).collect();
        f.fingerprint = fingerprint.to_owned();
        f
    }

    fn entry(table: &str, columns: &[&str], fingerprint: &str) -> Fixed {
        Fixed {
            kind: "index".into(),
            rule: None,
            fingerprint: fingerprint.into(),
            shape: String::new(),
            message: String::new(),
            table: Some(table.into()),
            columns: columns.iter().map(|c| (*c).to_owned()).collect(),
        }
    }

    /// Index advice is known by its table and keys; a baseline written
    /// before index findings carried their keys still knows its advice by
    /// the statement it was reported on.
    #[test]
    fn index_advice_is_known_by_table_and_keys_or_by_a_legacy_statement() {
        let mut r = crate::report::empty_report();
        r.findings = vec![index("a", &["x"], "01"), index("b", &["z"], "01")];
        let baseline = Baseline {
            findings: vec![entry("a", &["x"], "02"), entry("c", &["w"], "01")],
        };
        baseline.apply(&mut r);
        let status: Vec<_> = r.findings.iter().map(|f| f.status).collect();
        assert_eq!(status, ["known", "new"]);
        assert_eq!(r.fixed.len(), 1);
        assert_eq!(r.fixed[0].table.as_deref(), Some("c"));

        let legacy = Baseline {
            findings: vec![entry("a", &[], "01")],
        };
        legacy.apply(&mut r);
        let status: Vec<_> = r.findings.iter().map(|f| f.status).collect();
        assert_eq!(status, ["known", "known"]);
        assert!(r.fixed.is_empty());
    }
}
