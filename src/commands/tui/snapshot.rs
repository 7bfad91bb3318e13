//! The report (and the advisor's advice) converted into the console's plain
//! model: the console depends on no analysis crate, so this is where the two
//! vocabularies meet. A live source converts its own data the same way.

use sqlsift_advisor::Advice;
use sqlsift_analyzer::detect::Severity;
use sqlsift_tui::Snapshot;
use sqlsift_tui::model::{self, AdviceRow, LoopRow, QueryRow, StreamRow, Totals};

use crate::report::{Finding, Fingerprint, Report};

/// Finding kinds the N+1 view lists, with their short names.
const LOOP_KINDS: &[(&str, &str)] = &[
    ("n_plus_one", "N+1"),
    ("duplicate", "dup"),
    ("batchable_insert", "insert"),
];

/// The short name a finding kind has in flags and the Advice view.
fn short(kind: &str) -> &str {
    match kind {
        "n_plus_one" => "N+1",
        "duplicate" => "dup",
        "batchable_insert" => "insert",
        "scan_ratio" => "scan",
        other => other,
    }
}

fn severity(s: Severity) -> model::Severity {
    match s {
        Severity::Info => model::Severity::Info,
        Severity::Warning => model::Severity::Warning,
        Severity::Error => model::Severity::Error,
    }
}

/// The console's snapshot of `report`, with the `stream` of newest
/// statements and the advisor's outcome (`postgres`: give PostgreSQL DDL).
pub fn convert(
    report: &Report,
    source: String,
    stream: Vec<StreamRow>,
    advice: Option<&Result<Advice, String>>,
    postgres: bool,
) -> Snapshot {
    let mut advice_rows = Vec::new();
    match advice {
        Some(Ok(a)) => advice_rows.extend(advisor_rows(a, postgres)),
        Some(Err(why)) => advice_rows.push(AdviceRow {
            kind: "index".into(),
            severity: model::Severity::Info,
            message: format!("no index advice: {why}"),
            ..AdviceRow::default()
        }),
        None => {}
    }
    advice_rows.extend(report.findings.iter().map(finding_advice));
    let mut queries: Vec<QueryRow> = report.fingerprints.iter().map(query).collect();
    for q in &mut queries {
        q.flags = flags(&q.id, &report.findings, &advice_rows);
    }
    Snapshot {
        source,
        totals: Totals {
            events: report.totals.events,
            fingerprints: report.totals.fingerprints,
            total_ms: report.totals.total_ms,
            malformed: report.totals.malformed,
            dropped: report.totals.dropped,
            units_cut: report.totals.units_cut,
        },
        queries,
        loops: report.findings.iter().filter_map(loop_row).collect(),
        advice: advice_rows,
        stream,
    }
}

fn query(f: &Fingerprint) -> QueryRow {
    let latency = [
        ("min", f.min_ms),
        ("p50", f.p50_ms),
        ("p95", f.p95_ms),
        ("p99", f.p99_ms),
        ("max", f.max_ms),
    ]
    .into_iter()
    .filter_map(|(label, v)| Some((label.to_owned(), v?)))
    .collect();
    let plan = match (&f.plan, &f.plan_error) {
        (Some(plan), _) => plan.clone(),
        (None, Some(why)) => vec![format!("(SQLite could not plan it: {why})")],
        (None, None) => Vec::new(),
    };
    QueryRow {
        id: f.id.clone(),
        shape: f.shape.clone(),
        sample: f.sample.clone(),
        calls: f.calls,
        total_ms: f.total_ms,
        mean_ms: f.mean_ms,
        p95_ms: f.p95_ms,
        rows: f.rows,
        cost: f.cost.as_ref().map(|c| c.total),
        cost_terms: f
            .cost
            .as_ref()
            .map(|c| {
                c.terms
                    .iter()
                    .map(|t| (t.points, t.reason.clone()))
                    .collect()
            })
            .unwrap_or_default(),
        plan,
        flags: Vec::new(),
        latency,
    }
}

/// What was found on fingerprint `id`, each kind once.
fn flags(id: &str, findings: &[Finding], advice: &[AdviceRow]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let kinds = findings
        .iter()
        .filter(|f| f.fingerprint == id)
        .map(|f| short(f.kind))
        .chain(
            advice
                .iter()
                .filter(|a| a.kind == "index" && a.fingerprint.as_deref() == Some(id))
                .map(|_| "index"),
        );
    for k in kinds {
        if !out.iter().any(|o| o == k) {
            out.push(k.to_owned());
        }
    }
    out
}

fn loop_row(f: &Finding) -> Option<LoopRow> {
    let (_, kind) = LOOP_KINDS.iter().find(|(k, _)| *k == f.kind)?;
    Some(LoopRow {
        kind: (*kind).to_owned(),
        fingerprint: f.fingerprint.clone(),
        shape: f.shape.clone(),
        parent: f.parent.as_ref().map(|p| p.shape.clone()),
        size: f.loop_size,
        units: f.unit_count,
        total_ms: f.total_ms,
        round_trips_saved: f.round_trips_saved,
        message: f.message.clone(),
        rewrites: f
            .rewrites
            .iter()
            .map(|r| (r.form.to_owned(), r.statements.join(";\n")))
            .collect(),
        note: f
            .not_rewritten
            .clone()
            .or_else(|| f.fix.as_ref().map(|x| x.note.clone())),
    })
}

