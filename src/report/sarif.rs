//! The SARIF 2.1.0 report, for code-scanning dashboards (GitHub code
//! scanning and others): one rule per finding kind and lint rule, one result per finding,
//! located at the file and line its statement was read from.

use std::fmt::Write as _;
use std::io::Write;

use serde_json::{Value, json};
use sqlsift_analyzer::detect::Severity;

use super::{Finding, Report};

/// What each built-in finding kind means, for the SARIF rule descriptors.
const KIND_RULES: &[(&str, &str, &str, &str)] = &[
    (
        "n_plus_one",
        "NPlusOneQuery",
        "A query runs once per row of an earlier result (N+1).",
        "Inside one request or transaction the same statement ran many times with different key values, usually once per row of the statement before it. Send one batched statement instead (key IN (…), = ANY($1), or a JOIN with the parent); the finding's fix lists each form.",
    ),
    (
        "duplicate",
        "DuplicateRead",
        "The same read with the same values repeats inside one unit of work.",
        "The statement returned the same rows each time within one request or transaction; keep the first result (memoize per request) instead of asking the database again.",
    ),
    (
        "batchable_insert",
        "BatchableInsert",
        "Rows are inserted one statement at a time.",
        "Many single-row INSERTs of one shape ran in one unit of work; send them as one multi-row INSERT (or COPY on PostgreSQL).",
    ),
    (
        "slow",
        "SlowStatement",
        "A statement's mean or p95 time is over the threshold.",
        "The statement's mean (or 95th-percentile) duration is at or above the threshold set in sqlsift.toml ([thresholds] slow_ms, p95_ms). Look at its cost breakdown and index advice.",
    ),
    (
        "index",
        "MissingIndex",
        "An index would serve costly statements of the workload.",
        "The index advisor proposes this index for statements whose cost it would cut, merged across the workload and validated on the database's planner (SQLite what-if, or HypoPG on PostgreSQL). The fix is the CREATE INDEX statement.",
    ),
    (
        "partition",
        "PartitionLargeTable",
        "A large table filtered by time ranges should be partitioned.",
        "The table is at or above the partitioning threshold and its costly statements filter on a time range: range partitioning keeps each query to the partitions it needs. The fix is the partitioning DDL.",
    ),
    (
        "scan_ratio",
        "ScanRatio",
        "A statement reads far more rows than it returns.",
        "Rows examined per row returned is at or above [thresholds] scan_ratio: a filter no index serves. Add an index on the filtered columns.",
    ),
    (
        "connection_pool",
        "ConnectionPool",
        "The application's connections should go through a pool.",
        "Seen by sqlsift's proxy: most sessions lived under a second (a connection opened per request, each paying a backend fork and authentication), or sessions sat idle inside transactions holding a backend. Put a connection pool (in the application, or PgBouncer) in front of the database; the message gives a starting pool size from the server time the sessions used.",
    ),
];

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Info => "note",
        Severity::Warning => "warning",
        Severity::Error => "error",
    }
}

