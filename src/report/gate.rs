//! The CI gate: which findings fail the run. Findings the settings ignore are
//! removed first; known (baseline) findings never fail it.

use serde::{Deserialize, Serialize};
use sqlsift_analyzer::detect::Severity;

use super::Report;

/// Findings the project has chosen not to hear about (`[ignore]` in sqlsift.toml).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ignore {
    /// Fingerprint ids (16 hex digits).
    #[serde(default)]
    pub fingerprints: Vec<String>,
    /// Tables: findings about them are dropped.
    #[serde(default)]
    pub tables: Vec<String>,
    /// Finding kinds (`n_plus_one`, `slow`, …) or lint rule codes and names.
    #[serde(default)]
    pub rules: Vec<String>,
}

/// The outcome of the gate, part of the JSON report.
#[derive(Debug, Clone, Serialize)]
pub struct Gate {
    /// The lowest severity that fails the run; `None`: nothing fails it.
    pub fail_on: Option<Severity>,
    /// New findings at or above `fail_on`.
    pub failing: usize,
    pub failed: bool,
}

impl Ignore {
    /// Drops the findings these settings ignore.
    pub fn apply(&self, report: &mut Report) {
        let matches =
            |list: &[String], value: &str| list.iter().any(|x| x.eq_ignore_ascii_case(value));
        report.findings.retain(|f| {
            !(matches(&self.fingerprints, &f.fingerprint)
                || f.table.as_deref().is_some_and(|t| matches(&self.tables, t))
                || matches(&self.rules, f.kind)
                || f.rule.as_deref().is_some_and(|r| matches(&self.rules, r))
                || f.rule_name
                    .as_deref()
                    .is_some_and(|r| matches(&self.rules, r)))
        });
    }
}

/// Judges the report's new findings against `fail_on`, records the outcome
/// in the report and returns whether the run fails. Without a gate the
/// report has none (`"gate": null` in JSON).
pub fn judge(report: &mut Report, fail_on: Option<Severity>) -> bool {
    let Some(gate) = fail_on else {
        report.gate = None;
        return false;
    };
    let failing = report
        .findings
        .iter()
        .filter(|f| f.status == "new" && f.severity >= gate)
        .count();
    report.gate = Some(Gate {
        fail_on,
        failing,
        failed: failing > 0,
    });
    failing > 0
}