/// A finding as advice: a loop's rewrite, a lint fix, a slow statement.
fn finding_advice(f: &Finding) -> AdviceRow {
    let kind = if f.kind == "n_plus_one" {
        "rewrite"
    } else {
        short(f.kind)
    };
    AdviceRow {
        kind: kind.to_owned(),
        severity: severity(f.severity),
        message: f.message.clone(),
        fingerprint: Some(f.fingerprint.clone()),
        sql: f.fix.as_ref().map(|x| x.sql.clone()).unwrap_or_default(),
        note: f
            .fix
            .as_ref()
            .map(|x| x.note.clone())
            .or_else(|| f.not_rewritten.clone()),
    }
}

/// The advisor's indexes and partitions, with the DDL for the database.
fn advisor_rows(a: &Advice, postgres: bool) -> Vec<AdviceRow> {
    let indexes = a.recommendations.iter().map(|r| AdviceRow {
        kind: "index".into(),
        severity: model::Severity::Warning,
        message: format!(
            "index {} on {} serves {} statement(s), {:.1}% of the estimated cost",
            r.name,
            r.table,
            r.statements.len(),
            r.share * 100.0
        ),
        fingerprint: r.statements.first().map(|s| s.fingerprint.clone()),
        sql: vec![if postgres {
            r.postgresql_ddl.clone()
        } else {
            r.sqlite_ddl.clone()
        }],
        note: (!r.validation.is_empty()).then(|| r.validation.join("; ")),
    });
    let partitions = a.partitions.iter().map(|p| AdviceRow {
        kind: "partition".into(),
        severity: model::Severity::Info,
        message: format!(
            "partition {} by {} per {} ({:.1}% of the estimated cost)",
            p.table,
            p.column,
            p.granularity,
            p.share * 100.0
        ),
        fingerprint: p.statements.first().cloned(),
        sql: if postgres {
            p.postgresql_ddl.clone()
        } else {
            Vec::new()
        },
        note: (!postgres && !p.sqlite_advice.is_empty()).then(|| p.sqlite_advice.join(" ")),
    });
    indexes.chain(partitions).collect()
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use sqlsift_analyzer::workload::{IngestOptions, ingest};
    use sqlsift_rules::{Linter, RulesConfig};

    use super::*;
    use crate::cli::SortKey;
    use crate::report;

    /// The ORM sample's report, as the console sees it.
    fn orm() -> Snapshot {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples/orm/sqlite.jsonl");
        let opts = IngestOptions {
            format: None,
            dialect: None,
            detect: sqlsift_analyzer::detect::DetectConfig::default(),
        };
        let workload = ingest(&[path], &opts, None).expect("sample");
        let linter = Linter::new(&RulesConfig::default()).expect("rules");
        let r = report::build(
            &workload,
            &report::Options {
                sort: SortKey::Total,
                top: None,
                redact: false,
                thresholds: sqlsift_analyzer::detect::slow::SlowConfig::default(),
                schema: None,
                linter: &linter,
                advice: None,
                unit_findings: None,
            },
        );
        convert(&r, "orm".into(), Vec::new(), None, false)
    }

    #[test]
    fn n_plus_one_loops_carry_parent_and_rewrites() {
        let s = orm();
        let l = s
            .loops
            .iter()
            .find(|l| l.kind == "N+1" && l.shape.starts_with("select authors"))
            .expect("the authors loop");
        assert!(
            l.parent
                .as_deref()
                .is_some_and(|p| p.contains("from books"))
        );
        assert!(l.size >= 5 && l.round_trips_saved > 0, "{l:?}");
        assert_eq!(l.rewrites[0].0, "literal IN");
        assert!(l.rewrites[0].1.contains("IN ("), "{:?}", l.rewrites);
        // The same loop is advice, with its rewrite ready to copy.
        assert!(s.advice.iter().any(|a| a.kind == "rewrite"
            && a.fingerprint.as_deref() == Some(l.fingerprint.as_str())
            && a.sql.iter().any(|q| q.contains("IN ("))));
    }

    #[test]
    fn queries_are_flagged_with_what_was_found_on_them() {
        let s = orm();
        assert_eq!(s.queries.len(), 13);
        assert_eq!(s.totals.events, 323);
        let authors = s
            .queries
            .iter()
            .find(|q| q.shape == "select authors.id, authors.name, authors.country from authors where authors.id = ?")
            .expect("authors lookup");
        assert_eq!(authors.flags, ["N+1", "dup"]);
        let labels: Vec<&str> = authors.latency.iter().map(|(l, _)| l.as_str()).collect();
        assert_eq!(labels, ["min", "p50", "p95", "p99", "max"]);
        assert!(authors.cost.is_some() && !authors.cost_terms.is_empty());
    }
}