/// Writes `report` as a SARIF 2.1.0 log.
///
/// # Errors
/// When writing fails.
pub fn write_sarif(r: &Report, out: &mut impl Write) -> anyhow::Result<()> {
    // The detectors' kinds first, then every lint rule, from its own metadata.
    let mut ids: Vec<&str> = KIND_RULES.iter().map(|(id, ..)| *id).collect();
    let mut rules: Vec<Value> = KIND_RULES
        .iter()
        .map(|(id, name, short, full)| {
            json!({
                "id": id,
                "name": name,
                "shortDescription": {"text": short},
                "fullDescription": {"text": full},
                "help": {"text": full},
                "defaultConfiguration": {"level": "warning"},
                "properties": {"tags": ["performance", "sql"]},
            })
        })
        .collect();
    for rule in sqlsift_rules::registry() {
        let m = rule.meta();
        ids.push(m.code);
        let doc = sqlsift_rules::render_doc(m);
        rules.push(json!({
            "id": m.code,
            "name": m.name,
            "shortDescription": {"text": m.summary},
            "fullDescription": {"text": format!("{} {}", m.what, m.why)},
            "help": {"text": doc, "markdown": doc},
            "defaultConfiguration": {"level": level(m.severity)},
            "properties": {"tags": ["sql", "lint"]},
        }));
    }
    let fallback = r.inputs.first().map(|i| i.path.as_str());
    let baseline = !r.fixed.is_empty() || baseline_used(r);
    let results: Vec<Value> = r
        .findings
        .iter()
        .filter_map(|f| {
            let id = f.rule.as_deref().unwrap_or(f.kind);
            let index = ids.iter().position(|x| *x == id)?;
            Some(result(f, id, index, fallback, baseline))
        })
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "sqlsift",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://example.invalid/sqlsift",
                "rules": rules,
            }},
            "results": results,
            "columnKind": "unicodeCodePoints",
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)?;
    Ok(())
}

/// Whether the findings were compared with a baseline (some are known).
fn baseline_used(r: &Report) -> bool {
    r.findings.iter().any(|f| f.status == "known")
}

fn result(
    f: &Finding,
    rule_id: &str,
    rule_index: usize,
    fallback: Option<&str>,
    baseline: bool,
) -> Value {
    let (file, line) = match f.origin.as_deref().and_then(split_origin) {
        Some((file, line)) => (Some(file), line),
        None => (fallback, 1),
    };
    let mut v = json!({
        "ruleId": rule_id,
        "ruleIndex": rule_index,
        "level": level(f.severity),
        "message": {"text": f.message},
        "partialFingerprints": {
            "sqlsift/v1": format!(
                "{}/{}/{}",
                f.kind,
                f.rule.as_deref().unwrap_or(""),
                super::baseline::subject(f.kind, &f.fingerprint, f.table.as_deref(), &f.columns)
            ),
        },
        "properties": {"fingerprint": f.fingerprint, "shape": f.shape},
    });
    if let Some(file) = file {
        v["locations"] = json!([{"physicalLocation": {
            "artifactLocation": {"uri": uri(file)},
            "region": {"startLine": line},
        }}]);
    }
    if baseline {
        v["baselineState"] = json!(if f.status == "known" {
            "unchanged"
        } else {
            "new"
        });
    }
    if let Some(fix) = &f.fix {
        let mut text = fix.note.clone();
        for sql in &fix.sql {
            text.push_str("\n\n");
            text.push_str(sql);
        }
        v["properties"]["fix"] = json!(text);
    }
    v
}

/// `path:line` split at its last colon.
fn split_origin(origin: &str) -> Option<(&str, u64)> {
    let (file, line) = origin.rsplit_once(':')?;
    Some((file, line.parse().ok().filter(|&n| n > 0)?))
}

/// A file path as a URI reference: relative paths stay relative (to the
/// directory sqlsift ran in, as code-scanning tools expect), absolute ones
/// become `file://` URIs; anything but unreserved characters and `/` is
/// percent-encoded.
fn uri(path: &str) -> String {
    let mut s = String::with_capacity(path.len() + 8);
    if path.starts_with('/') {
        s.push_str("file://");
    }
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            s.push(char::from(b));
        } else {
            let _ = write!(s, "%{b:02X}");
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_or_file_and_percent_encoded() {
        assert_eq!(uri("samples/a b.log"), "samples/a%20b.log");
        assert_eq!(uri("/tmp/x#1.log"), "file:///tmp/x%231.log");
    }

    #[test]
    fn origins_split_at_the_last_colon() {
        assert_eq!(
            split_origin("c:/logs/pg.log:42"),
            Some(("c:/logs/pg.log", 42))
        );
        assert_eq!(split_origin("pg.log"), None);
        assert_eq!(split_origin("pg.log:0"), None);
    }
}
